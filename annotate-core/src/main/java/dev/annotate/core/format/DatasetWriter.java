package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes annotated images into one dataset. Per-image formats write each file as it comes (atomically);
 * per-dataset formats collect and write their file atomically on {@link #close()}, so a failed run never
 * leaves a partial file.
 */
public interface DatasetWriter extends Closeable {

    /**
     * Adds one image.
     *
     * @param relativeImagePath the image's path relative to the dataset root, with {@code /} separators, for
     *     example {@code "train/0001.jpg"}: per-image formats put the annotation file beside it
     * @param image its annotations
     */
    void write(String relativeImagePath, AnnotatedImage image) throws IOException;

    /** Finishes the dataset. */
    @Override
    void close() throws IOException;
}
