package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.LabelMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
     * The bytes {@link #writeFile} writes for this image, for writers that store files elsewhere than this
     * machine's file system (the Spark jobs write through Hadoop's FileSystem API). A format whose file depends on
     * more than the image, such as YOLO's (class ids from the {@code classes.txt} beside it), cannot offer this;
     * the default throws.
     *
     * @param labels class names and ids, for formats that store ids
     * @throws UnsupportedOperationException if the format cannot encode one file on its own
     */
    default byte[] toBytes(AnnotatedImage image, LabelMap labels) {
        throw new UnsupportedOperationException("the " + name() + " format cannot encode an annotation file on its"
                + " own; write it with writeFile");
    }

    /**
     * Reads one annotation file's bytes leniently, as {@link #readFile} reads the file; for readers of other file
     * systems, like {@link #toBytes}. The default throws.
     *
     * @param content the file's bytes
     * @param source the file they came from, named in problems
     * @param labels class names for formats that store ids, else {@link LabelMap#empty()}
     * @return the image with every problem found; never throws for malformed content
     * @throws UnsupportedOperationException if the format cannot read a file from its bytes alone
     */
    default ReadResult parse(byte[] content, Path source, LabelMap labels) {
        throw new UnsupportedOperationException("the " + name() + " format cannot read an annotation file from its"
                + " bytes alone; read it with readFile");
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
