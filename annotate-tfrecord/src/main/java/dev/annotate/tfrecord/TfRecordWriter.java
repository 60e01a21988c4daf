package dev.annotate.tfrecord;

import com.google.protobuf.MessageLite;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Writes a TFRecord file ({@link TfRecordFraming}), optionally compressed as a whole.
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

    private final Path target;
    private final Path temporary;
    private final FileChannel channel;
    private final OutputStream out;
    private final TfRecordFraming framing;
    private boolean done;
    /** {@link TfRecordFraming#bytes()} when the last early write-back started. */
    private long flushedAt;
    /**
     * Starts write-back of what is already in the page cache while records keep coming, so that commit's final
     * force does not stall on the whole file at once. This writer's own daemon thread, started with its first
     * early write-back (files under {@link #FLUSH_EVERY} never start one) and ended by commit or close: nothing
     * is shared between writers or outlives one, so a slow disk under one file never delays another's commit and
     * a long-running process holds no thread for writers it is done with.
     */
    private java.util.concurrent.ExecutorService flusher;
    private java.util.concurrent.Future<?> flushing;
    /** A failure of an early write-back, reported by commit. */
    private volatile IOException flushFailure;

    private TfRecordWriter(Path target, Path temporary, FileChannel channel, OutputStream out) {
        this.target = target;
        this.temporary = temporary;
        this.channel = channel;
        this.out = out;
        this.framing = new TfRecordFraming(out);
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
        ensureOpen();
        framing.write(data, offset, length);
        writeBackEarly();
    }

    /**
     * Appends one record holding {@code message} serialised, streamed into the file without first building the
     * record in memory: for records that carry an encoded image, this saves allocating and copying each one.
     */
    public void write(MessageLite message) throws IOException {
        ensureOpen();
        framing.write(message);
        writeBackEarly();
    }

    private void ensureOpen() {
        if (done) {
            throw new IllegalStateException("TFRecord writer for " + target + " is already committed or closed");
        }
    }

    /** Starts an early write-back every {@link #FLUSH_EVERY} bytes. */
    private void writeBackEarly() {
        if (framing.bytes() - flushedAt >= FLUSH_EVERY && (flushing == null || flushing.isDone())) {
            flushedAt = framing.bytes();
            if (flusher == null) {
                flusher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "tfrecord-writeback " + target.getFileName());
                    t.setDaemon(true);
                    return t;
                });
            }
            flushing = flusher.submit(() -> {
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

    /** Records written so far. */
    public long records() {
        return framing.records();
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
            } finally {
                stopWriteBack();
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
        stopWriteBack();
        try {
            out.close();
        } catch (IOException ignored) {
            // the file is being discarded anyway
        } finally {
            channel.close();
            Files.deleteIfExists(temporary);
        }
    }

    /** Ends this writer's write-back thread; a force in progress finishes or meets the closed channel. */
    private void stopWriteBack() {
        if (flusher != null) {
            flusher.shutdown();
        }
    }

    /** Whether this writer's write-back thread is running, for tests. */
    boolean writingBack() {
        return flusher != null && !flusher.isTerminated();
    }

    /** Waits for this writer's write-back thread, once stopped, to end; false if it had not by the timeout. */
    boolean awaitWriteBackEnd(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return flusher == null || flusher.awaitTermination(timeout, unit);
    }
}
