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
        return decode(lines, annotationFile, names, image.get(), header.width(), header.height());
    }

    /**
     * Reads a YOLO file's bytes (UTF-8) leniently, as {@link #readFile} reads the file, when its folder's class
     * names and its image's size are known otherwise (a file on another file system, say).
     *
     * @param content the file's bytes
     * @param source the file they came from, named in problems
     * @param classes the names its folder's {@value #CLASSES} lists (see {@link #classes})
     * @param image the image the file is for (its name and path are the result's)
     * @param width the image's displayed width
     * @param height the image's displayed height
     * @return the image with every problem found; never throws for malformed content
     */
    public static ReadResult decode(byte[] content, Path source, List<String> classes, Path image, int width,
                                    int height) {
        Optional<String> text = TextFiles.decodeUtf8(content);
        if (text.isEmpty()) {
            return ReadResult.failed(new Problem(source, "", "not UTF-8 text"));
        }
        return decode(text.get().lines().toList(), source, classes, image, width, height);
    }

    private static ReadResult decode(List<String> lines, Path annotationFile, List<String> names, Path image, int w,
                                     int h) {
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
        AnnotatedImage result = new AnnotatedImage(image.getFileName().toString(),
                Optional.of(image.toAbsolutePath().toString()), w, h, 3, boxes, false, Map.of());
        return new ReadResult(annotationFile, Optional.of(result), problems);
    }

    @Override
    public void writeFile(AnnotatedImage image, Path annotationFile, LabelMap labels) throws IOException {
        Path classesFile = annotationFile.toAbsolutePath().resolveSibling(CLASSES);
        List<String> names;
        synchronized (STRIPES[Math.floorMod(classesFile.hashCode(), STRIPES.length)]) {
            names = new ArrayList<>(classes(classesFile, labels));
            int known = names.size();
            for (Annotation a : image.fitted().annotations()) {
                if (!names.contains(a.label())) {
                    names.add(a.label());
                }
            }
            if (names.size() != known || !Files.exists(classesFile)) {
                AtomicFiles.write(classesFile, classesBytes(names));
            }
        }
        AtomicFiles.write(annotationFile, encode(image, names));
    }

    /**
     * The bytes of a YOLO file for an image whose folder's {@value #CLASSES} lists {@code classes}: one line per box
     * ({@link Annotation#fittedTo fitted} to the image), {@code class cx cy w h}, six decimals.
     *
     * @throws IllegalArgumentException naming a label {@code classes} lacks
     */
    public static byte[] encode(AnnotatedImage image, List<String> classes) {
        StringBuilder sb = new StringBuilder();
        for (Annotation a : image.fitted().annotations()) {
            int clazz = classes.indexOf(a.label());
            if (clazz < 0) {
                throw new IllegalArgumentException("label '" + a.label() + "' of " + image.fileName() + " is not in "
                        + CLASSES + " " + classes);
            }
            YoloBox y = a.box().toYoloCentre(image.width(), image.height());
            sb.append(String.format(Locale.ROOT, "%d %.6f %.6f %.6f %.6f%n", clazz, y.centreX(), y.centreY(),
                    y.width(), y.height()));
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The class names a folder's {@value #CLASSES} should list for a run whose detections carry {@code labels}'
     * names: the file's names as they are ({@code existing}; an annotation file's class numbers must keep their
     * meaning), then the label map's names it lacks, in id order; without a file, the label map's names in id order
     * (class k is id k + 1), as {@link #writeFile} starts one.
     */
    public static List<String> classes(Optional<List<String>> existing, LabelMap labels) {
        List<String> names = new ArrayList<>(existing.orElse(List.of()));
        for (String name : byId(labels)) {
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /** The class names {@value #CLASSES} text lists, one a line, blank lines skipped. */
    public static List<String> parseClasses(String text) {
        return text.lines().map(String::strip).filter(n -> !n.isEmpty()).toList();
    }

    /** {@value #CLASSES} for these class names: one a line, each line ended. */
    public static byte[] classesBytes(List<String> classes) {
        return (String.join("\n", classes) + (classes.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8);
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
            return parseClasses(TextFiles.readUtf8(classesFile, MAX_BYTES));
        }
        return byId(labels);
    }

    /** The label map's names in id order, class k being id k + 1. */
    private static List<String> byId(LabelMap labels) {
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
