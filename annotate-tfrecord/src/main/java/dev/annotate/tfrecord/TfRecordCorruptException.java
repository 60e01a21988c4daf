package dev.annotate.tfrecord;

import dev.annotate.core.FormatException;

import java.nio.file.Path;

/** A damaged TFRecord file: a truncated record or a CRC mismatch, at a byte offset of the (decompressed) stream. */
public class TfRecordCorruptException extends FormatException {

    private static final long serialVersionUID = 1L;

    private final long offset;

    /**
     * @param file the record file
     * @param offset where the damaged record starts, in bytes of the decompressed record stream
     * @param problem what is wrong
     */
    public TfRecordCorruptException(Path file, long offset, String problem) {
        this(file, offset, problem, null);
    }

    /** As {@link #TfRecordCorruptException(Path, long, String)}, with the underlying cause. */
    public TfRecordCorruptException(Path file, long offset, String problem, Throwable cause) {
        super(file, "byte offset " + offset, problem, cause);
        this.offset = offset;
    }

    /** Where the damaged record starts. */
    public long offset() {
        return offset;
    }
}
