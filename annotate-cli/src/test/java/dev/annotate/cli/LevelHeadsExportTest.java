package dev.annotate.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.train.SavedModelExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network with NanoDet's level heads ({@link PrimitiveModel.Heads#LEVELS}): both exports decode it alike (the
 * same candidates, scores, classes and boxes), with no mirror pass, and ONNX reads back what it wrote.
 */
final class LevelHeadsExportTest {

    private static final String[] OUTPUTS = {"detection_boxes", "detection_scores", "detection_classes"};

    static PrimitiveModel levels() {
        Random rng = new Random(3);
        List<Layer> l = new ArrayList<>();
        l.add(conv(rng, "c1", PrimitiveModel.INPUT, 3, 2, 3, 8, Layer.Activation.LEAKY_RELU));
        l.add(conv(rng, "c2", "c1", 3, 2, 8, 8, Layer.Activation.LEAKY_RELU));
        l.add(conv(rng, "c8", "c2", 3, 2, 8, 8, Layer.Activation.LEAKY_RELU));
        l.add(conv(rng, "c16", "c8", 3, 2, 8, 8, Layer.Activation.LEAKY_RELU));
        l.add(conv(rng, "c32", "c16", 3, 2, 8, 8, Layer.Activation.LEAKY_RELU));
        int out = 2 + 4 * PrimitiveModel.BINS;
        l.add(conv(rng, "head8", "c8", 1, 1, 8, out, Layer.Activation.NONE));
        l.add(conv(rng, "head16", "c16", 1, 1, 8, out, Layer.Activation.NONE));
        l.add(conv(rng, "head32", "c32", 1, 1, 8, out, Layer.Activation.NONE));
        return new PrimitiveModel(96, LabelMap.of(List.of(LabelMap.Entry.of(3, "a"), LabelMap.Entry.of(7, "b"))), l,
                40).withScoreExponent(0.8f);
    }

    private static Layer.Conv conv(Random rng, String name, String input, int k, int stride, int in, int out,
                                   Layer.Activation activation) {
        float[] w = new float[k * k * in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * Math.sqrt(2.0 / (k * k * in)));
        }
        float[] b = new float[out];
        for (int i = 0; i < out; i++) {
            b[i] = (float) rng.nextGaussian() * 0.5f;
        }
        return new Layer.Conv(name, input, k, stride, in, out, activation, w, b, Layer.Padding.SYMMETRIC);
    }

    @Test
    void levelHeads_bothExportsDecodeTheSameCandidates_andOnnxReadsBackWhatWasWritten(@TempDir Path dir)
            throws Exception {
        PrimitiveModel model = levels();
        assertEquals(PrimitiveModel.Heads.LEVELS, model.heads());
        SavedModelExport.write(model, dir.resolve("saved_model"));
        OnnxExport.write(model, dir.resolve("model.onnx"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("model.onnx")),
                OnnxExport.toBytes(OnnxExport.read(dir.resolve("model.onnx"))), "read(write(m)) writes m again");

        int w = 130;
        int h = 70;
        Random rng = new Random(9);
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) ((i / 3 % w) * 2 + rng.nextInt(60));
        }
        float[][] tf = new float[3][];
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.resolve("saved_model").toString(), "serve");
             TUint8 input = TUint8.tensorOf(Shape.of(1, h, w, 3), DataBuffers.of(rgb, true, false))) {
            var runner = bundle.session().runner().feed("input_tensor", input);
            for (String name : OUTPUTS) {
                runner.fetch(name);
            }
            try (Result r = runner.run()) {
                for (int i = 0; i < OUTPUTS.length; i++) {
                    TFloat32 t = (TFloat32) r.get(i);
                    tf[i] = new float[(int) t.shape().size()];
                    t.asRawTensor().data().asFloats().read(tf[i]);
                }
            }
        }
        float[][] onnx = new float[3][];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(dir.resolve("model.onnx").toString(),
                new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, ByteBuffer.wrap(rgb), new long[] {1, h, w, 3},
                     ai.onnxruntime.OnnxJavaType.UINT8);
             OrtSession.Result r = session.run(Map.of("input_tensor", input))) {
            for (int i = 0; i < OUTPUTS.length; i++) {
                java.nio.FloatBuffer b = ((OnnxTensor) r.get(OUTPUTS[i]).orElseThrow()).getFloatBuffer();
                onnx[i] = new float[b.remaining()];
                b.get(onnx[i]);
            }
        }
        int k = model.maxDetections();
        assertEquals(k * 4, tf[0].length);
        assertEquals(k * 4, onnx[0].length);
        // every candidate of one runtime is among the other's: equal scores may come in either order
        for (int d = 0; d < k; d++) {
            boolean found = false;
            for (int e = 0; e < k && !found; e++) {
                found = tf[2][d] == onnx[2][e] && Math.abs(tf[1][d] - onnx[1][e]) < 1e-5;
                for (int j = 0; j < 4; j++) {
                    found &= Math.abs(tf[0][d * 4 + j] - onnx[0][e * 4 + j]) < 1e-4;
                }
            }
            assertTrue(found, "TensorFlow's candidate " + d + " (score " + tf[1][d] + ", class " + tf[2][d]
                    + ") is not among ONNX Runtime's");
        }
        for (int d = 1; d < k; d++) {
            assertTrue(tf[1][d] <= tf[1][d - 1], "scores come highest first");
        }
        assertTrue(java.util.stream.IntStream.range(0, k).anyMatch(d -> tf[2][d] == 3f)
                && java.util.stream.IntStream.range(0, k).anyMatch(d -> tf[2][d] == 7f),
                "both classes' label-map ids among the candidates");
        assertTrue(java.util.stream.IntStream.range(0, k * 4).anyMatch(i -> tf[0][i] > 0 && tf[0][i] < 1),
                "boxes inside the image, not all clipped");
    }
}
