package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A minimal per-image format for tests of the SPI defaults and the pipeline: first line
 * {@code fileName width height [verified] [by=MODEL]} ({@code by=} the machine mark, a model name with no
 * spaces), then one line {@code label xmin ymin xmax ymax} per box. Registered in this module's test resources.
 */
public final class LinesFormat implements PerImageFormat {

    @Override
    public String name() {
        return "lines";
    }

    @Override
    public String description() {
        return "test format: one text line per box";
    }

    @Override
    public String fileExtension() {
        return ".lines";
    }

    @Override
    public ReadResult readFile(Path annotationFile, LabelMap labels) throws IOException {
        List<String> lines = Files.readAllLines(annotationFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return ReadResult.failed(new Problem(annotationFile, "", "empty file"));
        }
        String[] head = lines.get(0).split(" ");
        List<Annotation> boxes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            try {
                boxes.add(Annotation.of(f[0], BoundingBox.of(Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]))));
            } catch (RuntimeException e) {
                problems.add(new Problem(annotationFile, "line " + (i + 1), "skipped: " + e.getMessage()));
            }
        }
        AnnotatedImage image;
        try {
            image = AnnotatedImage.of(head[0], Integer.parseInt(head[1]), Integer.parseInt(head[2]), 3, boxes)
                    .withVerified(List.of(head).contains("verified"));
        } catch (RuntimeException e) { // readFile never throws for malformed content
            return ReadResult.failed(new Problem(annotationFile, "line 1", "not a header: " + e.getMessage()));
        }
        for (String h : head) {
            if (h.startsWith("by=")) {
                image = image.withPredictedBy(Optional.of(h.substring(3)));
            }
        }
        return new ReadResult(annotationFile, Optional.of(image), problems);
    }

    @Override
    public void writeFile(AnnotatedImage image, Path annotationFile, LabelMap labels) throws IOException {
        StringBuilder sb = new StringBuilder(image.fileName() + " " + image.width() + " " + image.height()
                + (image.verified() ? " verified" : "")
                + image.predictedBy().map(m -> " by=" + m.replace(' ', '_')).orElse("") + "\n");
        for (Annotation a : image.annotations()) {
            BoundingBox b = a.box();
            sb.append(a.label()).append(' ').append(b.xmin()).append(' ').append(b.ymin()).append(' ')
                    .append(b.xmax()).append(' ').append(b.ymax()).append('\n');
        }
        AtomicFiles.write(annotationFile, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
