package dev.annotate.onnx;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ONNX export of a hand-written model whose answer is known: ONNX Runtime decodes it as
 * {@link PrimitiveModel} specifies, and the {@code names} metadata alone names the classes, ids with gaps and
 * awkward names included. (Parity with the SavedModel export is tested where both backends are present, in the
 * CLI's tests.)
 */
final class OnnxExportTest {

    /** Ids 1 and 4, one name with a quote and a backslash. */
    static final LabelMap LABELS = LabelMap.of(List.of(LabelMap.Entry.of(1, "red thing"),
            LabelMap.Entry.of(4, "o'neil\\green")));

    /**
     * Input 16, three 1x1 stride-2 convolutions that keep RGB of every 8th pixel (stride 8, 2x2 cells); the
     * heatmap is 20 x red - 10 and 20 x green - 10; every box is one cell wide (log size 0), centred in its cell.
     */
    static PrimitiveModel model() {
        float[] identity = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        List<Layer> l = List.of(
                conv("s1", PrimitiveModel.INPUT, 2, 3, identity, new float[3]),
                conv("s2", "s1", 2, 3, identity, new float[3]),
                conv("s3", "s2", 2, 3, identity, new float[3]),
                conv(PrimitiveModel.HEATMAP, "s3", 1, 2, new float[] {20, 0, 0, 20, 0, 0}, new float[] {-10, -10}),
                conv(PrimitiveModel.SIZE, "s3", 1, 2, new float[6], new float[] {0, 0}),
                conv(PrimitiveModel.OFFSET, "s3", 1, 2, new float[6], new float[] {0.5f, 0.5f}));
        return new PrimitiveModel(16, LABELS, l, 8);
    }

    private static Layer.Conv conv(String name, String input, int stride, int out, float[] w, float[] b) {
        return new Layer.Conv(name, input, 1, stride, 3, out, Layer.Activation.NONE, w, b);
    }

    @Test
    void read_givesBackTheModelWritten_reluUpsampleAndAddIncluded(@TempDir Path dir) throws IOException {
        java.util.Random rng = new java.util.Random(5);
        float[] w9 = new float[9];
        float[] w6 = new float[6];
        for (int i = 0; i < 9; i++) {
            w9[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < 6; i++) {
            w6[i] = (float) rng.nextGaussian();
        }
        List<Layer> l = List.of(
                new Layer.Conv("s1", PrimitiveModel.INPUT, 1, 2, 3, 3, Layer.Activation.RELU, w9,
                        new float[] {1, 2, 3}),
                new Layer.Conv("s2", "s1", 1, 2, 3, 3, Layer.Activation.RELU, w9, new float[3]),
                new Layer.Conv("p", "s2", 1, 1, 3, 3, Layer.Activation.NONE, w9, new float[3]),
                new Layer.Upsample("u", "p"),
                new Layer.Add("m", "s1", "u"),
                conv(PrimitiveModel.HEATMAP, "m", 1, 2, w6, new float[] {-2, -2}),
                conv(PrimitiveModel.SIZE, "m", 1, 2, w6, new float[] {1, 1}),
                conv(PrimitiveModel.OFFSET, "m", 1, 2, w6, new float[] {0.5f, 0.5f}));
        PrimitiveModel model = new PrimitiveModel(16, LABELS, l, 7).withScoreExponent(0.625f);
        Path file = dir.resolve("m.onnx");
        OnnxExport.write(model, file);
        PrimitiveModel back = OnnxExport.read(file);
        assertEquals(LABELS, back.labels());
        assertEquals(16, back.inputSize());
        assertEquals(7, back.maxDetections());
        assertEquals(0.625f, back.scoreExponent());
        org.junit.jupiter.api.Assertions.assertArrayEquals(OnnxExport.toBytes(model), OnnxExport.toBytes(back));
        OnnxExport.write(model(), file);
        org.junit.jupiter.api.Assertions.assertArrayEquals(OnnxExport.toBytes(model()),
                OnnxExport.toBytes(OnnxExport.read(file)));
    }

    @Test
    void read_ofAnotherOnnxModel_namesTheFile(@TempDir Path dir) throws IOException {
        Path yolo = java.nio.file.Files.write(dir.resolve("yolo.onnx"), Fixtures.yolov8(64));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.read(yolo));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(yolo + ": not a primitive model"
                + " written by annotate ("), e.getMessage());
        Path text = java.nio.file.Files.writeString(dir.resolve("text.onnx"), "no protobuf here at all");
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OnnxExport.read(text));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(text + ": not"), e.getMessage());
    }

    @Test
    void export_runsInOnnxRuntime_andNamesItsClassesFromMetadata(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.onnx");
        OnnxExport.write(model(), file);
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(8, 8, 8, 8);
        g.setColor(Color.GREEN);
        g.fillRect(0, 0, 8, 8);
        g.dispose();
        Path image = dir.resolve("quadrants.png");
        ImageIO.write(img, "png", image.toFile());

        try (Detector d = Detectors.open(file, DetectorOptions.defaults())) {
            AnnotatedImage result = d.detect(image);
            List<Annotation> found = result.annotations();
            assertEquals(2, found.size(), found.toString());
            Annotation green = found.stream().filter(a -> a.label().equals("o'neil\\green")).findFirst().orElseThrow();
            Annotation red = found.stream().filter(a -> a.label().equals("red thing")).findFirst().orElseThrow();
            assertEquals(BoundingBox.of(0, 0, 8, 8), green.box());
            assertEquals(BoundingBox.of(8, 8, 16, 16), red.box());
            assertEquals(1 / (1 + Math.exp(-10)), red.confidenceOr(0), 1e-6);
        }
    }

    @Test
    void names_areAPythonDictKeyedByIdMinusOne() {
        assertEquals("{0: 'red thing', 3: 'o\\'neil\\\\green'}", OnnxExport.names(LABELS));
    }
}
