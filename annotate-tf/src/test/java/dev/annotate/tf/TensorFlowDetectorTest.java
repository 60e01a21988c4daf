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
        DetectorOptions renamed = DetectorOptions.builder()
                .backend(TfOptions.defaults().withNames(Map.of("detection_boxes", "boxes"))).build();
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(tf2Uint8, renamed));
        assertEquals(tf2Uint8 + ": signature 'serving_default' has no output 'boxes'; the model has inputs"
                + " [input_tensor (DT_UINT8 [1, -1, -1, 3])] and outputs [detection_boxes (DT_FLOAT [1, 4, 4]),"
                + " detection_classes (DT_FLOAT [1, 4]), detection_scores (DT_FLOAT [1, 4]),"
                + " num_detections (DT_FLOAT [1])]", e.getMessage());
    }

    @Test
    void open_frozenGraphWithoutTheInput_listsItsPlaceholders() {
        DetectorOptions other = DetectorOptions.builder().backend(TfOptions.defaults().withInputName("images"))
                .build();
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
