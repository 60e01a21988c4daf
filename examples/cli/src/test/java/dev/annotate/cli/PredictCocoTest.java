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

/** {@code predict --model coco [--classes]}: the COCO detector that ships with annotate (#31). */
final class PredictCocoTest {

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
        Path images = Files.createDirectories(dir.resolve("images"));
        picture(images);
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
        Path images = Files.createDirectories(dir.resolve("images"));
        picture(images);
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
}
