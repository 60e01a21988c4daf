package dev.annotate.onnx;

import dev.annotate.core.DecodeSize;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.TestImages;
import dev.annotate.core.spi.DetectorConcurrency;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class OnnxDetectorTest {

    private static final LabelMap LABELS = LabelMap.fromNames(List.of("race car", "tree", "café"));

    @TempDir
    Path dir;

    /**
     * Image sizes with a red rectangle whose edges land on whole model-input pixels under both letterbox and
     * stretch into 640x640, so the expected boxes are exact.
     */
    static Stream<int[]> scenes() {
        return Stream.of(
                new int[] {1280, 960, 100, 204, 500, 600},
                new int[] {320, 240, 10, 21, 110, 72},
                new int[] {800, 600, 100, 150, 400, 450},
                new int[] {640, 360, 33, 45, 200, 297},
                new int[] {500, 1000, 50, 100, 300, 700});
    }

    record Model(String name, Supplier<byte[]> bytes, OnnxLayout layout) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Model> models() {
        return List.of(
                new Model("yolov5", () -> Fixtures.yolov5(640), OnnxLayout.YOLOV5),
                new Model("yolov8", () -> Fixtures.yolov8(640), OnnxLayout.YOLOV8),
                new Model("end-to-end", () -> Fixtures.endToEnd(640, 4), OnnxLayout.END_TO_END),
                new Model("end-to-end 300 rows", () -> Fixtures.endToEnd(640, 300), OnnxLayout.END_TO_END),
                new Model("torchvision", Fixtures::torchvision, OnnxLayout.BOXES_LABELS_SCORES),
                new Model("rt-detr", () -> Fixtures.rtDetr(640), OnnxLayout.RT_DETR),
                new Model("tf-od-api", Fixtures::tfOdApi, OnnxLayout.TF_OD_API));
    }

    static Stream<Arguments> cases() {
        return models().stream().flatMap(m -> scenes().map(s -> Arguments.of(m, s)));
    }

    static BufferedImage scene(int[] s) {
        BufferedImage img = new BufferedImage(s[0], s[1], BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(0, 0, 0));
        g.fillRect(0, 0, s[0], s[1]);
        g.setColor(new Color(255, 0, 0));
        g.fillRect(s[2], s[3], s[4] - s[2], s[5] - s[3]);
        g.dispose();
        return img;
    }

    Path write(Model m) throws IOException {
        return Files.write(dir.resolve(m.name().replace(' ', '_') + ".onnx"), m.bytes().get());
    }

    static void assertFound(int[] s, List<Annotation> found) {
        BoundingBox expected = BoundingBox.of(s[2], s[3], s[4], s[5]);
        assertEquals(List.of("race car", "tree"), found.stream().map(Annotation::label).toList(), found::toString);
        assertEquals(0.9, found.get(0).confidence().orElseThrow(), 1e-6);
        assertEquals(0.85, found.get(1).confidence().orElseThrow(), 1e-6);
        for (Annotation a : found) {
            BoundingBox b = a.box();
            assertTrue(Math.abs(b.xmin() - expected.xmin()) <= 0.5 && Math.abs(b.ymin() - expected.ymin()) <= 0.5
                    && Math.abs(b.xmax() - expected.xmax()) <= 0.5 && Math.abs(b.ymax() - expected.ymax()) <= 0.5,
                    () -> "expected " + expected + " within 0.5 px, got " + b);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void detect_everyLayout_returnsTheRectangleInOriginalPixels(Model m, int[] s) throws IOException {
        DetectorOptions options = DetectorOptions.defaults().withLabelMap(LABELS);
        try (Detector d = Detectors.open(write(m), options)) {
            assertEquals(m.layout(), ((OnnxDetector) d).layout());
            assertFound(s, d.detect(scene(s)));
        }
    }

    @ParameterizedTest(name = "stretch, {0}")
    @MethodSource("scenes")
    void detect_yoloWithStretch_mapsBackExactlyToo(int[] s) throws IOException {
        DetectorOptions options = DetectorOptions.defaults()
                .withBackend(OnnxOptions.defaults().withResize(OnnxOptions.Resize.STRETCH));
        try (Detector d = Detectors.open(write(models().get(1)), options)) {
            assertFound(s, d.detect(scene(s)));
        }
    }

    /** Every layout with a fixed 640x640 input, where the resize matters. */
    static Stream<Arguments> layoutsAndResizes() {
        List<Model> fixed = List.of(
                new Model("yolov5", () -> Fixtures.yolov5(640), OnnxLayout.YOLOV5),
                new Model("yolov8", () -> Fixtures.yolov8(640), OnnxLayout.YOLOV8),
                new Model("end-to-end", () -> Fixtures.endToEnd(640, 4), OnnxLayout.END_TO_END),
                new Model("torchvision 640", () -> Fixtures.torchvision(640), OnnxLayout.BOXES_LABELS_SCORES),
                new Model("rt-detr", () -> Fixtures.rtDetr(640), OnnxLayout.RT_DETR),
                new Model("tf-od-api 640", () -> Fixtures.tfOdApi(640), OnnxLayout.TF_OD_API));
        return fixed.stream().flatMap(m -> Stream.of(OnnxOptions.Resize.values())
                .flatMap(r -> scenes().map(s -> Arguments.of(m, r, s))));
    }

    /** Regression: boxes normalised to the fed image (TF OD API) or scaled by orig_target_sizes (RT-DETR) came
     * back wrong from a letterboxed input. */
    @ParameterizedTest(name = "{0}, {1} on {2}")
    @MethodSource("layoutsAndResizes")
    void detect_everyLayoutWithEitherResize_returnsTheRectangleInOriginalPixels(Model m, OnnxOptions.Resize resize,
                                                                                int[] s) throws IOException {
        DetectorOptions options = DetectorOptions.defaults().withLabelMap(LABELS)
                .withBackend(OnnxOptions.defaults().withResize(resize));
        try (Detector d = Detectors.open(write(m), options)) {
            assertEquals(m.layout(), ((OnnxDetector) d).layout());
            assertFound(s, d.detect(scene(s)));
        }
    }

    @Test
    void detect_path_ofExifRotatedJpeg_answersInTheDisplayedFrame() throws IOException {
        int[] s = {800, 600, 100, 150, 400, 450};
        BufferedImage stored = ExifOrientation.ROTATE_270_CW.apply(scene(s));
        Path jpeg = Files.write(dir.resolve("rotated.jpg"),
                TestImages.withExifOrientation(TestImages.jpeg(stored, 0.98f), 6, ByteOrder.BIG_ENDIAN));
        try (Detector d = Detectors.open(write(models().get(1)))) {
            AnnotatedImage result = d.detect(jpeg);
            assertEquals(800, result.width());
            assertEquals(600, result.height());
            BoundingBox box = result.annotations().get(0).box();
            // JPEG blurs the edges a little: within 1.5 px
            assertTrue(Math.abs(box.xmin() - 100) <= 1.5 && Math.abs(box.ymin() - 150) <= 1.5
                    && Math.abs(box.xmax() - 400) <= 1.5 && Math.abs(box.ymax() - 450) <= 1.5, box::toString);
        }
    }

    /** A large file is decoded subsampled for a 640-pixel input: boxes come back full-size, within s pixels. */
    @Test
    void detect_path_ofALargeImage_decodesSubsampled_andAnswersInFullSizePixels() throws IOException {
        int[] s = {2560, 1920, 240, 360, 1200, 1440};
        Path png = dir.resolve("large.png");
        javax.imageio.ImageIO.write(scene(s), "png", png.toFile());
        try (Detector d = Detectors.open(write(models().get(1)))) {
            AnnotatedImage result = d.detect(png);
            assertEquals(2560, result.width());
            assertEquals(1920, result.height());
            BoundingBox box = result.annotations().get(0).box();
            int tolerance = 3; // subsampling min(2560 / 640, 1920 / 640) = 3
            assertTrue(Math.abs(box.xmin() - 240) <= tolerance && Math.abs(box.ymin() - 360) <= tolerance
                    && Math.abs(box.xmax() - 1200) <= tolerance && Math.abs(box.ymax() - 1440) <= tolerance,
                    box::toString);
        }
    }

    /**
     * A model that resizes every image to a size its metadata states (the primitive exports) gets large files
     * decoded subsampled by default (#18): its boxes are those of a full decode within a pixel, in full-resolution
     * displayed pixels, whatever the EXIF orientation; {@link DecodeSize#FULL} decodes every pixel.
     */
    @Test
    void aModelThatResizesToAStatedSize_getsLargeFilesDecodedSmaller_withFullSizeBoxesWithinAPixel()
            throws IOException {
        Path model = Files.write(dir.resolve("resizing.onnx"), Fixtures.tfOdApiResizingTo(256));
        // edges on multiples of the subsampling, 4, in the stored frame (where the decoder samples); sides that are,
        // and are not, multiples of 4, so a turned image's sampling grid is offset in the displayed frame
        for (int[] s : List.of(new int[] {1536, 1152, 400, 300, 1200, 900}, new int[] {1538, 1155, 400, 300, 1200,
                900})) {
            decodedSmallerWithinAPixel(model, s);
        }
    }

    private void decodedSmallerWithinAPixel(Path model, int[] s) throws IOException {
        BufferedImage stored = scene(s);
        try (Detector subsampled = Detectors.open(model);
             Detector full = Detectors.open(model, DetectorOptions.defaults().withDecodeSize(DecodeSize.FULL))) {
            assertEquals(java.util.Optional.of(new java.awt.Dimension(256, 256)),
                    ((OnnxDetector) subsampled).inputSize());
            for (ExifOrientation o : List.of(ExifOrientation.NORMAL, ExifOrientation.ROTATE_180,
                    ExifOrientation.ROTATE_90_CW, ExifOrientation.ROTATE_270_CW, ExifOrientation.TRANSPOSE)) {
                byte[] jpeg = dev.annotate.core.image.TestImages.jpeg(stored, 0.95f);
                Path file = Files.write(dir.resolve("large-" + s[0] + "-" + o + ".jpg"), o == ExifOrientation.NORMAL ? jpeg
                        : dev.annotate.core.image.TestImages.withExifOrientation(jpeg, o.tag(),
                        java.nio.ByteOrder.BIG_ENDIAN));
                assertEquals(4, dev.annotate.core.image.Images.read(file, Long.MAX_VALUE, 256, 256).subsampling());
                AnnotatedImage a = subsampled.detect(file);
                AnnotatedImage b = full.detect(file);
                assertEquals(o.displayedWidth(s[0], s[1]), a.width(), o.toString());
                assertEquals(o.displayedHeight(s[0], s[1]), a.height(), o.toString());
                assertEquals(b.annotations().size(), a.annotations().size(), o.toString());
                assertFalse(a.annotations().isEmpty());
                for (int k = 0; k < a.annotations().size(); k++) {
                    BoundingBox x = a.annotations().get(k).box();
                    BoundingBox y = b.annotations().get(k).box();
                    assertEquals(b.annotations().get(k).label(), a.annotations().get(k).label());
                    String what = o + ": " + x + " vs " + y;
                    assertEquals(y.xmin(), x.xmin(), 1, what);
                    assertEquals(y.ymin(), x.ymin(), 1, what);
                    assertEquals(y.xmax(), x.xmax(), 1, what);
                    assertEquals(y.ymax(), x.ymax(), 1, what);
                }
            }
        }
    }

    @Test
    void names_comeFromTheModelsMetadata_whenNoLabelMapIsGiven() throws IOException {
        int[] s = {640, 360, 33, 45, 200, 297};
        try (Detector d = Detectors.open(write(models().get(0)))) {
            assertEquals(List.of("race car", "tree", "café"), d.labelMap().names());
            assertFound(s, d.detect(scene(s)));
        }
    }

    @Test
    void names_missingEverywhere_areIdN() throws IOException {
        int[] s = {640, 360, 33, 45, 200, 297};
        try (Detector d = Detectors.open(write(models().get(4)))) {
            assertEquals(List.of("id 1", "id 2"), d.detect(scene(s)).stream().map(Annotation::label).toList());
        }
    }

    @Test
    void minScoreAndNms_comeFromTheOptions() throws IOException {
        int[] s = {640, 360, 33, 45, 200, 297};
        DetectorOptions lowThresholdAgnostic = DetectorOptions.defaults().withMinScore(0.05).withClassAgnosticNms(true)
                .withNmsIou(0.5);
        try (Detector d = Detectors.open(write(models().get(1)), lowThresholdAgnostic)) {
            List<Annotation> found = d.detect(scene(s));
            // the tree box overlaps the car box: gone across classes; the far low-score box stays
            assertEquals(List.of("race car", "café"), found.stream().map(Annotation::label).toList());
        }
    }

    @Test
    void detect_eightThreads_matchSequentialResults() throws Exception {
        try (Detector d = Detectors.open(write(models().get(1)))) {
            DetectorConcurrency.assertSameAsSequential(d, scenes().map(OnnxDetectorTest::scene).toList(), 8, 200);
        }
    }

    @Test
    void open_notOnnx_isAFormatExceptionNamingTheFile() throws IOException {
        Path bogus = Files.writeString(dir.resolve("bogus.onnx"), "this is not a model");
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(bogus));
        assertTrue(e.getMessage().startsWith(bogus + ": not a loadable ONNX model: "), e.getMessage());
    }

    @Test
    void open_truncatedModel_isAFormatExceptionNamingTheFile() throws IOException {
        byte[] model = Fixtures.yolov8(640);
        Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(model, model.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(cut));
        assertEquals(cut, e.file());
    }

    @Test
    void open_unknownLayout_listsInputsOutputsAndKnownLayouts() throws IOException {
        Path odd = dir.resolve("odd.onnx");
        OnnxGraph.builder("odd").input("x", ElementType.FLOAT, 1, 7)
                .node("Identity", List.of("x"), List.of("y")).output("y", ElementType.FLOAT, 1, 7).write(odd);
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(odd));
        assertEquals(odd + ": cannot tell the output layout: inputs [x: FLOAT [1, 7]], outputs [y: FLOAT [1, 7]];"
                + " known layouts: [TF_OD_API, YOLOV5, YOLOV8, END_TO_END, BOXES_LABELS_SCORES, RT_DETR]"
                + " (name one with OnnxOptions.withLayout)", e.getMessage());
    }

    @Test
    void open_notAnOnnxPath_listsInstalledProviders() throws IOException {
        Path txt = Files.writeString(dir.resolve("model.txt"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Detectors.open(txt));
        assertTrue(e.getMessage().contains("onnx (*.onnx files)"), e.getMessage());
    }
}
