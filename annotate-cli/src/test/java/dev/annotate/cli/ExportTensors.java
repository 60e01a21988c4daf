package dev.annotate.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.annotate.core.image.DecodedImage;
import dev.annotate.core.image.Images;
import dev.annotate.onnx.proto.ModelProto;
import dev.annotate.onnx.proto.TensorProto;
import dev.annotate.onnx.proto.TypeProto;
import dev.annotate.onnx.proto.ValueInfoProto;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The primitive model's continuous tensors, {@code heat} (flip-averaged class probabilities), {@code size_mean}
 * and {@code offset_first}, from both exports of one model, in NHWC order: TensorFlow fetches them from the
 * SavedModel's session by name, ONNX Runtime runs the ONNX file with them added as graph outputs.
 */
final class ExportTensors implements AutoCloseable {

    static final List<String> NAMES = List.of("heat", "size_mean", "offset_first");

    private final SavedModelBundle bundle;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final float scoreExponent;

    /** Both runtimes' values of {@link #NAMES}, flattened NHWC. */
    record Pair(Map<String, float[]> tf, Map<String, float[]> onnx, int side, int classes) {
    }

    ExportTensors(Path modelDir) throws Exception {
        bundle = SavedModelBundle.load(modelDir.resolve("saved_model").toString(), "serve");
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(modelDir.resolve("model.onnx")));
        ModelProto.Builder b = model.toBuilder();
        for (String name : NAMES) {
            b.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        }
        session = env.createSession(b.build().toByteArray(), new OrtSession.SessionOptions());
        TensorProto exponent = model.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("score_exponent")).findFirst().orElseThrow();
        scoreExponent = exponent.getFloatDataCount() > 0 ? exponent.getFloatData(0)
                : exponent.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat();
    }

    /** Runs both exports on an image as the detectors read it (displayed frame, RGB). */
    Pair run(Path image) throws Exception {
        DecodedImage decoded = Images.read(image);
        int w = decoded.image().getWidth();
        int h = decoded.image().getHeight();
        byte[] bgr = Images.bgrBytes(decoded.image());
        byte[] rgb = new byte[bgr.length];
        Images.bgrToRgb(bgr, 0, rgb, 0, w * h);

        Map<String, float[]> tf = new HashMap<>();
        try (TUint8 input = TUint8.tensorOf(Shape.of(1, h, w, 3), DataBuffers.of(rgb, true, false))) {
            var runner = bundle.session().runner().feed("input_tensor", input);
            for (String name : NAMES) {
                runner.fetch(name);
            }
            try (Result r = runner.run()) {
                for (int i = 0; i < NAMES.size(); i++) {
                    TFloat32 t = (TFloat32) r.get(i);
                    float[] values = new float[(int) t.shape().size()];
                    t.asRawTensor().data().asFloats().read(values);
                    tf.put(NAMES.get(i), values);
                }
            }
        }
        Map<String, float[]> onnx = new HashMap<>();
        int side;
        int classes;
        try (OnnxTensor input = OnnxTensor.createTensor(env, ByteBuffer.wrap(rgb), new long[] {1, h, w, 3},
                ai.onnxruntime.OnnxJavaType.UINT8);
             OrtSession.Result r = session.run(Map.of("input_tensor", input), java.util.Set.copyOf(NAMES))) {
            long[] heatShape = ((OnnxTensor) r.get("heat").orElseThrow()).getInfo().getShape();
            classes = (int) heatShape[1];
            side = (int) heatShape[2];
            for (String name : NAMES) {
                OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
                long[] shape = t.getInfo().getShape(); // NCHW
                onnx.put(name, nhwc(t.getFloatBuffer(), (int) shape[1], (int) shape[2], (int) shape[3]));
            }
        }
        return new Pair(tf, onnx, side, classes);
    }

    /**
     * Whether the exports' detections at {@code minScore} can differ by rounding alone on this image, read from
     * its heatmap: a cell at or above the threshold's heat whose value is within {@code tolerance} of the largest
     * of its 3x3 neighbours (of its class), so that which of them is a peak is the runtimes' rounding's choice; or
     * a peak within {@code tolerance} of the threshold itself; or more peaks above the threshold than the model's
     * top K, whose cut then falls between values that may be tied.
     */
    boolean mayDifferByRounding(Path image, double minScore, int topK, double tolerance) throws Exception {
        Pair p = run(image);
        float[] heat = p.onnx().get("heat");
        int n = p.side();
        int c = p.classes();
        double threshold = Math.pow(minScore, 1 / scoreExponent);
        int peaks = 0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                for (int k = 0; k < c; k++) {
                    float v = heat[(y * n + x) * c + k];
                    if (v < threshold - tolerance) {
                        continue;
                    }
                    float neighbours = Float.NEGATIVE_INFINITY;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if ((dy != 0 || dx != 0) && yy >= 0 && yy < n && xx >= 0 && xx < n) {
                                neighbours = Math.max(neighbours, heat[(yy * n + xx) * c + k]);
                            }
                        }
                    }
                    if (Math.abs(v - neighbours) < tolerance) {
                        return true;
                    }
                    if (v > neighbours) {
                        if (Math.abs(v - threshold) < tolerance) {
                            return true;
                        }
                        peaks++;
                    }
                }
            }
        }
        return peaks > topK;
    }

    private static float[] nhwc(java.nio.FloatBuffer nchw, int channels, int height, int width) {
        float[] out = new float[channels * height * width];
        for (int ch = 0; ch < channels; ch++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    out[(y * width + x) * channels + ch] = nchw.get((ch * height + y) * width + x);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        session.close();
        bundle.close();
    }
}
