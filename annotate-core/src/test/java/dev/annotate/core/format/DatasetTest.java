package dev.annotate.core.format;

import dev.annotate.core.Detector;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.eval.DatasetPairs;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.image.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class DatasetTest {

    @TempDir
    Path root;

    private final LinesFormat lines = new LinesFormat();

    private Path image(Path file, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, TestImages.encode(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR), "png"));
    }

    private List<Dataset.Entry> entries(Dataset d) throws IOException {
        List<Dataset.Entry> all = new ArrayList<>();
        d.forEach(all::add);
        return all;
    }

    @Test
    void forEach_locatesEachImageOnce_andReportsWhatIsWrongPerFile() throws IOException {
        Path data = root.resolve("data");
        image(data.resolve("a.png"), 40, 30);
        image(data.resolve("JPEGImages/c.png"), 20, 10); // the VOC devkit layout, from data/sub/c.lines
        image(data.resolve("d.png"), 41, 30);
        Files.writeString(data.resolve("a.lines"), "a.png 40 30\ncar 1 1 5 5\n");
        Files.writeString(data.resolve("b.lines"), "b.png 40 30\n");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("sub/c.lines"), "c.png 20 10\n");
        Files.writeString(data.resolve("d.lines"), "d.png 40 30\n");
        Files.writeString(data.resolve("e.lines"), "");

        List<Dataset.Entry> all = entries(Dataset.of(data, lines, LabelMap.empty()));

        assertEquals(5, all.size());
        Dataset.Entry a = all.get(0);
        assertTrue(a.usable());
        assertEquals(data.resolve("a.png").toAbsolutePath(), a.imageFile().orElseThrow());
        assertEquals(40, a.header().orElseThrow().width());
        Dataset.Entry b = all.get(1);
        assertFalse(b.usable());
        assertEquals(b.source() + ": image not found; tried [" + data.resolve("b.png").toAbsolutePath() + ", "
                + root.resolve("JPEGImages/b.png").toAbsolutePath() + "]", b.problems().get(0).toString());
        Dataset.Entry d = all.get(2);
        assertEquals("annotated size is 40x30 but d.png is displayed as 41x30", d.problems().get(0).message());
        assertFalse(d.usable());
        Dataset.Entry e = all.get(3);
        assertTrue(e.annotated().isEmpty());
        assertEquals("empty file", e.problems().get(0).message());
        Dataset.Entry c = all.get(4);
        assertEquals(data.resolve("JPEGImages/c.png").toAbsolutePath(), c.imageFile().orElseThrow());
        assertEquals(OptionalLong.of(5), Dataset.of(data, lines, LabelMap.empty()).countFiles());
    }

    @Test
    void sizeMismatch_onAnExifTurnedImage_saysTheAnnotationIgnoredTheOrientation() throws IOException {
        byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(new BufferedImage(40, 30,
                BufferedImage.TYPE_3BYTE_BGR), 0.9f), 6, ByteOrder.BIG_ENDIAN);
        Path data = Files.createDirectories(root.resolve("exif"));
        Files.write(data.resolve("t.jpg"), jpeg);
        Files.writeString(data.resolve("t.lines"), "t.jpg 40 30\n");
        Dataset.Entry t = entries(Dataset.of(data, lines, LabelMap.empty())).get(0);
        assertFalse(t.usable());
        assertTrue(t.problems().get(0).message().startsWith("annotated size is 40x30 but t.jpg is displayed as 30x40"
                + " (the annotation matches the stored pixels"), t.problems().toString());
    }

    @Test
    void parts_areReadInOrder_andAMissingPartIsNamed() throws IOException {
        Path one = root.resolve("one");
        Path two = root.resolve("two");
        image(one.resolve("z.png"), 8, 8);
        image(two.resolve("a.png"), 8, 8);
        Files.writeString(one.resolve("z.lines"), "z.png 8 8\n");
        Files.writeString(two.resolve("a.lines"), "a.png 8 8\n");
        Dataset both = Dataset.of(one, lines, LabelMap.empty()).and(two, lines);
        assertEquals(List.of("z.png", "a.png"), entries(both).stream()
                .map(x -> x.annotated().orElseThrow().fileName()).toList());
        assertEquals(OptionalLong.of(2), both.countFiles());

        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> both.and(root.resolve("three"), lines).forEach(x -> { }));
        assertEquals(root.resolve("three") + ": no lines dataset here", e.getMessage());
    }

    @Test
    void pair_matchesTruthAndPredictionsByTheImagesPath_andAMissingPredictionIsEmpty() throws IOException {
        Path truth = root.resolve("truth");
        Path predicted = root.resolve("predicted");
        Files.createDirectories(truth.resolve("sub"));
        Files.createDirectories(predicted.resolve("sub"));
        Files.writeString(truth.resolve("sub/a.lines"), "a.png 40 30\ncar 1 1 10 10\n");
        Files.writeString(truth.resolve("b.lines"), "b.png 40 30\ncar 1 1 10 10\n");
        Files.writeString(predicted.resolve("sub/a.lines"), "a.png 40 30 by=m\ncar 1 1 10 10\ntree 2 2 4 4\n");
        List<Evaluation.ImagePair> pairs = DatasetPairs.pair(Dataset.of(truth, lines, LabelMap.empty()),
                Dataset.of(predicted, lines, LabelMap.empty()), p -> { });
        assertEquals(List.of("b.png", "sub/a.png"), pairs.stream().map(Evaluation.ImagePair::key).toList());
        assertEquals(0, pairs.get(0).predicted().size());
        assertEquals(2, pairs.get(1).predicted().size());
    }
    /**
     * Detection runs as many images at once as the processors hold beside the detector's one inference thread,
     * and the pairs still come in the truth's order, each with its own image's detections.
     */
    @Test
    void detect_runsImagesSideBySide_andAnswersInTheTruthsOrder() throws IOException {
        Path truth = root.resolve("truth");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String name = String.format("img%02d.png", i);
            image(truth.resolve(name), 20 + i, 30);
            Files.writeString(truth.resolve(String.format("img%02d.lines", i)), name + " " + (20 + i) + " 30\n");
            expected.add(name);
        }
        Files.writeString(truth.resolve("missing.lines"), "missing.png 8 8\n"); // no image: left out, still counted
        Path model = Files.write(root.resolve("m.fixture"), List.of("car 0.9 0 0 1 0.5"));
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger progress = new java.util.concurrent.atomic.AtomicInteger();
        List<Problem> problems = new ArrayList<>();
        try (Detector fixture = Detectors.open(model)) {
            Detector counting = new CountingDetector(fixture, running, most);
            List<Evaluation.ImagePair> pairs = DatasetPairs.detect(Dataset.of(truth, lines, LabelMap.empty()),
                    counting, problems::add, progress::incrementAndGet);

            assertEquals(expected, pairs.stream().map(Evaluation.ImagePair::key).toList());
            for (int i = 0; i < pairs.size(); i++) { // the fixture's box spans the whole width of its own image
                assertEquals(20 + i, pairs.get(i).predicted().get(0).box().xmax(), 1e-9, pairs.get(i).key());
            }
        }
        assertEquals(25, progress.get());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(most.get() >= 1 && most.get() <= Runtime.getRuntime().availableProcessors(), most.toString());
    }

    /** Delegates, counting the calls under way. */
    private record CountingDetector(Detector inner, java.util.concurrent.atomic.AtomicInteger running,
                                    java.util.concurrent.atomic.AtomicInteger most) implements Detector {
        @Override
        public List<dev.annotate.core.Annotation> detect(BufferedImage image) {
            return inner.detect(image);
        }

        @Override
        public dev.annotate.core.AnnotatedImage detect(Path image) throws IOException {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                return inner.detect(image);
            } finally {
                running.decrementAndGet();
            }
        }

        @Override
        public LabelMap labelMap() {
            return inner.labelMap();
        }

        @Override
        public dev.annotate.core.DetectorOptions options() {
            return inner.options();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
