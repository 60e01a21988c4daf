package dev.annotate.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.image.Images;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.tf.TfOptions;
import dev.annotate.tf.JpegTensors;
import dev.annotate.train.Backbone;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.SavedModelExport;
import dev.annotate.train.TrainerOptions;
import dev.annotate.voc.VocFormat;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TUint8;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Figure 1 on the primitive models themselves (SavedModel and ONNX exports of {@link PrimitiveTrainer}'s
 * network): the pipeline per image against decoding as the backend's detector does (ImageIO subsampled for ONNX,
 * TensorFlow's own decoder at a DCT ratio for the SavedModel: each no smaller than the model's input size, which
 * the exports state) plus inference alone on a prepared uint8 tensor of the size that decode gives (session.run /
 * Session.run, one intra-op thread, callers sharing one session). The weights come from a few training steps:
 * speed does not depend on them.
 */
final class PrimitivePipeline {

    /** Per-image milliseconds for one export and thread count. */
    record Figure(String export, int threads, double pipeline, double decode, double inference) {
    }

    private PrimitivePipeline() {
    }

    static List<Figure> measure(Path root, Path images, List<Path> jpegs) throws Exception {
        Path seed = root.resolve("primitive-seed");
        SyntheticDataset.generate(seed, SyntheticDataset.Options.defaults(8, 9).withSides(160, 320).withExifShare(0));
        PrimitiveModel model = PrimitiveTrainer.train(seed, SyntheticDataset.LABEL_MAP,
                TrainerOptions.defaults(Backbone.PRIMITIVE).withSteps(3), p -> { });
        Path saved = root.resolve("primitive/saved_model");
        Path onnx = root.resolve("primitive/model.onnx");
        SavedModelExport.write(model, saved);
        OnnxExport.write(model, onnx);
        int size = model.inputSize();
        dev.annotate.core.image.ImageHeader header = Images.probe(jpegs.get(0));
        int s = Images.read(jpegs.get(0), Images.DEFAULT_MAX_PIXELS, size, size).subsampling();
        int r = JpegTensors.ratio(header.width(), header.height(), size, size);
        long[] onnxShape = {1, header.reduced(s).height(), header.reduced(s).width(), 3};
        long[] tfShape = {1, header.reduced(r).height(), header.reduced(r).width(), 3};

        List<Figure> out = new ArrayList<>();
        try (JpegTensors jpeg = new JpegTensors()) {
            for (int threads = 1; threads <= 2; threads++) {
                double decode = PipelineBenchmark.perImage(jpegs, threads, 3,
                        f -> Images.read(f, Images.DEFAULT_MAX_PIXELS, size, size));
                out.add(new Figure("ONNX", threads, pipeline(onnx, images, root, threads), decode,
                        onnxInference(onnx, onnxShape, jpegs.size(), threads)));
                // the TensorFlow backend decodes JPEG files itself, straight into the input tensor
                double tfDecode = PipelineBenchmark.perImage(jpegs, threads, 3,
                        f -> BenchFiles.decodeIntoTensor(jpeg, f, size));
                out.add(new Figure("SavedModel", threads, pipeline(saved, images, root, threads), tfDecode,
                        tfInference(saved, tfShape, jpegs.size(), threads)));
            }
        }
        return out;
    }

    private static double pipeline(Path model, Path images, Path root, int threads) throws Exception {
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            try (Detector d = Detectors.open(model, DetectorOptions.defaults().withLabelMap(SyntheticDataset.LABEL_MAP)
                    .withThreads(1))) {
                long t0 = System.nanoTime();
                PreAnnotator.Summary s = PreAnnotator.run(d, images, PreAnnotator.Options.defaults(new VocFormat())
                        .withOutputDir(root.resolve("primitive-out-" + model.getFileName() + threads + round))
                        .withThreads(threads), p -> { });
                best = Math.min(best, (System.nanoTime() - t0) / 1e6 / s.total());
            }
        }
        return best;
    }

    /** Random pixels filling a uint8 tensor of this shape. */
    private static byte[] pixels(long[] shape) {
        byte[] rgb = new byte[(int) (shape[1] * shape[2] * shape[3])];
        new java.util.Random(1).nextBytes(rgb);
        return rgb;
    }

    private static double onnxInference(Path model, long[] shape, int runs, int threads) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(1);
        so.addConfigEntry("session.intra_op.allow_spinning", "0"); // as the detector does
        try (OrtSession session = env.createSession(model.toString(), so);
             OnnxTensor tensor = OnnxTensor.createTensor(env, ByteBuffer.wrap(pixels(shape)), shape,
                     ai.onnxruntime.OnnxJavaType.UINT8)) {
            return PipelineBenchmark.perImage(Collections.nCopies(runs, model), threads, 3, p -> {
                try (OrtSession.Result r = session.run(Map.of("input_tensor", tensor))) {
                    return r.size();
                }
            });
        }
    }

    private static double tfInference(Path model, long[] shape, int runs, int threads) throws Exception {
        // the detector's configuration: one intra-op thread per call, the inter-op pool TfOptions.defaults() gives
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(TfOptions.defaults().interOpThreads()).build();
        try (SavedModelBundle bundle = SavedModelBundle.loader(model.toString()).withTags("serve")
                .withConfigProto(config).load();
             TUint8 tensor = TUint8.tensorOf(Shape.of(shape), DataBuffers.of(pixels(shape), true, false))) {
            return PipelineBenchmark.perImage(Collections.nCopies(runs, model), threads, 3, p -> {
                try (var r = bundle.session().runner().feed("input_tensor", tensor).fetch("detection_boxes")
                        .fetch("detection_scores").fetch("detection_classes").fetch("num_detections").run()) {
                    Tensor first = r.get(0);
                    return first.shape();
                }
            });
        }
    }
}
