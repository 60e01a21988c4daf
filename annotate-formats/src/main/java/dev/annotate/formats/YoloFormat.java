package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.YoloBox;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.format.TextFiles;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * YOLO labels as LabelImg's YOLO mode writes them: {@code a.txt} beside {@code a.jpg} with one line per box,
 * {@code class cx cy w h} (class 0-based, the rest divided by the image size, six decimals), and the class names
 * in {@code classes.txt} in the same folder, class 0 first. Registered as {@code yolo}.
 *
 * <p>Class names come from {@code classes.txt}; without one, from the label map given (class k is label-map id
 * k + 1). Writing appends classes a file does not know yet to {@code classes.txt}, as LabelImg does. YOLO files
 * carry no image size, so reading takes it from the image beside the file, and no {@code difficult},
 * {@code truncated} or pose.
 */
public final class YoloFormat implements PerImageFormat {

    /** The class-name file. */
    public static final String CLASSES = "classes.txt";

    /** Annotation and class files larger than this are refused unread: 16 MiB, some 300,000 boxes. */
    static final long MAX_BYTES = 16L << 20;

    /**
     * Striped locks over classes.txt paths, so concurrent writers in this JVM never lose an appended class. A
     * fixed set, not one lock per folder ever written: a process that writes into millions of folders over days
     * holds the same 64 objects; two folders sharing a stripe only take turns.
     */
    private static final Object[] STRIPES = new Object[64];

    static {
        Arrays.setAll(STRIPES, i -> new Object());
    }

    @Override
    public String name() {
        return "yolo";
    }

    @Override
    public String description() {
        return "YOLO txt, one file per image, with classes.txt (LabelImg's YOLO mode)";
    }

    @Override
    public String fileExtension() {
        return ".txt";
    }

    /** Every {@code .txt} file but {@value #CLASSES}. */
    @Override
    public boolean isAnnotationFile(Path file) {
        return PerImageFormat.super.isAnnotationFile(file) && !file.getFileName().toString().equals(CLASSES);
    }

    @Override
    public ReadResult readFile(Path annotationFile, LabelMap labels) throws IOException {
        List<String> names;
        List<String> lines;
        try {
            names = classes(annotationFile.resolveSibling(CLASSES), labels);
        } catch (FormatException e) {
            return ReadResult.failed(new Problem(annotationFile, "", "its " + CLASSES + " cannot be used: "
                    + e.position().map(p -> p + ": ").orElse("") + e.problem()));
        }
        try {
            lines = TextFiles.readUtf8(annotationFile, MAX_BYTES).lines().toList();
        } catch (FormatException e) {
            return ReadResult.failed(new Problem(annotationFile, e.position().orElse(""), e.problem()));
        }
        Optional<Path> image = imageFor(annotationFile);
        if (image.isEmpty()) {
            return ReadResult.failed(new Problem(annotationFile, "", "no image beside the file to take the size"
                    + " from (YOLO files store only normalised boxes)"));
        }
        ImageHeader header;
        try {
            header = Images.probe(image.get());
        } catch (IOException e) {
            return ReadResult.failed(new Problem(annotationFile, "", "the image beside it cannot be read: "
                    + e.getMessage()));
        }
        int w = header.width();
        int h = header.height();
        List<Annotation> boxes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            String at = "line " + (i + 1);
            try {
                if (f.length != 5) {
                    throw new IllegalArgumentException("expected 5 fields, found " + f.length);
                }
                int clazz = whole(f[0], "class");
                if (clazz < 0) {
                    throw new IllegalArgumentException("class " + clazz + " is negative");
                }
                String label = clazz < names.size() ? names.get(clazz) : "id " + (clazz + 1);
                if (clazz >= names.size()) {
                    problems.add(new Problem(annotationFile, at, "class " + clazz + " is not in " + CLASSES
                            + " (" + names.size() + " classes); named '" + label + "'"));
                }
                YoloBox y = new YoloBox(number(f[1], "centre x"), number(f[2], "centre y"), number(f[3], "width"),
                        number(f[4], "height"));
                BoundingBox box = BoundingBox.fromYoloCentre(y, w, h);
                if (box.xmin() < 0 || box.ymin() < 0 || box.xmax() > w || box.ymax() > h) {
                    problems.add(new Problem(annotationFile, at, "box " + String.join(" ", f[1], f[2], f[3], f[4])
                            + " extends beyond the image (" + w + "x" + h + "); kept, clamped when written"));
                }
                boxes.add(Annotation.of(label, box));
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(annotationFile, at, "skipped: " + e.getMessage()));
            }
        }
        AnnotatedImage result = new AnnotatedImage(image.get().getFileName().toString(),
                Optional.of(image.get().toAbsolutePath().toString()), w, h, 3, boxes, false, Map.of());
        return new ReadResult(annotationFile, Optional.of(result), problems);
    }

    @Override
    public void writeFile(AnnotatedImage image, Path annotationFile, LabelMap labels) throws IOException {
        Path classesFile = annotationFile.toAbsolutePath().resolveSibling(CLASSES);
        StringBuilder sb = new StringBuilder();
        synchronized (STRIPES[Math.floorMod(classesFile.hashCode(), STRIPES.length)]) {
            List<String> names = new ArrayList<>(classes(classesFile, labels));
            int known = names.size();
            for (Annotation a : image.fitted().annotations()) {
                int clazz = names.indexOf(a.label());
                if (clazz < 0) {
                    names.add(a.label());
                    clazz = names.size() - 1;
                }
                YoloBox y = a.box().toYoloCentre(image.width(), image.height());
                sb.append(String.format(Locale.ROOT, "%d %.6f %.6f %.6f %.6f%n", clazz, y.centreX(), y.centreY(),
                        y.width(), y.height()));
            }
            if (names.size() != known || !Files.exists(classesFile)) {
                AtomicFiles.write(classesFile, (String.join("\n", names) + (names.isEmpty() ? "" : "\n"))
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        AtomicFiles.write(annotationFile, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static int whole(String field, String what) {
        try {
            return Integer.parseInt(field);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + shown(field) + "' is not a whole number from 0 to "
                    + Integer.MAX_VALUE);
        }
    }

    private static double number(String field, String what) {
        try {
            return Double.parseDouble(field);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + shown(field) + "' is not a number");
        }
    }

    /** A field as a person can read it in a message: control characters escaped. */
    private static String shown(String field) {
        StringBuilder out = new StringBuilder();
        field.chars().forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", c) : (char) c));
        return out.toString();
    }

    private static List<String> classes(Path classesFile, LabelMap labels) throws IOException {
        if (Files.isRegularFile(classesFile)) {
            return TextFiles.readUtf8(classesFile, MAX_BYTES).lines().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
        }
        List<String> names = new ArrayList<>();
        for (int id = 1; id <= labels.maxId(); id++) {
            names.add(labels.nameOf(id));
        }
        return names;
    }

    private static Optional<Path> imageFor(Path annotationFile) {
        String base = annotationFile.getFileName().toString();
        base = base.substring(0, base.length() - ".txt".length());
        for (String ext : List.of("jpg", "jpeg", "png", "bmp", "JPG", "JPEG", "PNG", "gif", "tif", "tiff")) {
            Path candidate = annotationFile.resolveSibling(base + "." + ext);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
