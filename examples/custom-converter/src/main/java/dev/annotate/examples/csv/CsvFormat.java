package dev.annotate.examples.csv;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one-CSV-per-dataset layout of many TF Object Detection API tutorials ({@code xml_to_csv.py}):
 * {@code filename,width,height,class,xmin,ymin,xmax,ymax}, one row per box, in a file {@code annotations.csv}.
 * A dataset-level format: it reads the whole file and writes it on close. Registered as {@code csv}.
 */
public final class CsvFormat implements AnnotationFormat {

    static final String FILE = "annotations.csv";
    static final String HEADER = "filename,width,height,class,xmin,ymin,xmax,ymax";

    @Override
    public String name() {
        return "csv";
    }

    @Override
    public String description() {
        return "one annotations.csv per dataset, as TF OD API tutorials write it (example)";
    }

    @Override
    public void read(Path dataset, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        Path file = Files.isDirectory(dataset) ? dataset.resolve(FILE) : dataset;
        Map<String, List<Annotation>> boxes = new LinkedHashMap<>();
        Map<String, int[]> sizes = new LinkedHashMap<>();
        List<Problem> problems = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            int number = 1;
            while ((line = in.readLine()) != null) {
                number++;
                String[] f = line.split(",");
                try {
                    int w = Integer.parseInt(f[1]);
                    int h = Integer.parseInt(f[2]);
                    sizes.putIfAbsent(f[0], new int[] {w, h});
                    boxes.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Annotation.of(f[3], BoundingBox.of(
                            Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                            Double.parseDouble(f[7]))));
                } catch (RuntimeException e) {
                    problems.add(new Problem(file, "line " + number, "skipped: " + e.getMessage()));
                }
            }
        }
        for (Map.Entry<String, List<Annotation>> e : boxes.entrySet()) {
            int[] s = sizes.get(e.getKey());
            results.accept(new ReadResult(file.resolveSibling(e.getKey()),
                    Optional.of(AnnotatedImage.of(e.getKey(), s[0], s[1], 3, e.getValue())), List.of()));
        }
        problems.forEach(p -> results.accept(ReadResult.failed(p)));
    }

    @Override
    public DatasetWriter openWriter(Path dataset, LabelMap labels) throws IOException {
        Files.createDirectories(dataset);
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        return new DatasetWriter() {
            @Override
            public void write(String relativeImagePath, AnnotatedImage image) {
                for (Annotation a : image.annotations()) {
                    BoundingBox b = a.box();
                    csv.append(relativeImagePath).append(',').append(image.width()).append(',')
                            .append(image.height()).append(',').append(a.label()).append(',')
                            .append(Math.round(b.xmin())).append(',').append(Math.round(b.ymin())).append(',')
                            .append(Math.round(b.xmax())).append(',').append(Math.round(b.ymax())).append('\n');
                }
            }

            @Override
            public void close() throws IOException {
                AtomicFiles.write(dataset.resolve(FILE), csv.toString().getBytes(StandardCharsets.UTF_8));
            }
        };
    }
}
