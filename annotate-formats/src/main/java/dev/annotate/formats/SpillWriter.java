package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.DatasetWriter;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A dataset-file writer that keeps no image in memory: each image is written, as it comes, to a spill file beside
 * the target ({@code .name.<random>.tmp}); {@link #close()} writes the document atomically from it (what only the end
 * knows, such as the labels used, first if need be) and deletes it; {@link #discard()} deletes it and leaves the
 * target as it was. Thread-safe: images may come from several threads.
 */
abstract class SpillWriter implements DatasetWriter {

    /** The dataset file, absolute. */
    final Path file;
    private final String kind;
    private final Path spill;
    private final OutputStream spillOut;
    private boolean closed;

    /**
     * @param file the dataset file (absolute; its folder exists)
     * @param kind the format in messages, for example {@code COCO}
     */
    SpillWriter(Path file, String kind) throws IOException {
        this.file = file;
        this.kind = kind;
        this.spill = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".tmp");
        this.spillOut = new BufferedOutputStream(Files.newOutputStream(spill), 1 << 16);
    }

    @Override
    public final synchronized void write(String relativeImagePath, AnnotatedImage image) throws IOException {
        if (closed) {
            throw new IllegalStateException("the " + kind + " writer for " + file + " is closed");
        }
        spill(DatasetFiles.relativeImagePath(file, relativeImagePath), image.fitted(), spillOut);
    }

    /**
     * Writes one image's record to the spill file.
     *
     * @param relativeImagePath the image's path relative to the file's folder, checked and with {@code /}
     * @param image the image, fitted to its size
     * @param spill where its record goes; not to be closed
     */
    abstract void spill(String relativeImagePath, AnnotatedImage image, OutputStream spill) throws IOException;

    /**
     * Writes the whole document from the spill file.
     *
     * @param spill the spill file, complete and closed
     * @param out the document's content; not to be closed
     */
    abstract void writeDocument(Path spill, OutputStream out) throws IOException;

    @Override
    public final synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            spillOut.close();
            AtomicFiles.write(file, out -> writeDocument(spill, out));
        } finally {
            Files.deleteIfExists(spill);
        }
    }

    @Override
    public final synchronized void discard() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            spillOut.close();
        } finally {
            Files.deleteIfExists(spill);
        }
    }
}
