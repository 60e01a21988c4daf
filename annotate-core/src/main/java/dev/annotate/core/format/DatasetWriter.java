package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes annotated images into one dataset. Per-image formats write each file as it comes (atomically);
 * per-dataset formats collect and write their file atomically on {@link #close()}. A run that fails part way calls
 * {@link #discard()} instead, so it never leaves a partial dataset file:
 *
 * <pre>{@code
 * DatasetWriter writer = format.openWriter(out, labels);
 * try {
 *     for (...) writer.write(path, image);
 * } catch (IOException | RuntimeException e) {
 *     writer.discard();
 *     throw e;
 * }
 * writer.close();
 * }</pre>
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

    /** Finishes the dataset: a dataset-level file appears, complete, now. */
    @Override
    void close() throws IOException;

    /**
     * Gives up: what a dataset-level writer collected is deleted and its file left as it was; files a per-image
     * format already wrote stay (each is whole). Closes the writer; {@link #close()} after it does nothing. The
     * default closes, for per-image writers, which have nothing to take back.
     */
    default void discard() throws IOException {
        close();
    }
}
