package dev.annotate.pretrained;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.onnx.proto.ModelProto;
import dev.annotate.onnx.proto.TensorProto;
import dev.annotate.onnx.proto.TypeProto;
import dev.annotate.onnx.proto.ValueInfoProto;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class CocoDetectorTest {

    static BufferedImage scene() {
        BufferedImage image = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, new Color(120, 170, 230), 0, 200, new Color(90, 140, 60)));
        g.fillRect(0, 0, 300, 200);
        g.setColor(new Color(40, 40, 45));
        g.fillRoundRect(60, 90, 170, 60, 20, 20);
        g.setColor(Color.BLACK);
        g.fillOval(80, 135, 35, 35);
        g.fillOval(175, 135, 35, 35);
        g.dispose();
        return image;
    }

    /**
     * The graph's Generalized Focal Loss decoding against the same decoding written here in Java from the raw
     * head outputs: the best candidates' scores, classes and boxes agree.
     */
    @Test
    void onnx_decodesTheHeadsAsNanoDetDoes() throws Exception {
        ModelProto.Builder model = ModelProto.parseFrom(CocoDetector.onnx()).toBuilder();
        List<String> heads = NanoDet.STRIDES.stream().map(s -> NanoDet.HEAD + s).toList();
        for (String head : heads) {
            model.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(head).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        }
        BufferedImage image = scene();
        byte[] rgb = new byte[300 * 200 * 3];
        for (int i = 0; i < 300 * 200; i++) {
            int p = image.getRGB(i % 300, i / 300);
            rgb[3 * i] = (byte) (p >> 16);
            rgb[3 * i + 1] = (byte) (p >> 8);
            rgb[3 * i + 2] = (byte) p;
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int classes = NanoDet.COCO_CLASSES.size();
        try (OrtSession session = env.createSession(model.build().toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, ByteBuffer.wrap(rgb), new long[] {1, 200, 300, 3},
                     ai.onnxruntime.OnnxJavaType.UINT8);
             OrtSession.Result r = session.run(Map.of("input_tensor", input))) {
            float[][] boxes = ((float[][][]) r.get("detection_boxes").orElseThrow().getValue())[0];
            float[] scores = ((float[][]) r.get("detection_scores").orElseThrow().getValue())[0];
            float[] ids = ((float[][]) r.get("detection_classes").orElseThrow().getValue())[0];
            for (int d = 0; d < 20; d++) {
                // find the candidate in the heads: the cell and class whose sigmoid is this score
                boolean found = false;
                for (int level = 0; level < 3 && !found; level++) {
                    int stride = NanoDet.STRIDES.get(level);
                    float[][][] head = ((float[][][][]) r.get(heads.get(level)).orElseThrow().getValue())[0];
                    int n = head[0].length;
                    int c = (int) ids[d] - 1;
                    for (int y = 0; y < n && !found; y++) {
                        for (int x = 0; x < n && !found; x++) {
                            double score = 1 / (1 + Math.exp(-head[c][y][x]));
                            if (Math.abs(score - scores[d]) > 1e-6) {
                                continue;
                            }
                            double[] side = new double[4];
                            for (int s = 0; s < 4; s++) {
                                double sum = 0;
                                double weighted = 0;
                                double max = Double.NEGATIVE_INFINITY;
                                for (int b = 0; b < NanoDet.BINS; b++) {
                                    max = Math.max(max, head[classes + s * NanoDet.BINS + b][y][x]);
                                }
                                for (int b = 0; b < NanoDet.BINS; b++) {
                                    double e = Math.exp(head[classes + s * NanoDet.BINS + b][y][x] - max);
                                    sum += e;
                                    weighted += e * b;
                                }
                                side[s] = weighted / sum * stride;
                            }
                            double cx = (x + 0.5) * stride;
                            double cy = (y + 0.5) * stride;
                            double size = NanoDet.INPUT_SIZE;
                            double[] expected = {clip((cy - side[1]) / size), clip((cx - side[0]) / size),
                                    clip((cy + side[3]) / size), clip((cx + side[2]) / size)};
                            boolean same = true;
                            for (int k = 0; k < 4; k++) {
                                same &= Math.abs(expected[k] - boxes[d][k]) < 1e-4;
                            }
                            found = same;
                        }
                    }
                }
                assertTrue(found, "candidate " + d + " (score " + scores[d] + ", class " + ids[d]
                        + ") is no cell's decoding");
            }
            for (int d = 1; d < scores.length; d++) {
                assertTrue(scores[d] <= scores[d - 1], "best first");
            }
        }
    }

    private static double clip(double v) {
        return Math.max(0, Math.min(1, v));
    }

    @Test
    void open_keepsAndRenamesTheClassesAsked() throws Exception {
        try (Detector all = CocoDetector.open(DetectorOptions.defaults().withMinScore(0.05))) {
            assertEquals(NanoDet.COCO_CLASSES, all.labelMap().names());
            List<Annotation> found = all.detect(scene());
            assertTrue(!found.isEmpty(), "something in the scene scores 0.05");
            Set<String> labels = new HashSet<>();
            found.forEach(a -> labels.add(a.label()));
            String kept = labels.iterator().next();
            try (Detector one = CocoDetector.open(DetectorOptions.defaults().withMinScore(0.05)
                    .withAllowedLabels(Set.of(kept)).withLabelRenames(Map.of(kept, "thing")))) {
                List<Annotation> renamed = one.detect(scene());
                assertTrue(!renamed.isEmpty());
                renamed.forEach(a -> assertEquals("thing", a.label()));
                assertEquals(found.stream().filter(a -> a.label().equals(kept)).count(), renamed.size());
            }
        }
    }
}
