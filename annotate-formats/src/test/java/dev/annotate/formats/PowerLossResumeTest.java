package dev.annotate.formats;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.core.spi.FixtureDetectorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a power loss can leave of per-image files the pipeline wrote without forcing each to disk (#18): a rerun
 * predicts again a file that holds nothing or a machine file cut short, and never touches anything else.
 */
final class PowerLossResumeTest {

    @TempDir
    Path root;

    @Test
    void voc_emptyZeroFilledAndCutShortMachineFiles_areRedone_andEveryOtherFileIsLeftAlone() throws IOException {
        Path images = Files.createDirectories(root.resolve("images"));
        for (int i = 0; i < 7; i++) {
            ImageIO.write(new BufferedImage(40 + i, 30, BufferedImage.TYPE_3BYTE_BGR), "png",
                    images.resolve("a" + i + ".png").toFile());
        }
        Path model = Files.write(root.resolve("m.fixture"), List.of("car 0.9 0.1 0.1 0.5 0.5"));
        PreAnnotator.Options options = PreAnnotator.Options.defaults(AnnotationFormats.byName("voc")).withThreads(2)
                .withModel("round-1/m.fixture");
        try (Detector detector = new FixtureDetectorProvider().open(model, DetectorOptions.defaults())) {
            PreAnnotator.run(detector, images, options, p -> { });
            Map<String, byte[]> uninterrupted = files(images);
            assertEquals(7, uninterrupted.size());

            byte[] a1 = uninterrupted.get("a1.xml");
            byte[] cutAfterTheMark = Arrays.copyOf(a1, a1.length * 2 / 3);
            assertTrue(new String(cutAfterTheMark, StandardCharsets.UTF_8).contains(MachineMark.PREFIX));
            byte[] cutBeforeTheMark = Arrays.copyOf(uninterrupted.get("a4.xml"), 40);
            byte[] person = ("<annotation><folder>images</folder><filename>a5.png</filename><size><width>45</width>"
                    + "<height>30</height><depth>3</depth></size><object><name>dog</name><bndbox><xmin>1</xmin>"
                    + "<ymin>2</ymin><xmax>9</xmax><ymax>8</ymax></bndbox></object></annotation>")
                    .getBytes(StandardCharsets.UTF_8);
            Files.write(images.resolve("a0.xml"), new byte[0]);
            Files.write(images.resolve("a1.xml"), cutAfterTheMark);
            Files.write(images.resolve("a2.xml"), new byte[1500]);
            Files.delete(images.resolve("a3.xml")); // never reached the disk's folder at all
            Files.write(images.resolve("a4.xml"), cutBeforeTheMark); // might be anyone's: left alone
            Files.write(images.resolve("a5.xml"), person);

            PreAnnotator.Summary s = PreAnnotator.run(detector, images, options, p -> { });

            assertEquals(4, s.written(), s.notes().toString());
            assertEquals(3, s.skipped());
            Map<String, byte[]> after = files(images);
            for (String redone : List.of("a0.xml", "a1.xml", "a2.xml", "a3.xml", "a6.xml")) {
                assertArrayEquals(uninterrupted.get(redone), after.get(redone), redone);
            }
            assertArrayEquals(cutBeforeTheMark, after.get("a4.xml"));
            assertArrayEquals(person, after.get("a5.xml"));
            Map<String, String> notes = s.notes().stream().collect(Collectors.toMap(
                    n -> n.path().getFileName().toString(), PreAnnotator.Failure::reason));
            assertEquals(List.of("a0.xml", "a1.xml", "a2.xml", "a4.xml"), notes.keySet().stream().sorted().toList());
            assertTrue(notes.get("a1.xml").contains("carries the machine mark but is cut short"), notes.toString());
            assertTrue(notes.get("a4.xml").contains("unreadable, left alone"), notes.toString());
        }
    }

    @Test
    void yolo_anEmptyFile_isRedone() throws IOException {
        Path images = Files.createDirectories(root.resolve("images"));
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR), "png", images.resolve("a.png")
                .toFile());
        Path model = Files.write(root.resolve("m.fixture"), List.of("car 0.9 0.1 0.1 0.5 0.5"));
        PreAnnotator.Options options = PreAnnotator.Options.defaults(AnnotationFormats.byName("yolo")).withThreads(1);
        try (Detector detector = new FixtureDetectorProvider().open(model, DetectorOptions.defaults())) {
            PreAnnotator.run(detector, images, options, p -> { });
            byte[] uninterrupted = Files.readAllBytes(images.resolve("a.txt"));
            Files.write(images.resolve("a.txt"), new byte[0]);

            PreAnnotator.Summary s = PreAnnotator.run(detector, images, options, p -> { });

            assertEquals(1, s.written());
            assertArrayEquals(uninterrupted, Files.readAllBytes(images.resolve("a.txt")));
        }
    }

    private static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> !f.toString().endsWith(".png")).toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }
}
