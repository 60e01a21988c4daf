package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.voc.Voc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.annotate.cli.AnnotateTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code predict|evaluate --model coco [--classes]}: the COCO detector that ships with annotate (#31). */
final class PredictCocoTest {

    /** A folder {@code name} in {@code dir} holding one picture of a car-like shape. */
    private static Path pictureFolder(Path dir, String name) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        picture(folder);
        return folder;
    }

    private static Path picture(Path dir) throws IOException {
        BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(150, 190, 230));
        g.fillRect(0, 0, 320, 240);
        g.setColor(new Color(30, 30, 35));
        g.fillRoundRect(70, 110, 180, 70, 20, 20);
        g.setColor(Color.BLACK);
        g.fillOval(90, 160, 40, 40);
        g.fillOval(190, 160, 40, 40);
        g.dispose();
        Path file = dir.resolve("street.png");
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    @Test
    void predict_coco_writesCocoClassesKeptAndRenamedAsAsked(@TempDir Path dir) throws IOException {
        Path images = pictureFolder(dir, "images");
        AnnotateTest.Run all = run("predict", "--model", "coco", "--images", images.toString(), "--min-score", "0.05");
        assertEquals(0, all.code(), all.err());
        AnnotatedImage found = Voc.read(images.resolve("street.xml")).image().orElseThrow();
        assertTrue(!found.annotations().isEmpty(), "something scores 0.05: " + all.out());
        String label = found.annotations().get(0).label();
        assertTrue(dev.annotate.pretrained.NanoDet.COCO_CLASSES.contains(label), label);
        assertTrue(Files.readString(images.resolve("street.xml")).contains("model=coco;"), "the machine mark names it");

        AnnotateTest.Run one = run("predict", "--model", "coco", "--images", images.toString(), "--min-score",
                "0.05", "--existing", "overwrite", "--classes", label + "=thing");
        assertEquals(0, one.code(), one.err());
        AnnotatedImage renamed = Voc.read(images.resolve("street.xml")).image().orElseThrow();
        assertTrue(!renamed.annotations().isEmpty());
        renamed.annotations().forEach(a -> assertEquals("thing", a.label()));
    }

    @Test
    void predict_classesTheModelDoesNotHave_isRefusedBeforeAnyImage(@TempDir Path dir) throws IOException {
        Path images = pictureFolder(dir, "images");
        AnnotateTest.Run r = run("predict", "--model", "coco", "--images", images.toString(), "--classes",
                "car,cars");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("annotate: error: --classes: the model has no class 'cars'; its classes are"
                + " [person, bicycle, car,"), r.err());
        assertTrue(!Files.exists(images.resolve("street.xml")), "nothing written");
        AnnotateTest.Run bad = run("predict", "--model", "coco", "--images", images.toString(), "--classes", "car=");
        assertEquals(2, bad.code());
        assertEquals("annotate: error: --classes 'car=': each item is NAME or NAME=NEW", bad.err().strip());
    }

    @Test
    void evaluate_coco_measuresOnlyTheClassesKept_underTheirNewNames(@TempDir Path dir) throws IOException {
        Path truth = pictureFolder(dir, "truth");
        AnnotateTest.Run predicted = run("predict", "--model", "coco", "--images", truth.toString(), "--min-score",
                "0.05");
        assertEquals(0, predicted.code(), predicted.err());
        String label = Voc.read(truth.resolve("street.xml")).image().orElseThrow().annotations().get(0).label();
        // the person's box: the car in the picture, under the name the team uses
        Files.writeString(truth.resolve("street.xml"), Files.readString(truth.resolve("street.xml"))
                .replaceAll("(?s)<object>.*</object>", "<object><name>thing</name><bndbox><xmin>70</xmin><ymin>110"
                        + "</ymin><xmax>250</xmax><ymax>200</ymax></bndbox></object>"));

        AnnotateTest.Run r = run("evaluate", "--truth", truth.toString(), "--model", "coco", "--classes",
                label + "=thing", "--min-score", "0.05");
        assertEquals(0, r.code(), r.err());
        long perClass = r.out().lines().filter(l -> l.contains(" AP ")).count();
        assertEquals(1, perClass, r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("thing ") && l.contains("(1 boxes,")),
                r.out());

        AnnotateTest.Run refused = run("evaluate", "--truth", truth.toString(), "--predicted", truth.toString(),
                "--classes", "car");
        assertEquals(2, refused.code());
        assertEquals("annotate: error: --classes chooses a model's classes: give it with --model",
                refused.err().strip());
    }
}
