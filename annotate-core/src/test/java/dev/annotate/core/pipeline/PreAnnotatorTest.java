package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.format.LinesFormat;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class PreAnnotatorTest {

    @TempDir
    Path root;

    private Path images;
    private Detector detector;
    private final PerImageFormat format = new LinesFormat();

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectories(root.resolve("images"));
        Path model = Files.write(root.resolve("m.fixture"), List.of("car 0.9 0.1 0.1 0.5 0.5",
                "tree 0.6 0.6 0.6 0.9 0.9"));
        detector = Detectors.open(model);
        for (int i = 0; i < 5; i++) {
            image(images.resolve(String.format("a%d.png", i)), 40 + i, 30);
        }
        Files.createDirectories(images.resolve("sub/deeper"));
        image(images.resolve("sub/b.png"), 64, 48);
        image(images.resolve("sub/deeper/c.jpg"), 32, 32);
        Files.writeString(images.resolve("notes.txt"), "not an image");
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private static void image(Path p, int w, int h) throws IOException {
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR), p.toString().endsWith("jpg") ? "jpeg"
                : "png", p.toFile());
    }

    private PreAnnotator.Options options() {
        return PreAnnotator.Options.defaults(format).withThreads(2);
    }

    @Test
    void run_writesBesideEveryImage_andSummarises() throws IOException {
        List<PreAnnotator.Progress> events = new ArrayList<>();
        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options(), events::add);

        assertEquals(7, s.total());
        assertEquals(7, s.written());
        assertEquals(List.of(), s.failures());
        assertTrue(Files.isRegularFile(images.resolve("sub/deeper/c.lines")));
        assertEquals(Map.of("car", 7L, "tree", 7L), s.detectionsPerClass());
        assertEquals(0.6, s.leastConfident().get(0).lowestConfidence(), 1e-9);
        assertEquals(7, events.size());
        assertEquals(7, events.get(events.size() - 1).done());
        PreAnnotator.Timings t = s.timings();
        assertTrue(t.detecting().toNanos() > 0 && t.writing().toNanos() > 0, t.toString());
        assertTrue(t.counting().compareTo(t.elapsed()) <= 0, t.toString());
        assertEquals(7 / (t.elapsed().toNanos() / 1e9), s.imagesPerSecond(), 1e-6 * s.imagesPerSecond());
        AnnotatedImage written = format.readFile(images.resolve("sub/b.lines"), LabelMap.empty()).image()
                .orElseThrow();
        assertEquals(64, written.width());
        assertFalse(written.verified());
        assertEquals(List.of(), tmpFiles(root));
    }

    @Test
    void run_withOutputDir_mirrorsTheTree_andLeavesTheImagesAlone() throws IOException {
        Path out = root.resolve("out");
        PreAnnotator.run(detector, images, options().withOutputDir(out), p -> { });
        assertTrue(Files.isRegularFile(out.resolve("sub/deeper/c.lines")));
        assertTrue(Files.isRegularFile(out.resolve("a0.lines")));
        try (Stream<Path> s = Files.walk(images)) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".lines")));
        }
    }

    @Test
    void existingPolicies_protectAPersonsWork() throws IOException {
        Path unverified = images.resolve("a0.lines");
        Path verified = images.resolve("a1.lines");
        Path broken = images.resolve("a2.lines");
        Files.writeString(unverified, "a0.png 40 30\nperson 1 1 5 5\n");
        Files.writeString(verified, "a1.png 41 30 verified\nperson 1 1 5 5\n");
        Files.writeString(broken, "a2.png forty 30\n");

        PreAnnotator.Summary skip = PreAnnotator.run(detector, images, options(), p -> { });
        assertEquals(3, skip.skipped());
        assertEquals(List.of(broken), skip.notes().stream().map(PreAnnotator.Failure::path).toList());
        assertEquals("a0.png 40 30\nperson 1 1 5 5\n", Files.readString(unverified));

        PreAnnotator.Summary skipVerified = PreAnnotator.run(detector, images,
                options().withExisting(Existing.SKIP_VERIFIED), p -> { });
        assertTrue(Files.readString(unverified).contains("car"), "an unverified file is rewritten");
        assertEquals("a1.png 41 30 verified\nperson 1 1 5 5\n", Files.readString(verified));
        assertEquals("a2.png forty 30\n", Files.readString(broken));
        assertEquals(List.of(broken), skipVerified.notes().stream().map(PreAnnotator.Failure::path).toList());

        PreAnnotator.run(detector, images, options().withExisting(Existing.OVERWRITE), p -> { });
        assertTrue(Files.readString(verified).contains("car"), "overwrite means overwrite");
        assertFalse(Files.readString(verified).contains("verified"));
    }

    /**
     * What a power loss leaves of files not yet on disk (#18): an empty or zero-filled annotation file holds nothing
     * a person could have written, and is predicted again under every policy; the rest is as an uninterrupted run.
     */
    @ParameterizedTest
    @EnumSource(value = Existing.class, names = {"SKIP", "SKIP_VERIFIED", "REFRESH"})
    void run_emptyOrZeroFilledFilesLeftByAPowerLoss_arePredictedAgain(Existing policy)
            throws IOException {
        Path reference = root.resolve("reference");
        copyTree(images, reference);
        PreAnnotator.run(detector, reference, options(), p -> { });
        Path empty = Files.write(images.resolve("a0.lines"), new byte[0]);
        Path zeros = Files.write(images.resolve("sub/b.lines"), new byte[4096]);
        Path person = Files.writeString(images.resolve("a1.lines"), "a1.png 41 30 verified\nperson 1 1 5 5\n");

        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options().withExisting(policy), p -> { });

        assertEquals(6, s.written());
        assertEquals(1, s.skipped());
        assertEquals(Files.readString(reference.resolve("a0.lines")), Files.readString(empty));
        assertEquals(Files.readString(reference.resolve("sub/b.lines")), Files.readString(zeros));
        assertEquals("a1.png 41 30 verified\nperson 1 1 5 5\n", Files.readString(person));
        assertEquals(java.util.Set.of(empty, zeros), s.notes().stream().map(PreAnnotator.Failure::path)
                .collect(java.util.stream.Collectors.toSet()));
        assertTrue(s.notes().get(0).reason().contains("holds nothing"), s.notes().toString());
    }

    @Test
    void refresh_rewritesTheMachinesUncheckedFiles_andNoPersonsFile() throws IOException {
        Path machine = Files.writeString(images.resolve("a0.lines"), "a0.png 40 30 by=round-1/m\nperson 1 1 5 5\n");
        Path person = Files.writeString(images.resolve("a1.lines"), "a1.png 41 30\nperson 1 1 5 5\n");
        Path verified = Files.writeString(images.resolve("a2.lines"), "a2.png 42 30 verified by=round-1/m\n");
        Path broken = Files.writeString(images.resolve("a3.lines"), "a3.png forty 30\n");

        PreAnnotator.Summary s = PreAnnotator.run(detector, images,
                options().withExisting(Existing.REFRESH).withModel("round-2/m.fixture"), p -> { });

        AnnotatedImage refreshed = format.readFile(machine, LabelMap.empty()).image().orElseThrow();
        assertEquals(java.util.Optional.of("round-2/m.fixture"), refreshed.predictedBy());
        assertEquals(List.of("car", "tree"), refreshed.annotations().stream().map(a -> a.label()).toList());
        assertEquals("a1.png 41 30\nperson 1 1 5 5\n", Files.readString(person));
        assertEquals("a2.png 42 30 verified by=round-1/m\n", Files.readString(verified));
        assertEquals("a3.png forty 30\n", Files.readString(broken));
        assertEquals(List.of(broken), s.notes().stream().map(PreAnnotator.Failure::path).toList());
        assertEquals(4, s.written(), "a0 and the three images without a file");
        assertEquals(3, s.skipped());
    }

    @Test
    void imagesWithNoDetection_areListedFirstForReview() throws IOException {
        try (Detector nothingSure = Detectors.open(root.resolve("m.fixture"),
                dev.annotate.core.DetectorOptions.defaults().withMinScore(0.95))) {
            PreAnnotator.Summary s = PreAnnotator.run(nothingSure, images, options(), p -> { });
            assertEquals(7, s.leastConfident().size());
            assertTrue(s.leastConfident().stream().allMatch(d -> d.lowestConfidence() == 0 && d.detections() == 0),
                    s.leastConfident().toString());
        }
    }

    @Test
    void everyWrittenFile_carriesTheMachineMark_withTheModelsName() throws IOException {
        PreAnnotator.run(detector, images, options().withModel("round-1/m.fixture"), p -> { });
        AnnotatedImage written = format.readFile(images.resolve("a0.lines"), LabelMap.empty()).image().orElseThrow();
        assertEquals(java.util.Optional.of("round-1/m.fixture"), written.predictedBy());
        assertFalse(written.checked());
    }

    @Test
    void modelName_isTheLastTwoSegments_ofAPathOrUri() {
        assertEquals("round-2/model.onnx", PreAnnotator.modelName("/home/ann/models/round-2/model.onnx"));
        assertEquals("primitive/saved_model", PreAnnotator.modelName("primitive/saved_model/"));
        assertEquals("model.onnx", PreAnnotator.modelName("model.onnx"));
        assertEquals("model.onnx", PreAnnotator.modelName("/model.onnx"));
        assertEquals("m/x.onnx", PreAnnotator.modelName("s3a://bucket/m/x.onnx"));
        assertEquals("j/model.onnx", PreAnnotator.modelName("file:/tmp/j/model.onnx"));
        assertEquals("models/x.pb", PreAnnotator.modelName("C:\\models\\x.pb"));
        assertEquals("x.pb", PreAnnotator.modelName("C:\\x.pb"));
    }

    @Test
    void workers_byDefault_fillTheProcessorsBesideTheDetectorsInferenceThreads() {
        int processors = Runtime.getRuntime().availableProcessors();
        PreAnnotator.Options auto = PreAnnotator.Options.defaults(format);
        assertEquals(PreAnnotator.Options.AUTO_THREADS, auto.threads());
        assertEquals(processors, auto.workers(DetectorOptions.defaults()));
        assertEquals(1, auto.workers(DetectorOptions.defaults().withThreads(processors)));
        assertEquals(1, auto.workers(DetectorOptions.defaults().withThreads(4 * processors)));
        assertEquals(Math.max(1, processors / 2), auto.workers(DetectorOptions.defaults().withThreads(2)));
        assertEquals(3, auto.withThreads(3).workers(DetectorOptions.defaults())); // a number given is used as it is
        assertEquals(1, detector.options().threads()); // the detector's default: one inference thread
        assertThrows(IllegalArgumentException.class, () -> auto.withThreads(-1));
    }

    @Test
    void existing_parsesTheOptionNames() {
        assertEquals(Existing.SKIP_VERIFIED, Existing.parse("Skip-Verified"));
        assertEquals(Existing.REFRESH, Existing.parse("refresh"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Existing.parse("keep"));
        assertEquals("existing-file policy keep is not one of skip, skip-verified, refresh, overwrite", e.getMessage());
    }

    @Test
    void run_aWriteThatFails_isRecordedWithItsReason_andEveryOtherFileIsWritten() throws IOException {
        Path out = root.resolve("out");
        Path blocked = Files.createDirectories(out.resolve("sub/b.lines")); // a folder where the file must go
        Files.writeString(blocked.resolve("keep"), "x");
        List<PreAnnotator.Progress> events = new ArrayList<>();

        PreAnnotator.Summary s = PreAnnotator.run(detector, images,
                options().withOutputDir(out).withExisting(Existing.OVERWRITE), events::add);

        assertEquals(6, s.written());
        assertEquals(1, s.failed());
        assertEquals(images.resolve("sub/b.png").toAbsolutePath(), s.failures().get(0).path());
        assertTrue(s.failures().get(0).reason().contains("b.lines"), s.failures().get(0).reason());
        assertEquals(7, events.size(), "one event per image, written or failed");
        assertEquals(7, events.get(events.size() - 1).done());
        assertTrue(Files.isRegularFile(out.resolve("sub/deeper/c.lines")));
        assertEquals(List.of(), tmpFiles(root));
    }

    @Test
    void run_badImageAmongGoodOnes_isRecorded_andTheRestIsWritten() throws IOException {
        Path bad = Files.writeString(images.resolve("broken.jpg"), "not a jpeg at all");
        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options(), p -> { });
        assertEquals(8, s.total());
        assertEquals(7, s.written());
        assertEquals(1, s.failed());
        assertEquals(bad, s.failures().get(0).path());
        assertTrue(s.failures().get(0).reason().startsWith(bad.toString()), s.failures().get(0).reason());
        assertFalse(Files.exists(images.resolve("broken.lines")));
    }

    @Test
    void run_symbolicLinkLoop_isRecordedWithThePathItFound_andTheRestIsWritten() throws IOException {
        Path loop = Files.createSymbolicLink(images.resolve("sub/loop"), images.toAbsolutePath());
        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options(), p -> { });
        assertEquals(7, s.written());
        assertEquals(List.of(new PreAnnotator.Failure(loop, loop + ": symbolic link loop (back to "
                + images.toRealPath() + "); not followed")), s.failures());
    }

    /**
     * The images are listed once: one added while the run goes, in a folder it has not reached yet, is not handled,
     * and the total stays the number handled (a second walk would pick it up and count more done than the total).
     */
    @Test
    void run_anImageAddedWhileRunning_isNotHandled_andTheTotalHolds() throws IOException {
        for (int i = 0; i < 30; i++) { // the root's images are queued first, before any folder is listed
            image(images.resolve(String.format("m%02d.png", i)), 20, 20);
        }
        Path late = images.resolve("sub/deeper/late.png");
        List<PreAnnotator.Progress> events = Collections.synchronizedList(new ArrayList<>());
        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options().withThreads(1), p -> {
            if (events.isEmpty()) {
                try {
                    image(late, 20, 20);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            events.add(p);
        });
        assertEquals(37, s.total());
        assertEquals(37, s.written());
        assertTrue(events.stream().allMatch(p -> p.done() <= p.total()), events.toString());
        assertFalse(Files.exists(images.resolve("sub/deeper/late.lines")));
    }

    /** Regression: progress calls synchronised on the listener object itself, which belongs to the caller. */
    @Test
    void run_whileTheCallerHoldsItsListenersMonitor_finishes_andReportsInOrderOneCallAtATime() throws Exception {
        Files.createDirectories(images.resolve("more"));
        for (int i = 0; i < 40; i++) {
            image(images.resolve(String.format("more/m%02d.png", i)), 20, 20);
        }
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        List<Long> done = Collections.synchronizedList(new ArrayList<>());
        List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
        PreAnnotator.Listener listener = p -> {
            if (inside.incrementAndGet() != 1) {
                overlaps.add("overlapping call at " + p.done());
            }
            done.add(p.done());
            Thread.yield();
            inside.decrementAndGet();
        };
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<PreAnnotator.Summary> run;
            synchronized (listener) {
                run = caller.submit(() -> PreAnnotator.run(detector, images, options().withThreads(4), listener));
                assertEquals(47, run.get(1, java.util.concurrent.TimeUnit.MINUTES).written());
            }
        } finally {
            caller.shutdownNow();
        }
        assertEquals(List.of(), overlaps);
        assertEquals(47, done.size());
        for (int i = 1; i < done.size(); i++) {
            assertTrue(done.get(i) >= done.get(i - 1), done.toString());
        }
        assertEquals(47L, done.get(46));
    }

    @Test
    void run_exifRotatedImage_isAnnotatedInTheDisplayedFrame() throws IOException {
        BufferedImage displayed = new BufferedImage(80, 50, BufferedImage.TYPE_3BYTE_BGR);
        Files.write(images.resolve("turned.jpg"), TestImages.withExifOrientation(
                TestImages.jpeg(ExifOrientation.ROTATE_270_CW.apply(displayed), 0.9f), 6, ByteOrder.BIG_ENDIAN));
        PreAnnotator.run(detector, images, options(), p -> { });
        AnnotatedImage a = format.readFile(images.resolve("turned.lines"), LabelMap.empty()).image().orElseThrow();
        assertEquals(80, a.width());
        assertEquals(50, a.height());
    }

    @Test
    void run_twoImagesWritingOneFile_isRefusedBeforeWritingAnything() throws IOException {
        image(images.resolve("a0.jpg"), 10, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreAnnotator.run(detector, images, options(), p -> { }));
        assertEquals("images would overwrite each other's annotation files:\n  " + images.resolve("a0.lines")
                + " <- [" + images.resolve("a0.jpg") + ", " + images.resolve("a0.png") + "]\n"
                + "rename or move one image of each pair", e.getMessage());
        try (Stream<Path> s = Files.walk(images)) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".lines")));
        }
    }

    /** A run killed midway (some files written, a temporary left) and started again ends as an uninterrupted one. */
    @Test
    void run_afterAKill_finishesWithTheSameFilesAsAnUninterruptedRun() throws IOException {
        Path reference = root.resolve("reference");
        copyTree(images, reference);
        PreAnnotator.run(detector, reference, options(), p -> { });

        // the killed run: three files written, one temporary left behind mid-write
        for (String done : List.of("a0.lines", "a3.lines", "sub/b.lines")) {
            Files.copy(reference.resolve(done), images.resolve(done));
        }
        Files.writeString(images.resolve(".a1.lines.k3x9.tmp"), "a1.png 41 3");

        PreAnnotator.Summary s = PreAnnotator.run(detector, images, options(), p -> { });

        assertEquals(3, s.skipped());
        assertEquals(4, s.written());
        assertEquals(tree(reference), tree(images));
        assertEquals(List.of(), tmpFiles(root));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** Relative path → content of every annotation file (paths recorded inside are relative to nothing here). */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".lines")).toList()) {
                out.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }

    private static List<Path> tmpFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void readResult_ofWrittenFile_isClean() throws IOException {
        PreAnnotator.run(detector, images, options(), p -> { });
        ReadResult r = format.readFile(images.resolve("a4.lines"), LabelMap.empty());
        assertTrue(r.isClean());
        assertArrayEquals(new String[] {"car", "tree"}, r.image().orElseThrow().annotations().stream()
                .map(a -> a.label()).toArray(String[]::new));
    }
}
