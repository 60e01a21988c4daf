package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A detection dataset in any installed {@link AnnotationFormat}: annotation files (or one dataset-level file) with
 * the images they describe and a label map. One or more parts, for example the seed set in VOC and a corrected
 * batch in COCO, read one after the other as one dataset.
 *
 * <p>{@link #read(Consumer)} streams what the formats read, in each part's order, with bounded memory;
 * {@link #forEach(Consumer)} also {@linkplain #locate(ReadResult, AnnotationFormat) locates} each image on disk
 * and checks its size against the annotations, once, the way training, TFRecord export and evaluation need it.
 * Problems come per file, naming it; nothing here throws for a bad file.
 *
 * <pre>{@code
 * Dataset data = Dataset.of(Path.of("seed"), AnnotationFormats.byName("voc"), LabelMap.empty())
 *         .and(Path.of("batch-1/instances.json"), AnnotationFormats.byName("coco"));
 * data.forEach(entry -> {
 *     entry.problems().forEach(System.err::println);
 *     if (entry.usable() && entry.annotated().orElseThrow().checked()) {
 *         train(entry.imageFile().orElseThrow(), entry.annotated().orElseThrow());
 *     }
 * });
 * }</pre>
 *
 * <p>Immutable and thread-safe; reading happens on the calling thread.
 */
public final class Dataset {

    /**
     * One part of a dataset.
     *
     * @param location a folder for per-image formats; the file (or its folder) for dataset-level ones
     * @param format the format it is stored in
     */
    public record Part(Path location, AnnotationFormat format) {
        /** Validates. */
        public Part {
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(format, "format");
        }

        /** {@link Dataset#locate(ReadResult, AnnotationFormat)} for a result read from this part. */
        public Entry locate(ReadResult read) {
            return Dataset.locate(read, format);
        }

        /**
         * The key of an image read from this part: its path relative to the part, with {@code /} separators
         * ({@code sub/a.jpg}). For a per-image format, the annotation file's folder under the part plus the image's
         * file name; for a dataset-level format, the recorded path relative to the {@linkplain
         * AnnotationFormat#datasetFile(Path) file}'s folder, or the file name when the path lies elsewhere (a URL).
         * So the same tree annotated in VOC and in COCO gives the same keys.
         *
         * @throws java.util.NoSuchElementException if the result has no image
         */
        public String key(ReadResult read) {
            AnnotatedImage image = read.image().orElseThrow();
            Path root = location.toAbsolutePath().normalize();
            if (format instanceof PerImageFormat) {
                Path dir = read.source().toAbsolutePath().normalize().getParent();
                String relative = dir.startsWith(root) ? slashes(root.relativize(dir)) : "";
                return relative.isEmpty() ? image.fileName() : relative + "/" + image.fileName();
            }
            Path folder = format.datasetFile(root).getParent();
            if (image.path().isPresent() && folder != null) {
                try {
                    Path p = folder.resolve(image.path().get()).normalize();
                    if (p.startsWith(folder)) {
                        return slashes(folder.relativize(p));
                    }
                } catch (java.nio.file.InvalidPathException e) {
                    // not a path on this system: the file name stands for it
                }
            }
            return image.fileName();
        }

        private static String slashes(Path relative) {
            return relative.toString().replace('\\', '/');
        }
    }

    /**
     * One image of a dataset, as read and located.
     *
     * @param source the annotation file it was read from
     * @param annotated what the annotation file says, empty when it was unusable
     * @param imageFile the image on disk, empty when it was not found or its size disagrees
     * @param header the image's header, with {@code imageFile}
     * @param problems everything wrong, in order: reading first, then locating
     */
    public record Entry(Path source, Optional<AnnotatedImage> annotated, Optional<Path> imageFile,
                        Optional<ImageHeader> header, List<Problem> problems) {
        /** Validates and copies. */
        public Entry {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(annotated, "annotated");
            Objects.requireNonNull(imageFile, "imageFile");
            Objects.requireNonNull(header, "header");
            problems = List.copyOf(problems);
            if (imageFile.isPresent() != header.isPresent() || imageFile.isPresent() && annotated.isEmpty()) {
                throw new IllegalArgumentException(source + ": an image file comes with its header and annotations");
            }
        }

        /** Whether the annotations and their image are both here and agree: what training and export can use. */
        public boolean usable() {
            return imageFile.isPresent();
        }
    }

    private final List<Part> parts;
    private final LabelMap labels;

    private Dataset(List<Part> parts, LabelMap labels) {
        this.parts = List.copyOf(parts);
        this.labels = Objects.requireNonNull(labels, "labels");
    }

    /**
     * A dataset of one part.
     *
     * @param labels class names for formats that store ids (YOLO without {@code classes.txt}, COCO ids),
     *     {@link LabelMap#empty()} when the files name their classes
     */
    public static Dataset of(Path location, AnnotationFormat format, LabelMap labels) {
        return new Dataset(List.of(new Part(location, format)), labels);
    }

    /**
     * A dataset of these parts, read in this order.
     *
     * @throws IllegalArgumentException if there is no part
     */
    public static Dataset of(List<Part> parts, LabelMap labels) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one part");
        }
        return new Dataset(parts, labels);
    }

    /** This dataset with one more part, read after the others. */
    public Dataset and(Path location, AnnotationFormat format) {
        List<Part> more = new ArrayList<>(parts);
        more.add(new Part(location, format));
        return new Dataset(more, labels);
    }

    /** The parts, in reading order. */
    public List<Part> parts() {
        return parts;
    }

    /** The label map given for formats that store ids. */
    public LabelMap labels() {
        return labels;
    }

    /**
     * Reads every annotation file of every part, in order, without looking at images.
     *
     * @throws IOException only if a part itself cannot be listed or opened, naming it
     */
    public void read(Consumer<ReadResult> results) throws IOException {
        read((part, r) -> results.accept(r));
    }

    /**
     * As {@link #read(Consumer)}, with the part each result comes from, for readers that
     * {@linkplain Part#locate locate} images elsewhere (on worker threads, say).
     */
    public void read(BiConsumer<Part, ReadResult> results) throws IOException {
        for (Part part : parts) {
            if (!Files.exists(part.location())) {
                throw new NoSuchFileException(part.location().toString(), null,
                        "no " + part.format().name() + " dataset here");
            }
            part.format().read(part.location(), labels, r -> results.accept(part, r));
        }
    }

    /** Reads every annotation file and {@linkplain #locate locates} its image, in order. */
    public void forEach(Consumer<Entry> entries) throws IOException {
        read((part, r) -> entries.accept(part.locate(r)));
    }

    /**
     * How many annotation files {@link #read} will give, counted without reading them, when every part is in a
     * per-image format (a folder listing); empty when a dataset-level file would have to be read to know.
     *
     * @throws IOException if a folder cannot be listed
     */
    public OptionalLong countFiles() throws IOException {
        long n = 0;
        for (Part part : parts) {
            if (!(part.format() instanceof PerImageFormat perImage) || !Files.isDirectory(part.location())) {
                return OptionalLong.empty();
            }
            n += perImage.annotationFiles(part.location()).size();
        }
        return OptionalLong.of(n);
    }

    /**
     * Finds the image an annotation file describes and checks that the annotations' size is the image's size as
     * displayed (EXIF orientation applied). Where it looks, first found wins:
     * <ol>
     *   <li>for per-image formats, {@link AnnotatedImage#fileName()} beside the annotation file (the recorded path
     *       is often another machine's), then the recorded {@link AnnotatedImage#path()}, then
     *       {@code ../JPEGImages/<fileName>} (the VOC devkit layout);</li>
     *   <li>for dataset-level formats, the recorded path (relative to the dataset file's folder when relative),
     *       then the file name beside the dataset file.</li>
     * </ol>
     * Does file I/O; safe to call on any thread, for example on workers while another thread reads.
     */
    public static Entry locate(ReadResult read, AnnotationFormat format) {
        if (read.image().isEmpty()) {
            return new Entry(read.source(), Optional.empty(), Optional.empty(), Optional.empty(), read.problems());
        }
        AnnotatedImage image = read.image().get();
        List<Problem> problems = new ArrayList<>(read.problems());
        List<Path> tried = new ArrayList<>();
        Path dir = read.source().toAbsolutePath().getParent();
        Optional<String> recorded = image.path().filter(p -> !p.isBlank());
        if (format instanceof PerImageFormat) {
            candidate(tried, () -> dir.resolve(image.fileName()));
            recorded.ifPresent(p -> candidate(tried, () -> dir.resolve(p)));
            if (dir.getParent() != null) {
                candidate(tried, () -> dir.getParent().resolve("JPEGImages").resolve(image.fileName()));
            }
        } else {
            recorded.ifPresent(p -> candidate(tried, () -> dir.resolve(p)));
            candidate(tried, () -> dir.resolve(image.fileName()));
        }
        Path found = tried.stream().filter(Files::isRegularFile).findFirst().orElse(null);
        if (found == null) {
            problems.add(new Problem(read.source(), "", "image not found; tried " + tried));
            return new Entry(read.source(), read.image(), Optional.empty(), Optional.empty(), problems);
        }
        ImageHeader header;
        try {
            header = Images.probe(found);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            problems.add(new Problem(read.source(), "", "its image cannot be read: "
                    + (why.startsWith(found.toString()) ? why : found + ": " + why)));
            return new Entry(read.source(), read.image(), Optional.empty(), Optional.empty(), problems);
        }
        Optional<String> mismatch = sizeMismatch(image, header, found);
        if (mismatch.isPresent()) {
            problems.add(new Problem(read.source(), "", mismatch.get()));
            return new Entry(read.source(), read.image(), Optional.empty(), Optional.empty(), problems);
        }
        return new Entry(read.source(), read.image(), Optional.of(found), Optional.of(header), problems);
    }

    /**
     * Whether annotations made for {@code image}'s size disagree with the image file as displayed, and if so why,
     * with a hint when they match the stored (un-turned) pixels of an EXIF-oriented image.
     *
     * @param image what the annotation file says
     * @param header the image file's header
     * @param imageFile the image file, named in the message
     */
    public static Optional<String> sizeMismatch(AnnotatedImage image, ImageHeader header, Path imageFile) {
        if (header.width() == image.width() && header.height() == image.height()) {
            return Optional.empty();
        }
        String hint = header.orientation() != ExifOrientation.NORMAL
                && header.storedWidth() == image.width() && header.storedHeight() == image.height()
                ? " (the annotation matches the stored pixels: it was made by a tool that ignores the EXIF"
                + " orientation " + header.orientation().tag() + "; re-check it in LabelImg 1.8.4 or later)"
                : "";
        return Optional.of("annotated size is " + image.width() + "x" + image.height() + " but "
                + imageFile.getFileName() + " is displayed as " + header.width() + "x" + header.height() + hint);
    }

    private static void candidate(List<Path> tried, java.util.function.Supplier<Path> path) {
        try {
            Path p = path.get().normalize();
            if (!tried.contains(p)) {
                tried.add(p);
            }
        } catch (InvalidPathException e) {
            // a Windows path on Linux and the like: not a candidate here
        }
    }
}
