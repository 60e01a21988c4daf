package dev.annotate.tfrecord;

import com.google.protobuf.MessageLite;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes records round-robin into {@code BASE-00000-of-0000N} ... {@code BASE-0000(N-1)-of-0000N}, the names the
 * TF Object Detection API's sharding helper uses. Every shard appears only on {@link #commit()}; closing without
 * committing leaves none. With one shard the file is simply {@code BASE}.
 *
 * <pre>{@code
 * try (ShardedTfRecordWriter out = ShardedTfRecordWriter.create(Path.of("out/train.record"), 10, Compression.NONE)) {
 *     examples.forEach(out::write);
 *     out.commit();
 * }
 * }</pre>
 */
public final class ShardedTfRecordWriter implements Closeable {

    private final List<TfRecordWriter> shards;
    private long next;

    private ShardedTfRecordWriter(List<TfRecordWriter> shards) {
        this.shards = shards;
    }

    /** The file name of shard {@code index} of {@code count} for {@code base}: {@code base-00003-of-00010}. */
    public static Path shardPath(Path base, int index, int count) {
        if (count == 1) {
            return base;
        }
        return base.resolveSibling(String.format("%s-%05d-of-%05d", base.getFileName(), index, count));
    }

    /**
     * @param base the output path; shards are named after it
     * @param count number of shards, at least 1
     */
    public static ShardedTfRecordWriter create(Path base, int count, Compression compression) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("shard count (" + count + ") must be >= 1");
        }
        List<TfRecordWriter> writers = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                writers.add(TfRecordWriter.create(shardPath(base, i, count), compression));
            }
        } catch (IOException | RuntimeException e) {
            for (TfRecordWriter w : writers) {
                w.close();
            }
            throw e;
        }
        return new ShardedTfRecordWriter(writers);
    }

    /** Appends a record to the next shard in turn. */
    public void write(byte[] record) throws IOException {
        shards.get((int) (next++ % shards.size())).write(record);
    }

    /** Appends one record holding {@code message} to the next shard, streamed as by {@link TfRecordWriter}. */
    public void write(MessageLite message) throws IOException {
        shards.get((int) (next++ % shards.size())).write(message);
    }

    /** Records written so far. */
    public long records() {
        return next;
    }

    /** The shard files, in order. */
    public List<Path> files() {
        return shards.stream().map(TfRecordWriter::file).toList();
    }

    /** Moves every shard into place. */
    public void commit() throws IOException {
        for (TfRecordWriter w : shards) {
            w.commit();
        }
    }

    /** Discards every shard not yet committed. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TfRecordWriter w : shards) {
            try {
                w.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
