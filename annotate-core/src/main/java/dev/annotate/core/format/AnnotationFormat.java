package dev.annotate.core.format;

import dev.annotate.core.LabelMap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A way of storing annotations on disk, found by {@linkplain #name() name} through {@link AnnotationFormats}.
 *
 * <p>Two shapes fit this interface. A <em>per-image</em> format (PASCAL VOC, YOLO) keeps one annotation file
 * per image and implements {@link PerImageFormat}, which lets the pre-annotation pipeline check and write
 * one image at a time. A <em>per-dataset</em> format (COCO JSON) keeps one file for many images and implements
 * only this interface: it reads the whole dataset and writes it on {@link DatasetWriter#close()}.
 *
 * <p>Register an implementation in {@code META-INF/services/dev.annotate.core.format.AnnotationFormat}; it
 * needs a public no-argument constructor and must be thread-safe.
 *
 * <pre>{@code
 * AnnotationFormat voc = AnnotationFormats.byName("voc");
 * voc.read(Path.of("dataset"), LabelMap.empty(), result -> result.image().ifPresent(images::add));
 * }</pre>
 */
public interface AnnotationFormat {

    /** Lower-case name used on the command line, for example {@code voc}. */
    String name();

    /** One line for people, for example {@code "PASCAL VOC XML, one file per image (LabelImg)"}. */
    String description();

    /**
     * Reads every image of a dataset, handing each result to {@code results} as it is read so memory stays
     * bounded. An unusable file becomes a {@link ReadResult} with problems, never an exception that stops the
     * walk.
     *
     * @param dataset the dataset's root directory (or its file, for per-dataset formats)
     * @param labels class names for formats that store ids; {@link LabelMap#empty()} when the format names
     *     its classes itself
     * @throws IOException only if the dataset itself cannot be listed or opened
     */
    void read(Path dataset, LabelMap labels, Consumer<ReadResult> results) throws IOException;

    /**
     * The one file a dataset-level format keeps at {@code dataset}: the path itself when it names such a file, else
     * the format's default file in that folder (COCO's {@code annotations.json}). Image paths inside it are relative
     * to its folder. The default takes the path as the file; per-image formats have no such file and are never
     * asked.
     */
    default Path datasetFile(Path dataset) {
        return dataset;
    }

    /**
     * Loads what reading and writing this format need (an XML binding, say), so that a caller can have it done
     * beside other start-up work, such as loading a model, instead of before the first file. Safe to call from any
     * thread, any number of times; does nothing by default.
     */
    default void prepare() {
    }

    /**
     * Opens a writer for a dataset.
     *
     * @param dataset the root directory (or file) to write
     * @param labels class names and ids, for formats that store ids
     */
    DatasetWriter openWriter(Path dataset, LabelMap labels) throws IOException;
}
