package dev.annotate.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Keeps the README's Java example compiling and running: the block between the markers is in the README. */
final class ReadmeExampleTest {

    @TempDir
    Path dir;

    static void readmeExample(Path model, Path image) throws IOException {
        // README-BEGIN
        try (Detector detector = Detectors.open(model, DetectorOptions.defaults().withMinScore(0.4))) {
            AnnotatedImage result = detector.detect(image);
            for (Annotation a : result.annotations()) {
                System.out.printf("%s %.2f %s%n", a.label(), a.confidenceOr(1), a.box());
            }
        }
        // README-END
    }

    @Test
    void readmeExample_runs_andPrintsTheDetections() throws IOException {
        Path model = Files.write(dir.resolve("m.fixture"), List.of("car 0.87 0 0 0.5 0.5"));
        Path image = dir.resolve("0001.png");
        ImageIO.write(new BufferedImage(40, 20, BufferedImage.TYPE_3BYTE_BGR), "png", image.toFile());
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            readmeExample(model, image);
        } finally {
            System.setOut(original);
        }
        assertEquals(String.format("car 0.87 %s%n", BoundingBox.of(0, 0, 20, 10)),
                captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readme_containsTheExampleVerbatim() throws IOException {
        ReadmeExamples.assertReadmeContains(Path.of("..", "README.md"),
                Path.of("src/test/java/dev/annotate/core/ReadmeExampleTest.java"));
    }
}
