package dev.annotate.core.spi;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorException;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for tests of the SPI: a {@code .fixture} "model" is a text file of lines
 * {@code label score xmin ymin xmax ymax}, with corners as fractions of the image size, which it "predicts" for
 * every image. Registered in this module's test resources.
 *
 * <p>A fixture whose only line is {@code !bug} or {@code !runtime-failure} fails to open the way a bug (a
 * {@link NullPointerException}) or a broken native runtime (a {@link DetectorException}) would, for tests of how
 * programs report those.
 */
public final class FixtureDetectorProvider implements DetectorProvider {

    /** How many fixture detectors have released their model, for lifecycle tests. */
    public static final AtomicInteger RELEASED = new AtomicInteger();

    @Override
    public String name() {
        return "fixture";
    }

    @Override
    public String accepts() {
        return "*.fixture files";
    }

    @Override
    public boolean supports(Path model) {
        return model.getFileName().toString().endsWith(".fixture") && Files.isRegularFile(model);
    }

    @Override
    public Detector open(Path model, DetectorOptions options) throws IOException {
        List<String> lines = Files.readAllLines(model, StandardCharsets.UTF_8);
        if (lines.equals(List.of("!bug"))) {
            throw new NullPointerException("a simulated bug in the fixture backend");
        }
        if (lines.equals(List.of("!runtime-failure"))) {
            throw new DetectorException("a simulated native runtime failure of " + model);
        }
        List<double[]> boxes = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length != 6) {
                throw new FormatException(model, "line " + (i + 1), "expected 6 fields, found " + f.length);
            }
            labels.add(f[0]);
            double[] v = new double[5];
            for (int k = 0; k < 5; k++) {
                v[k] = Double.parseDouble(f[k + 1]);
            }
            boxes.add(v);
        }
        Set<String> names = new LinkedHashSet<>(labels);
        LabelMap labelMap = options.labelMap().orElse(LabelMap.fromNames(List.copyOf(names)));
        return new AbstractDetector("fixture model " + model, labelMap, options) {
            @Override
            protected List<Annotation> infer(BufferedImage image) {
                int w = image.getWidth();
                int h = image.getHeight();
                List<Annotation> out = new ArrayList<>();
                for (int i = 0; i < boxes.size(); i++) {
                    double[] v = boxes.get(i);
                    out.add(Annotation.predicted(labels.get(i), BoundingBox.of(v[1] * w, v[2] * h, v[3] * w, v[4] * h),
                            v[0]));
                }
                return out;
            }

            @Override
            protected void release() {
                RELEASED.incrementAndGet();
            }
        };
    }
}
