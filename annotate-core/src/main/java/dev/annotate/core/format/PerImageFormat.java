package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.LabelMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An {@link AnnotationFormat} with one annotation file per image, named after the image: {@code a.jpg} is
 * annotated by {@code a.xml} (VOC) or {@code a.txt} (YOLO), beside it or in a mirrored tree.
 *
 * <p>Implementations provide the single-file operations; dataset reading and writing come as defaults.
 */
public interface PerImageFormat extends AnnotationFormat {

    /** The annotation file extension including the dot, for example {@code ".xml"}. */
    String fileExtension();

    /** The annotation file name for an image file name: the base name plus {@link #fileExtension()}. */
    default String annotationFileName(String imageFileName) {
        int dot = imageFileName.lastIndexOf('.');
        return (dot > 0 ? imageFileName.substring(0, dot) : imageFileName) + fileExtension();
    }

    /**
     * Reads one annotation file leniently.
     *
     * @param labels class names for formats that store ids, else {@link LabelMap#empty()}
     * @return the image with every problem found; never throws for malformed content
     * @throws IOException only if the file cannot be read at all
     */
    ReadResult readFile(Path annotationFile, LabelMap labels) throws IOException;

    /**
     * Writes one annotation file atomically (temporary sibling, then rename): a reader sees the old file or the
     * new one, never a partial file.
     *
     * @param labels class names and ids, for formats that store ids
     */
    void writeFile(AnnotatedImage image, Path annotationFile, LabelMap labels) throws IOException;

    /**
     * One annotation file to and from its bytes alone, for writers and readers of other file systems than this
     * machine's (the Spark jobs go through Hadoop's FileSystem API) and for the pipeline, which writes the bytes
     * and forces them to disk in batches. Empty for a format whose file depends on more than the image, such as
     * YOLO's (class ids from the {@code classes.txt} beside it): such a format is written with {@link #writeFile}
     * and read with {@link #readFile}. The default is empty.
     */
    default Optional<Codec> codec() {
        return Optional.empty();
    }

    /** A per-image format's file as bytes: see {@link #codec()}. */
    interface Codec {
        /**
         * The bytes {@link #writeFile} writes for this image.
         *
         * @param labels class names and ids, for formats that store ids
         */
        byte[] encode(AnnotatedImage image, LabelMap labels);

        /**
         * Reads one annotation file's bytes leniently, as {@link #readFile} reads the file.
         *
         * @param content the file's bytes
         * @param source the file they came from, named in problems
         * @param labels class names for formats that store ids, else {@link LabelMap#empty()}
         * @return the image with every problem found; never throws for malformed content
         */
        ReadResult decode(byte[] content, Path source, LabelMap labels);
    }

    /**
     * Whether a file in a dataset folder is one of this format's annotation files: by default, one whose name ends
     * with {@link #fileExtension()}. A format with other files of that extension (YOLO's {@code classes.txt})
     * leaves them out here.
     */
    default boolean isAnnotationFile(Path file) {
        return file.getFileName().toString().endsWith(fileExtension());
    }

    /** Every {@linkplain #isAnnotationFile annotation file} under {@code dataset}, in path order. */
    default List<Path> annotationFiles(Path dataset) throws IOException {
        try (Stream<Path> walk = Files.walk(dataset)) {
            return walk.filter(Files::isRegularFile).filter(this::isAnnotationFile).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Reads every {@linkplain #annotationFiles annotation file} under {@code dataset}, in path order. */
    @Override
    default void read(Path dataset, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        for (Path file : annotationFiles(dataset)) {
            ReadResult result;
            try {
                result = readFile(file, labels);
            } catch (IOException e) {
                result = ReadResult.failed(new Problem(file, "", "cannot be read: " + e.getMessage()));
            }
            results.accept(result);
        }
    }

    /** Writes each image's annotation file beside the image's path under {@code dataset}. */
    @Override
    default DatasetWriter openWriter(Path dataset, LabelMap labels) throws IOException {
        Files.createDirectories(dataset);
        return new DatasetWriter() {
            @Override
            public void write(String relativeImagePath, AnnotatedImage image) throws IOException {
                Path imagePath = dataset.resolve(relativeImagePath).normalize();
                if (!imagePath.startsWith(dataset.normalize())) {
                    throw new IllegalArgumentException("relativeImagePath '" + relativeImagePath
                            + "' leaves the dataset directory " + dataset);
                }
                Path target = imagePath.resolveSibling(annotationFileName(imagePath.getFileName().toString()));
                Files.createDirectories(target.getParent());
                writeFile(image, target, labels);
            }

            @Override
            public void close() {
                // every file is complete as soon as write returns
            }
        };
    }
}
