package dev.annotate.examples.embedding;

import dev.annotate.onnx.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class DetectExampleTest {

    @TempDir
    Path dir;

    @Test
    void main_printsTheDetections() throws IOException {
        Path model = Files.write(dir.resolve("model.onnx"), Fixtures.yolov8(640));
        BufferedImage img = new BufferedImage(640, 360, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(33, 45, 167, 252);
        g.dispose();
        Path image = dir.resolve("photo.png");
        ImageIO.write(img, "png", image.toFile());

        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            DetectExample.main(new String[] {model.toString(), image.toString()});
        } finally {
            System.setOut(original);
        }
        assertEquals(String.format("race car 0.90 BoundingBox[xmin=33.0, ymin=45.0, xmax=200.0, ymax=297.0]%n"
                        + "tree 0.85 BoundingBox[xmin=33.0, ymin=45.0, xmax=200.0, ymax=297.0]%n"),
                captured.toString(StandardCharsets.UTF_8));
    }
}
