package dev.annotate.core.spi;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.FormatException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class DetectorsTest {

    @TempDir
    Path dir;

    private Path model(String... lines) throws IOException {
        return Files.write(dir.resolve("m.fixture"), List.of(lines));
    }

    @Test
    void open_pathNoProviderAccepts_listsInstalledProviders() throws IOException {
        Path onnx = Files.createFile(dir.resolve("model.onnx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Detectors.open(onnx));
        assertEquals("No installed detector backend accepts " + onnx + "; installed: fixture (*.fixture files)",
                e.getMessage());
    }

    @Test
    void open_missingPath_isNoSuchFile() {
        Path missing = dir.resolve("nothing.fixture");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Detectors.open(missing));
        assertEquals(missing + ": no model file or directory", e.getMessage());
    }

    @Test
    void open_malformedModel_isTheProvidersFormatException() throws IOException {
        Path bad = model("car 0.9 0 0");
        FormatException e = assertThrows(FormatException.class, () -> Detectors.open(bad));
        assertEquals(bad + ": line 1: expected 6 fields, found 4", e.getMessage());
    }

    @Test
    void detect_image_appliesPostProcessingFromOptions() throws IOException {
        Path m = model("car 0.9 0.1 0.1 0.5 0.5", "car 0.8 0.11 0.1 0.51 0.5", "tree 0.3 0.6 0.6 0.9 0.9");
        try (Detector detector = Detectors.open(m, DetectorOptions.defaults().withMinScore(0.5))) {
            List<Annotation> found = detector.detect(new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR));
            assertEquals(List.of(Annotation.predicted("car", BoundingBox.of(20, 10, 100, 50), 0.9)), found);
            assertEquals(List.of("car", "tree"), detector.labelMap().names());
        }
    }

    @Test
    void detect_path_describesTheImageInItsDisplayedFrame() throws IOException {
        Path m = model("car 0.9 0 0 0.5 1");
        Path image = dir.resolve("a.png");
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY), "png", image.toFile());
        try (Detector detector = Detectors.open(m)) {
            AnnotatedImage result = detector.detect(image);
            assertEquals(new AnnotatedImage("a.png", Optional.of(image.toAbsolutePath().toString()), 64, 48, 1,
                    List.of(Annotation.predicted("car", BoundingBox.of(0, 0, 32, 48), 0.9)), false,
                    java.util.Map.of()), result);
        }
    }

    @Test
    void detect_path_unreadableImage_namesTheFile() throws IOException {
        Path image = Files.writeString(dir.resolve("b.jpg"), "not a jpeg");
        try (Detector detector = Detectors.open(model("car 0.9 0 0 0.5 1"))) {
            FormatException e = assertThrows(FormatException.class, () -> detector.detect(image));
            assertEquals(image, e.file());
        }
    }

    @Test
    void close_isIdempotent_andLaterCallsFail() throws IOException {
        Path m = model("car 0.9 0 0 0.5 1");
        Detector detector = Detectors.open(m);
        int before = FixtureDetectorProvider.RELEASED.get();
        detector.close();
        detector.close();
        assertEquals(before + 1, FixtureDetectorProvider.RELEASED.get());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> detector.detect(new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR)));
        assertEquals("fixture model " + m + " has been closed", e.getMessage());
        assertThrows(IllegalStateException.class, detector::labelMap);
    }

    @Test
    void detect_manyThreadsWhileClosing_eachCallSucceedsOrSeesClosed() throws Exception {
        Detector detector = Detectors.open(model("car 0.9 0 0 0.5 1"));
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_3BYTE_BGR);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch started = new CountDownLatch(4);
        try {
            List<Future<Integer>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    started.countDown();
                    int ok = 0;
                    for (int i = 0; i < 10_000; i++) {
                        try {
                            assertEquals(1, detector.detect(image).size());
                            ok++;
                        } catch (IllegalStateException closed) {
                            return ok;
                        }
                    }
                    return ok;
                }));
            }
            started.await();
            detector.close();
            for (Future<Integer> f : futures) {
                assertTrue(f.get(1, TimeUnit.MINUTES) >= 0);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
