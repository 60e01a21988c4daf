package dev.annotate.tfrecord;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes a TFRecord file: per record {@code uint64 length}, {@code uint32 masked_crc32c(length)},
 * {@code data}, {@code uint32 masked_crc32c(data)}, little-endian, optionally compressed as a whole.
 *
 * <p>A file is written to a temporary sibling and appears under its name only on {@link #commit()}; closing
 * without committing (an exception, a crash) leaves no file behind, so a reader never meets a half-written
 * record file. Memory use is one record plus buffers. Not thread-safe.
 *
 * <pre>{@code
 * try (TfRecordWriter out = TfRecordWriter.create(Path.of("train.record"), Compression.NONE)) {
 *     for (byte[] example : examples) {
 *         out.write(example);
 *     }
 *     out.commit();
 * }
 * }</pre>
 */
public final class TfRecordWriter implements Closeable {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Bytes handed to the file between two early write-backs. */
    private static final long FLUSH_EVERY = 32L << 20;

    /** The protobuf encoder's buffer for small fields; large ones (the image) go to the file directly. */
    private static final int STREAM_BUFFER = 8192;

    /**
     * Starts write-back of what is already in the page cache while records keep coming, so that commit's final
     * force does not stall on the whole file at once. One daemon thread for every writer in the JVM.
     */
    private static final java.util.concurrent.ExecutorService FLUSHER =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "tfrecord-writeback");
                t.setDaemon(true);
                return t;
            });

    private final Path target;
    private final Path temporary;
    private final FileChannel channel;
    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    private final ChecksummedStream checksummed = new ChecksummedStream();
    private long records;
    private boolean done;
    private long sinceFlush;
    private java.util.concurrent.Future<?> flushing;
    /** A failure of an early write-back, reported by commit. */
    private volatile IOException flushFailure;

    private TfRecordWriter(Path target, Path temporary, FileChannel channel, OutputStream out) {
        this.target = target;
        this.temporary = temporary;
        this.channel = channel;
        this.out = out;
    }

    /**
     * Starts a record file that will replace {@code file} on {@link #commit()}.
     *
     * @param compression how to compress the whole file
     */
    public static TfRecordWriter create(Path file, Compression compression) throws IOException {
        Objects.requireNonNull(compression, "compression");
        Path absolute = file.toAbsolutePath();
        Path tmp = absolute.resolveSibling("." + absolute.getFileName() + "."
                + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        try {
            OutputStream out = compression.wrap(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
            return new TfRecordWriter(absolute, tmp, channel, out);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
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
     * Appends one record holding {@code message} serialised, streamed into the file without first building the
     * record in memory: for records that carry an encoded image, this saves allocating and copying each one.
     */
    public void write(MessageLite message) throws IOException {
        Objects.requireNonNull(message, "message");
        writeRecord(message.getSerializedSize(), body -> {
            CodedOutputStream coded = CodedOutputStream.newInstance(body, STREAM_BUFFER);
            message.writeTo(coded);
            coded.flush();
        });
    }

    /** Writes a record's body to the stream it is given, which checksums what passes. */
    @FunctionalInterface
    private interface Body {
        void writeTo(OutputStream body) throws IOException;
    }

    private void writeRecord(long length, Body body) throws IOException {
        if (done) {
            throw new IllegalStateException("TFRecord writer for " + target + " is already committed or closed");
        }
        header.clear();
        header.putLong(length);
        header.putInt(Crc32c.masked(header.array(), 0, 8));
        out.write(header.array(), 0, 12);
        checksummed.reset(out);
        body.writeTo(checksummed);
        if (checksummed.count != length) {
            throw new IllegalStateException("record for " + target + " announced " + length + " bytes and wrote "
                    + checksummed.count);
        }
        footer.clear();
        footer.putInt(Crc32c.mask(checksummed.crc.getValue()));
        out.write(footer.array(), 0, 4);
        records++;
        sinceFlush += length + 16L;
        if (sinceFlush >= FLUSH_EVERY && (flushing == null || flushing.isDone())) {
            sinceFlush = 0;
            flushing = FLUSHER.submit(() -> {
                try {
                    channel.force(false);
                } catch (java.nio.channels.ClosedChannelException closed) {
                    // the writer was discarded meanwhile
                } catch (IOException e) {
                    flushFailure = e;
                }
            });
        }
    }

    /** Passes bytes on to the file stream, counting them and updating the record's CRC32C. */
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

    /** Records written so far. */
    public long records() {
        return records;
    }

    /** The file this writer produces. */
    public Path file() {
        return target;
    }

    /** Finishes the stream, forces it to disk and moves it into place atomically. */
    public void commit() throws IOException {
        if (done) {
            throw new IllegalStateException("TFRecord writer for " + target + " is already committed or closed");
        }
        done = true;
        try {
            if (out instanceof java.util.zip.DeflaterOutputStream compressed) {
                compressed.finish(); // GZIP trailer or zlib checksum
            }
            out.flush();
            awaitWriteBack();
            channel.force(true);
            out.close();
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temporary);
            throw e;
        }
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
    }

    private void awaitWriteBack() throws IOException {
        if (flushing != null) {
            try {
                flushing.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing " + target);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("write-back of " + target + " failed", e.getCause());
            }
        }
        if (flushFailure != null) {
            throw new IOException("write-back of " + target + " failed", flushFailure);
        }
    }

    /** Discards the file unless it was committed. */
    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // the file is being discarded anyway
        } finally {
            channel.close();
            Files.deleteIfExists(temporary);
        }
    }
}
