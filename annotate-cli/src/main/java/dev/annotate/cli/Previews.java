package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.image.Images;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code predict --preview DIR}: each annotated image as a PNG with its boxes, labels and scores drawn, mirrored
 * under DIR, and an {@code index.html} contact sheet of them, so a person can glance before opening LabelImg.
 */
final class Previews {

    /** At most this many images on the contact sheet. */
    static final int SHEET_LIMIT = 2000;

    private final Path imageRoot;
    private final Path dir;
    private final List<String> pages = Collections.synchronizedList(new ArrayList<>());

    Previews(Path imageRoot, Path dir) {
        this.imageRoot = imageRoot.toAbsolutePath().normalize();
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** Draws one image's detections; failures to draw never fail the run. */
    void draw(Path image, AnnotatedImage result) {
        try {
            BufferedImage img = Images.read(image).image();
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            int stroke = Math.max(2, img.getWidth() / 300);
            g.setStroke(new BasicStroke(stroke));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, img.getWidth() / 60)));
            for (Annotation a : result.annotations()) {
                Color c = Color.getHSBColor((a.label().hashCode() & 0xFFFF) / 65536f, 0.9f, 1f);
                BoundingBox b = a.box();
                g.setColor(c);
                g.drawRect((int) b.xmin(), (int) b.ymin(), (int) b.width(), (int) b.height());
                String text = a.label() + a.confidence().stream()
                        .mapToObj(s -> String.format(Locale.ROOT, " %.2f", s)).findFirst().orElse("");
                int th = g.getFontMetrics().getHeight();
                int tw = g.getFontMetrics().stringWidth(text);
                int ty = (int) Math.max(th, b.ymin());
                g.fillRect((int) b.xmin(), ty - th, tw + 6, th);
                g.setColor(Color.BLACK);
                g.drawString(text, (int) b.xmin() + 3, ty - g.getFontMetrics().getDescent());
            }
            g.dispose();
            String relative = imageRoot.relativize(image.toAbsolutePath().normalize()).toString() + ".png";
            Path target = dir.resolve(relative);
            Files.createDirectories(target.getParent());
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            AtomicFiles.write(target, png.toByteArray());
            if (pages.size() < SHEET_LIMIT) {
                pages.add(relative.replace('\\', '/'));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("preview of " + image + " not drawn: " + e.getMessage());
        }
    }

    /** Writes {@code index.html} listing the previews in name order. */
    void writeIndex() throws IOException {
        List<String> sorted = new ArrayList<>(pages);
        Collections.sort(sorted);
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                + "<title>annotate previews</title><style>body{font-family:sans-serif;background:#222;color:#eee}"
                + "figure{display:inline-block;margin:6px}img{max-width:320px;max-height:240px}"
                + "figcaption{font-size:12px}</style></head><body>\n<h1>" + sorted.size() + " pre-annotated images"
                + "</h1>\n");
        for (String p : sorted) {
            String e = escape(p);
            html.append("<figure><a href=\"").append(e).append("\"><img src=\"").append(e).append("\" loading=\"lazy\">"
                    + "</a><figcaption>").append(e).append("</figcaption></figure>\n");
        }
        html.append("</body></html>\n");
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve("index.html"), html.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
