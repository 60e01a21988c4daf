package dev.annotate.tf;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.Slicing;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.TestImages;
import dev.annotate.core.spi.DetectorConcurrency;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.proto.DataType;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class TensorFlowDetectorTest {

    private static final LabelMap LABELS = LabelMap.fromNames(List.of("race car", "tree", "café"));

    @TempDir
    static Path root;

    static Path tf2Uint8;
    static Path tf2Float;
    static Path tf2String;
    static Path tf1Inputs;
    static Path frozen;

    @BeforeAll
    static void models() throws IOException {
        tf2Uint8 = OdModels.savedModel(root.resolve("tf2-uint8/saved_model"), OdModels.Input.UINT8, "input_tensor");
        tf2Float = OdModels.savedModel(root.resolve("tf2-float/saved_model"), OdModels.Input.FLOAT, "input_tensor");
        tf2String = OdModels.savedModel(root.resolve("tf2-string/saved_model"), OdModels.Input.STRING,
                "input_tensor");
        tf1Inputs = OdModels.savedModel(root.resolve("tf1/saved_model"), OdModels.Input.UINT8, "inputs");
        Files.createDirectories(root.resolve("frozen"));
        frozen = OdModels.frozenGraph(root.resolve("frozen/frozen_inference_graph.pb"));
        for (String dir : List.of("tf2-uint8", "tf2-float", "tf2-string", "tf1", "frozen")) {
            LabelMaps.write(LABELS, root.resolve(dir).resolve("label_map.pbtxt"));
        }
    }

    static Stream<int[]> scenes() {
        return Stream.of(new int[] {640, 480, 100, 50, 300, 200}, new int[] {333, 777, 10, 400, 200, 777},
                new int[] {1024, 300, 0, 0, 512, 150}, new int[] {50, 40, 5, 6, 45, 30});
    }

    static Stream<Arguments> cases() {
        return Stream.of("tf2-uint8", "tf2-float", "tf2-string", "tf1", "frozen", "tf2-uint8-parent")
                .flatMap(m -> scenes().map(s -> Arguments.of(m, s)));
    }

    static Path path(String name) {
        return switch (name) {
            case "tf2-uint8" -> tf2Uint8;
            case "tf2-float" -> tf2Float;
            case "tf2-string" -> tf2String;
            case "tf1" -> tf1Inputs;
            case "frozen" -> frozen;
            case "tf2-uint8-parent" -> tf2Uint8.getParent(); // a folder holding saved_model/
            default -> throw new AssertionError(name);
        };
    }

    static BufferedImage scene(int[] s) {
        BufferedImage img = new BufferedImage(s[0], s[1], BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(20, 90, 200));
        g.fillRect(0, 0, s[0], s[1]);
        g.setColor(new Color(250, 0, 0));
        g.fillRect(s[2], s[3], s[4] - s[2], s[5] - s[3]);
        g.dispose();
        return img;
    }

    static void assertFound(int[] s, List<Annotation> found, double tolerance) {
        BoundingBox expected = BoundingBox.of(s[2], s[3], s[4], s[5]);
        assertEquals(List.of("race car", "tree"), found.stream().map(Annotation::label).toList(), found::toString);
        assertEquals(0.9, found.get(0).confidence().orElseThrow(), 1e-6);
        for (Annotation a : found) {
            BoundingBox b = a.box();
            assertTrue(Math.abs(b.xmin() - expected.xmin()) <= tolerance
                            && Math.abs(b.ymin() - expected.ymin()) <= tolerance
                            && Math.abs(b.xmax() - expected.xmax()) <= tolerance
                            && Math.abs(b.ymax() - expected.ymax()) <= tolerance,
                    () -> "expected " + expected + " within " + tolerance + " px, got " + b);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void detect_everyExportKind_returnsTheRectangleInPixels(String model, int[] s) throws IOException {
        try (Detector d = Detectors.open(path(model))) {
            assertFound(s, d.detect(scene(s)), 0.5);
        }
    }

    @Test
    void open_picksTheInputType_fromTheSignature() throws IOException {
        try (Detector d = Detectors.open(tf2Float)) {
            assertEquals(DataType.DT_FLOAT, ((TensorFlowDetector) d).inputType());
        }
        try (Detector d = Detectors.open(tf2String)) {
            assertEquals(DataType.DT_STRING, ((TensorFlowDetector) d).inputType());
        }
    }

    /**
     * Sliced inference (#20) on every input kind, from pixels and from a file (a uint8 model then gets decoded pixels,
     * not TensorFlow's own JPEG decode): every tile sees a part of the rectangle, cut by the tile's inner edges, and
     * the parts join into the rectangle the whole image's pass found; the stand-in's second, shifted box is still
     * suppressed, so the answer is what one pass gives.
     */
    @ParameterizedTest
    @MethodSource("exifModels")
    void detect_sliced_joinsTheTilesPartsIntoTheWholeObject(String model) throws IOException {
        int[] s = {1200, 900, 100, 80, 1100, 820};
        Path png = root.resolve("sliced-" + model + ".png");
        javax.imageio.ImageIO.write(scene(s), "png", png.toFile());
        try (Detector d = Detectors.open(path(model),
                DetectorOptions.defaults().withSlicing(Slicing.of(512)))) {
            assertFound(s, d.detect(scene(s)), 0.5);
            assertFound(s, d.detect(png).annotations(), 0.5);
        }
    }

    /** EXIF-rotated JPEG: uint8 models get turned pixels; string models get the file and turn the boxes. */
    @ParameterizedTest
    @MethodSource("exifModels")
    void detect_path_exifRotatedJpeg_answersInTheDisplayedFrame(String model) throws IOException {
        int[] s = {400, 300, 100, 50, 300, 200};
        BufferedImage stored = ExifOrientation.ROTATE_270_CW.apply(scene(s));
        Path jpeg = Files.write(root.resolve("rotated-" + model + ".jpg"),
                TestImages.withExifOrientation(TestImages.jpeg(stored, 0.98f), 6, ByteOrder.BIG_ENDIAN));
        try (Detector d = Detectors.open(path(model))) {
            AnnotatedImage result = d.detect(jpeg);
            assertEquals(400, result.width());
            assertEquals(300, result.height());
            assertFound(s, result.annotations(), 1.5); // JPEG softens the edges
        }
    }

    /**
     * A model that states the size it resizes to (the primitive export) gets large JPEG files decoded by TensorFlow
     * at a DCT ratio (uint8 input) or subsampled by ImageIO (float input), by default (#18): its boxes are those of a
     * full decode within a pixel, in full-resolution displayed pixels, whatever the EXIF orientation.
     */
    @ParameterizedTest
    @MethodSource("statedSizeModels")
    void aModelThatStatesItsInputSize_getsLargeFilesDecodedSmaller_withFullSizeBoxesWithinAPixel(
            OdModels.Input kind) throws IOException {
        Path model = OdModels.savedModel(root.resolve("stating-" + kind + "/saved_model"), kind, "input_tensor", 256);
        LabelMaps.write(LABELS, root.resolve("stating-" + kind + "/label_map.pbtxt"));
        try (Detector smaller = Detectors.open(model);
             Detector full = Detectors.open(model, DetectorOptions.defaults()
                     .withDecodeSize(dev.annotate.core.DecodeSize.FULL))) {
            assertEquals(java.util.Optional.of(new java.awt.Dimension(256, 256)),
                    ((TensorFlowDetector) smaller).inputSize());
            // the rectangle's edges on multiples of 4 of the stored frame, so a quarter-size decode sees it sharp;
            // sides that are, and are not, multiples of 4, so a turned image's reduced grid is offset in the displayed
            // frame
            for (int[] s : List.of(new int[] {1536, 1152, 400, 300, 1200, 900},
                    new int[] {1538, 1155, 400, 300, 1200, 900})) {
                for (ExifOrientation o : List.of(ExifOrientation.NORMAL, ExifOrientation.ROTATE_90_CW,
                        ExifOrientation.ROTATE_270_CW, ExifOrientation.TRANSVERSE, ExifOrientation.ROTATE_180)) {
                    byte[] jpeg = TestImages.jpeg(scene(s), 0.95f);
                    Path file = Files.write(root.resolve("large-" + kind + s[0] + o + ".jpg"),
                            o == ExifOrientation.NORMAL ? jpeg
                                    : TestImages.withExifOrientation(jpeg, o.tag(), ByteOrder.BIG_ENDIAN));
                    AnnotatedImage a = smaller.detect(file);
                    AnnotatedImage b = full.detect(file);
                    String what = kind + " " + s[0] + " " + o + ": " + a.annotations() + " vs " + b.annotations();
                    assertEquals(o.displayedWidth(s[0], s[1]), a.width(), what);
                    assertEquals(o.displayedHeight(s[0], s[1]), a.height(), what);
                    BoundingBox shown = o.toDisplayed(BoundingBox.of(s[2], s[3], s[4], s[5]), s[0], s[1]);
                    assertFound(new int[] {0, 0, (int) shown.xmin(), (int) shown.ymin(), (int) shown.xmax(),
                            (int) shown.ymax()}, b.annotations(), 1.5);
                    assertEquals(b.annotations().size(), a.annotations().size(), what);
                    for (int k = 0; k < a.annotations().size(); k++) {
                        BoundingBox x = a.annotations().get(k).box();
                        BoundingBox y = b.annotations().get(k).box();
                        assertEquals(y.xmin(), x.xmin(), 1, what);
                        assertEquals(y.ymin(), x.ymin(), 1, what);
                        assertEquals(y.xmax(), x.xmax(), 1, what);
                        assertEquals(y.ymax(), x.ymax(), 1, what);
                    }
                }
            }
        }
    }

    static Stream<OdModels.Input> statedSizeModels() {
        return Stream.of(OdModels.Input.UINT8, OdModels.Input.FLOAT);
    }

    /** What the model is fed: a uint8 JPEG at the largest DCT ratio that keeps the stated size, turned per EXIF. */
    @Test
    void detect_path_feedsAUint8ModelTheJpegDecodedAtTheRatioTheSizeAllows() throws IOException {
        List<String> fed = new ArrayList<>();
        TensorFlowDetector.Runner recording = new TensorFlowDetector.Runner() {
            @Override
            public TensorFlowDetector.Outputs run(org.tensorflow.Tensor input) {
                fed.add(input.shape().toString());
                return new TensorFlowDetector.Outputs(new float[] {0.5f, 0.5f, 1, 1}, new float[] {0.9f},
                        new float[] {1}, 1);
            }

            @Override
            public void close() {
            }
        };
        int[] s = {1538, 1155, 400, 300, 1200, 900};
        Path normal = Files.write(root.resolve("fed.jpg"), TestImages.jpeg(scene(s), 0.9f));
        Path turned = Files.write(root.resolve("fed-turned.jpg"), TestImages.withExifOrientation(TestImages.jpeg(
                ExifOrientation.ROTATE_270_CW.apply(scene(s)), 0.9f), 6, ByteOrder.BIG_ENDIAN));
        for (DetectorOptions options : List.of(DetectorOptions.defaults(), DetectorOptions.defaults()
                .withDecodeSize(new dev.annotate.core.DecodeSize(700, 500)))) {
            try (TensorFlowDetector d = new TensorFlowDetector(root, "recording", recording, DataType.DT_UINT8,
                    java.util.Optional.of(new java.awt.Dimension(256, 256)), LABELS, options)) {
                AnnotatedImage a = d.detect(normal);
                // [0.5, 1] of the reduced image, clamped: the reduced grid covers 1540 x 1156 full pixels
                assertEquals(BoundingBox.of(options.decodeSize().isPresent() ? 769 : 770, 578, 1538, 1155),
                        a.annotations().get(0).box());
                d.detect(turned);
            }
        }
        // 1538 x 1155 / 4 (256 kept) = 385 x 289; / 2 (700 x 500 kept) = 769 x 578
        assertEquals(List.of("[1, 289, 385, 3]", "[1, 289, 385, 3]", "[1, 578, 769, 3]", "[1, 578, 769, 3]"), fed);
    }

    static Stream<String> exifModels() {
        return Stream.of("tf2-uint8", "tf2-string", "frozen");
    }

    @Test
    void detect_eightThreads_matchSequentialResults() throws Exception {
        try (Detector d = Detectors.open(tf2Uint8)) {
            DetectorConcurrency.assertSameAsSequential(d, scenes().map(TensorFlowDetectorTest::scene).toList(), 8, 200);
        }
    }

    @Test
    void detect_twoThousandCalls_keepResidentMemoryFlat() throws IOException {
        BufferedImage image = scene(new int[] {320, 240, 10, 20, 110, 120});
        try (Detector d = Detectors.open(tf2Uint8)) {
            for (int i = 0; i < 300; i++) {
                d.detect(image);
            }
            System.gc();
            long before = residentKb();
            for (int i = 0; i < 2000; i++) {
                d.detect(image);
            }
            System.gc();
            long after = residentKb();
            assertTrue(after < before * 1.10, "resident memory grew from " + before + " kB to " + after + " kB");
        }
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void labels_withoutALabelMap_areIdN() throws IOException {
        Path bare = OdModels.savedModel(root.resolve("bare/saved_model"), OdModels.Input.UINT8, "input_tensor");
        try (Detector d = Detectors.open(bare)) {
            assertEquals(List.of("id 1", "id 2"), d.detect(scene(scenes().findFirst().orElseThrow())).stream()
                    .map(Annotation::label).toList());
        }
    }

    @Test
    void open_directoryWithoutAModel_listsTheInstalledProviders() throws IOException {
        Path empty = Files.createDirectories(root.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Detectors.open(empty));
        assertTrue(e.getMessage().startsWith("No installed detector backend accepts " + empty + "; installed: "
                + "tensorflow (SavedModel directories"), e.getMessage());
    }

    @Test
    void open_signatureWithoutTheOutputs_listsWhatTheModelHas() throws IOException {
        DetectorOptions renamed = DetectorOptions.defaults()
                .withBackend(TfOptions.defaults().withNames(Map.of("detection_boxes", "boxes")));
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(tf2Uint8, renamed));
        assertEquals(tf2Uint8 + ": signature 'serving_default' has no output 'boxes'; the model has inputs"
                + " [input_tensor (DT_UINT8 [1, -1, -1, 3])] and outputs [detection_boxes (DT_FLOAT [1, 4, 4]),"
                + " detection_classes (DT_FLOAT [1, 4]), detection_scores (DT_FLOAT [1, 4]),"
                + " num_detections (DT_FLOAT [1])]", e.getMessage());
    }

    @Test
    void open_frozenGraphWithoutTheInput_listsItsPlaceholders() {
        DetectorOptions other = DetectorOptions.defaults().withBackend(TfOptions.defaults().withInputName("images"));
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(frozen, other));
        assertEquals(frozen + ": no input operation 'images'; the model has placeholders [image_tensor]",
                e.getMessage());
    }

    @Test
    void open_corruptSavedModel_isAFormatExceptionNamingIt() throws IOException {
        Path dir = Files.createDirectories(root.resolve("corrupt/saved_model"));
        Files.write(dir.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4, 5, 6, 7});
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(dir));
        assertTrue(e.getMessage().startsWith(dir + ": not a loadable SavedModel: "), e.getMessage());
    }

    @Test
    void open_corruptFrozenGraph_isAFormatExceptionNamingIt() throws IOException {
        Path pb = Files.write(root.resolve("corrupt.pb"), new byte[] {(byte) 0xFF, 0x13, 0x37});
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(pb));
        assertEquals(pb, e.file());
    }

    @Test
    void detect_nonImageFile_namesTheFile() throws IOException {
        Path text = Files.writeString(root.resolve("notes.jpg"), "not a picture");
        for (Path model : List.of(tf2Uint8, tf2String)) {
            try (Detector d = Detectors.open(model)) {
                FormatException e = assertThrows(FormatException.class, () -> d.detect(text));
                assertEquals(text, e.file());
            }
        }
    }
}
