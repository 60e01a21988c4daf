package dev.annotate.tfrecord;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * TFRecord framing onto any stream: per record {@code uint64 length}, {@code uint32 masked_crc32c(length)},
 * {@code data}, {@code uint32 masked_crc32c(data)}, little-endian. It neither buffers, flushes nor closes the
 * stream, and promises nothing about durability: {@link TfRecordWriter} adds that for local files, and the Spark
 * jobs for Hadoop file systems. Not thread-safe.
 *
 * <pre>{@code
 * TfRecordFraming records = new TfRecordFraming(out);
 * records.write(example);   // a tf.Example, streamed without building the record in memory first
 * }</pre>
 */
public final class TfRecordFraming {

    /** The protobuf encoder's buffer for small fields; large ones (the image) go to the stream directly. */
    private static final int STREAM_BUFFER = 8192;

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    private final ChecksummedStream checksummed = new ChecksummedStream();
    private long records;
    private long bytes;

    /** Frames records onto {@code out}. */
    public TfRecordFraming(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Appends one record. */
    public void write(byte[] record) throws IOException {
        write(record, 0, record.length);
    }

    /** Appends one record made of {@code length} bytes of {@code data} from {@code offset}. */
    public void write(byte[] data, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        writeRecord(length, body -> body.write(data, offset, length));
    }

    /**
     * Appends one record holding {@code message} serialised, streamed without first building the record in
     * memory: for records that carry an encoded image, this saves allocating and copying each one.
     */
    public void write(MessageLite message) throws IOException {
        Objects.requireNonNull(message, "message");
        writeRecord(message.getSerializedSize(), body -> {
            CodedOutputStream coded = CodedOutputStream.newInstance(body, STREAM_BUFFER);
            message.writeTo(coded);
            coded.flush();
        });
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    /** Bytes written so far, framing included. */
    public long bytes() {
        return bytes;
    }

    /** Writes a record's body to the stream it is given, which checksums what passes. */
    @FunctionalInterface
    private interface Body {
        void writeTo(OutputStream body) throws IOException;
    }

    private void writeRecord(long length, Body body) throws IOException {
        header.clear();
        header.putLong(length);
        header.putInt(Crc32c.masked(header.array(), 0, 8));
        out.write(header.array(), 0, 12);
        checksummed.reset(out);
        body.writeTo(checksummed);
        if (checksummed.count != length) {
            throw new IllegalStateException("a record announced " + length + " bytes and wrote " + checksummed.count);
        }
        footer.clear();
        footer.putInt(Crc32c.mask(checksummed.crc.getValue()));
        out.write(footer.array(), 0, 4);
        records++;
        bytes += length + 16L;
    }

    /** Passes bytes on to the stream, counting them and updating the record's CRC32C. */
    private static final class ChecksummedStream extends OutputStream {
        private final CRC32C crc = new CRC32C();
        private OutputStream target;
        private long count;

        void reset(OutputStream to) {
            target = to;
            crc.reset();
            count = 0;
        }

        @Override
        public void write(int b) throws IOException {
            crc.update(b);
            count++;
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            crc.update(b, off, len);
            count += len;
            target.write(b, off, len);
        }
    }
}
