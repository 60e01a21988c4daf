package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.core.spi.FixtureDetectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-annotation pipeline writing a dataset-level format (COCO, Label Studio, CVAT): one file, complete or absent,
 * resumed after a crash from its journal, and a person's entries in an existing file kept.
 */
final class DatasetPreAnnotationTest {

    @TempDir
    Path root;

    private Path images;
    private Path model;
    private Detector detector;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectories(root.resolve("images"));
        model = Files.write(root.resolve("m.fixture"), List.of("car 0.9 0.1 0.1 0.5 0.5", "tree 0.6 0.5 0.5 1 1"));
        detector = new FixtureDetectorProvider().open(model, DetectorOptions.defaults());
        for (int i = 0; i < 5; i++) {
            image(images.resolve("a" + i + ".png"), 40 + 2 * i, 30);
        }
        Files.createDirectories(images.resolve("sub/deeper"));
        image(images.resolve("sub/b.png"), 64, 48);
        image(images.resolve("sub/deeper/c d.png"), 32, 32);
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private static void image(Path p, int w, int h) throws IOException {
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR), "png", p.toFile());
    }

    private static PreAnnotator.Options options(String format) {
        return PreAnnotator.Options.defaults(AnnotationFormats.byName(format)).withThreads(2)
                .withModel("round-1/m.onnx");
    }

    /** Key → image, as the format reads the dataset back. */
    private static Map<String, AnnotatedImage> read(AnnotationFormat format, Path location) throws IOException {
        Map<String, AnnotatedImage> out = new TreeMap<>();
        Dataset.Part part = new Dataset.Part(location, format);
        format.read(location, LabelMap.empty(), r -> {
            assertEquals(List.of(), r.problems());
            out.put(part.key(r), r.image().orElseThrow());
        });
        return out;
    }

    private static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp") || n.endsWith(".journal"))
                    .toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"coco", "labelstudio", "cvat"})
    void run_writesOneFileForTheTree_withTheMachinesMark(String name) throws IOException {
        AnnotationFormat format = AnnotationFormats.byName(name);
        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options(name), p -> { });

        assertEquals(7, s.written());
        assertEquals(List.of(), s.failures());
        Path file = format.datasetFile(images);
        assertTrue(Files.isRegularFile(file), file.toString());
        Map<String, AnnotatedImage> back = read(format, file);
        assertEquals(List.of("a0.png", "a1.png", "a2.png", "a3.png", "a4.png", "sub/b.png", "sub/deeper/c d.png"),
                List.copyOf(back.keySet()));
        AnnotatedImage b = back.get("sub/b.png");
        assertEquals(Optional.of("round-1/m.onnx"), b.predictedBy());
        assertEquals(64, b.width());
        assertEquals(List.of("car", "tree"), b.annotations().stream().map(Annotation::label).toList());
        assertEquals(0.9, b.annotations().get(0).confidenceOr(0), 1e-9);
        assertBoxesWithin(BoundingBox.of(6.4, 4.8, 32, 24), b.annotations().get(0).box(), 0.01);
        assertEquals(List.of(), leftovers(root));
    }

    @ParameterizedTest
    @ValueSource(strings = {"coco", "labelstudio", "cvat"})
    void aRunThatCrashes_leavesNoFile_andTheNextRunDetectsOnlyWhatIsLeft_andWritesTheSameFile(String name)
            throws IOException {
        AnnotationFormat format = AnnotationFormats.byName(name);
        Path reference = root.resolve("reference");
        copyTree(images, reference);
        PreAnnotator.run(detector, reference, options(name), p -> { });

        // a crash after three images: an Error no worker catches, as a dying process would leave it
        AtomicInteger calls = new AtomicInteger();
        Detector crashing = counting(detector, calls, 3);
        assertThrows(IllegalStateException.class, () -> PreAnnotator.run(crashing, images, options(name), p -> { }));
        assertFalse(Files.exists(format.datasetFile(images)), "no file, not a partial one");
        Files.writeString(images.resolve("." + format.datasetFile(images).getFileName() + ".x1y2.tmp"), "[{\"da");

        AtomicInteger again = new AtomicInteger();
        PreAnnotator.Summary s = PreAnnotator.run(counting(detector, again, Integer.MAX_VALUE), images,
                options(name), p -> { });

        assertEquals(7, s.written());
        assertEquals(4, again.get(), "the three journaled images are not detected again");
        assertEquals(Map.of("car", 7L, "tree", 7L), s.detectionsPerClass());
        assertArrayEquals(Files.readAllBytes(format.datasetFile(reference)),
                Files.readAllBytes(format.datasetFile(images)));
        assertEquals(List.of(), leftovers(root));
    }

    @ParameterizedTest
    @ValueSource(strings = {"coco", "labelstudio", "cvat"})
    void anExistingFile_keepsAPersonsImages_andWhatThisRunDoesNotPredict(String name) throws IOException {
        AnnotationFormat format = AnnotationFormats.byName(name);
        Path file = format.datasetFile(images);
        AnnotatedImage person = AnnotatedImage.of("a0.png", 40, 30, 3,
                List.of(Annotation.of("person", BoundingBox.of(1, 2, 30, 28))));
        AnnotatedImage machine = AnnotatedImage.of("a1.png", 42, 30, 3,
                List.of(Annotation.predicted("car", BoundingBox.of(3, 3, 9, 9), 0.7)))
                .withPredictedBy(Optional.of("round-0/m.onnx"));
        AnnotatedImage elsewhere = AnnotatedImage.of("x.png", 100, 50, 3,
                List.of(Annotation.of("person", BoundingBox.of(10, 10, 20, 20))));
        try (DatasetWriter w = format.openWriter(file, LabelMap.empty())) {
            w.write("a0.png", person);
            w.write("a1.png", machine);
            w.write("gone/x.png", elsewhere);
        }

        PreAnnotator.Summary skip = PreAnnotator.run(detector, images, options(name), p -> { });
        assertEquals(2, skip.skipped());
        assertEquals(5, skip.written());
        Map<String, AnnotatedImage> afterSkip = read(format, file);
        assertEquals(8, afterSkip.size());
        assertEquals(List.of("person"), labels(afterSkip.get("a0.png")));
        assertTrue(afterSkip.get("a0.png").checked());
        assertEquals(Optional.of("round-0/m.onnx"), afterSkip.get("a1.png").predictedBy());
        assertEquals(List.of("person"), labels(afterSkip.get("gone/x.png")));

        PreAnnotator.Summary refresh = PreAnnotator.run(detector, images,
                options(name).withExisting(Existing.REFRESH).withModel("round-2/m.onnx"), p -> { });
        assertEquals(1, refresh.skipped(), "the person's image");
        assertEquals(6, refresh.written(), "the machine's unchecked images, a1 among them");
        Map<String, AnnotatedImage> afterRefresh = read(format, file);
        assertEquals(afterSkip.get("a0.png").annotations(), afterRefresh.get("a0.png").annotations());
        assertEquals(Optional.of("round-2/m.onnx"), afterRefresh.get("a1.png").predictedBy());
        assertEquals(List.of("car", "tree"), labels(afterRefresh.get("a1.png")));
        assertEquals(afterSkip.get("gone/x.png").annotations(), afterRefresh.get("gone/x.png").annotations());
        assertEquals(List.of(), leftovers(root));
    }

    private static List<String> labels(AnnotatedImage image) {
        return image.annotations().stream().map(Annotation::label).toList();
    }

    @Test
    void anExistingFileWithWhatTheFormatCannotWriteBack_isRefused_andLeftAsItWas() throws IOException {
        Path file = images.resolve("tasks.json");
        String export = """
                [{"id": 1, "data": {"image": "/data/local-files/?d=a0.png"},
                  "annotations": [{"id": 5, "was_cancelled": false, "result": [
                    {"id": "p1", "type": "polygonlabels", "from_name": "label", "to_name": "image",
                     "original_width": 40, "original_height": 30,
                     "value": {"points": [[1, 1], [50, 1], [50, 50]], "polygonlabels": ["car"]}}]}]}]
                """;
        Files.writeString(file, export);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreAnnotator.run(detector, images, options("labelstudio"), p -> { }));
        assertTrue(e.getMessage().startsWith(file + " holds what the labelstudio format reads with problems"),
                e.getMessage());
        assertTrue(e.getMessage().contains("polygonlabels"), e.getMessage());
        assertTrue(e.getMessage().contains("the existing-file policy overwrite"), e.getMessage());
        assertEquals(export, Files.readString(file));
        assertEquals(List.of(), leftovers(root));

        PreAnnotator.Summary overwrite = PreAnnotator.run(detector, images,
                options("labelstudio").withExisting(Existing.OVERWRITE), p -> { });
        assertEquals(7, overwrite.written());
        assertTrue(overwrite.notes().stream().anyMatch(n -> n.reason().contains("polygonlabels")),
                overwrite.notes().toString());
    }

    @Test
    void aFileWhoseFolderIsNotAboveTheImages_isRefused_beforeAnythingIsDone() throws IOException {
        Path elsewhere = root.resolve("elsewhere/annotations.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreAnnotator.run(detector,
                images, options("coco").withOutputDir(elsewhere), p -> { }));
        assertTrue(e.getMessage().contains("not under " + elsewhere.getParent()), e.getMessage());
        assertFalse(Files.exists(elsewhere.getParent()));

        Path above = root.resolve("all.json"); // a named file in a folder above the images: paths say images/...
        PreAnnotator.run(detector, images, options("coco").withOutputDir(above), p -> { });
        assertTrue(read(new CocoFormat(), above).containsKey("images/sub/b.png"));
    }

    @Test
    void aFailingImage_isReported_andLeftOut_andTheOthersWritten() throws IOException {
        Files.writeString(images.resolve("a2.png"), "not a png");
        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options("labelstudio"), p -> { });
        assertEquals(1, s.failed());
        assertTrue(s.failures().get(0).path().endsWith("a2.png"));
        Map<String, AnnotatedImage> back = read(new LabelStudioFormat(), images);
        assertEquals(6, back.size());
        assertFalse(back.containsKey("a2.png"));
        assertEquals(List.of(), leftovers(root));
    }

    private static void assertBoxesWithin(BoundingBox expected, BoundingBox actual, double tolerance) {
        double[] e = {expected.xmin(), expected.ymin(), expected.xmax(), expected.ymax()};
        double[] a = {actual.xmin(), actual.ymin(), actual.xmax(), actual.ymax()};
        for (int i = 0; i < 4; i++) {
            assertEquals(e[i], a[i], tolerance, actual + " vs " + expected);
        }
    }

    /** {@code detector}, counting its calls, throwing an {@link Error} from call {@code limit + 1} on. */
    private static Detector counting(Detector detector, AtomicInteger calls, int limit) {
        return new Detector() {
            @Override
            public List<Annotation> detect(BufferedImage image) {
                return detector.detect(image);
            }

            @Override
            public AnnotatedImage detect(Path image) throws IOException {
                if (calls.incrementAndGet() > limit) {
                    throw new AssertionError("simulated crash");
                }
                return detector.detect(image);
            }

            @Override
            public LabelMap labelMap() {
                return detector.labelMap();
            }

            @Override
            public DetectorOptions options() {
                return detector.options();
            }

            @Override
            public void close() {
            }
        };
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(from)) {
            all = new ArrayList<>(s.toList());
        }
        for (Path p : all) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target);
            }
        }
    }
}
