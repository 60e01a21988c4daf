package dev.annotate.tfrecord;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.ZipException;

/**
 * Reads a TFRecord file record by record, verifying both CRCs of every record.
 *
 * <p>Damage is reported as a {@link TfRecordCorruptException} naming the file and the byte offset of the
 * record (in the decompressed stream for GZIP and ZLIB files): a truncated header or data, a length CRC
 * mismatch, a data CRC mismatch. With {@code skipCorrupt}, a record whose data CRC is wrong is skipped and
 * counted, and reading goes on with the next one; damage that makes the rest of the file unreadable (a bad
 * length CRC, a truncated tail, a broken compressed stream) ends the file and is counted once.
 *
 * <p>Memory grows with the record being read, never with the file: a declared length is only trusted once its
 * CRC matches, and data is read in chunks so a truncated file cannot make the reader allocate what it declares.
 *
 * <pre>{@code
 * try (TfRecordReader in = TfRecordReader.open(Path.of("train.record"), Compression.NONE, false)) {
 *     for (byte[] record = in.next(); record != null; record = in.next()) {
 *         Example example = Example.parseFrom(record);
 *     }
 * }
 * }</pre>
 */
public final class TfRecordReader implements Closeable {

    /** Records larger than this are refused as corrupt: 1 GiB. */
    public static final long MAX_RECORD_BYTES = 1L << 30;

    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final InputStream in;
    private final boolean skipCorrupt;
    private final byte[] header = new byte[12];
    private final byte[] crc = new byte[4];
    private long offset;
    private long corrupt;
    private boolean ended;
    /** The compressed stream broke (skip mode): what was read so far ends the file, counted once. */
    private boolean streamBroken;

    private TfRecordReader(Path file, InputStream in, boolean skipCorrupt) {
        this.file = file;
        this.in = in;
        this.skipCorrupt = skipCorrupt;
    }

    /**
     * Opens a record file.
     *
     * @param compression how the file was written; TensorFlow does not record it in the file
     * @param skipCorrupt skip damaged records and count them ({@link #corruptRecords()}) instead of throwing
     */
    public static TfRecordReader open(Path file, Compression compression, boolean skipCorrupt) throws IOException {
        Objects.requireNonNull(compression, "compression");
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return new TfRecordReader(file, compression.wrap(raw), skipCorrupt);
        } catch (ZipException | EOFException e) {
            raw.close();
            throw new TfRecordCorruptException(file, 0, "not a " + compression + " stream: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * The next record's bytes, or {@code null} at the end of the file.
     *
     * @throws TfRecordCorruptException on damage, unless skipping
     */
    public byte[] next() throws IOException {
        while (!ended) {
            long start = offset;
            int got = readUpTo(header, 12);
            if (got == 0) {
                ended = true;
                if (streamBroken) {
                    corrupt++;
                }
                return null;
            }
            if (got < 12) {
                endWith(start, "truncated record header (" + got + " of 12 bytes)");
                continue;
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long length = h.getLong(0);
            int storedLengthCrc = h.getInt(8);
            int lengthCrc = Crc32c.masked(header, 0, 8);
            if (storedLengthCrc != lengthCrc) {
                endWith(start, "length CRC mismatch (stored " + hex(storedLengthCrc) + ", computed " + hex(lengthCrc)
                        + "); the rest of the file cannot be framed");
                continue;
            }
            if (length < 0 || length > MAX_RECORD_BYTES) {
                endWith(start, "record length " + Long.toUnsignedString(length) + " exceeds the limit of "
                        + MAX_RECORD_BYTES + " bytes");
                continue;
            }
            byte[] data = readData((int) length, start);
            if (data == null) {
                continue;
            }
            int footerGot = readUpTo(crc, 4);
            if (footerGot < 4) {
                endWith(start, "truncated record: data CRC missing (" + footerGot + " of 4 bytes)");
                continue;
            }
            int storedDataCrc = ByteBuffer.wrap(crc).order(ByteOrder.LITTLE_ENDIAN).getInt();
            int dataCrc = Crc32c.masked(data, 0, data.length);
            if (storedDataCrc != dataCrc) {
                String problem = "data CRC mismatch in a record of " + length + " bytes (stored " + hex(storedDataCrc)
                        + ", computed " + hex(dataCrc) + ")";
                if (!skipCorrupt) {
                    throw new TfRecordCorruptException(file, start, problem);
                }
                corrupt++;
                continue;
            }
            return data;
        }
        return null;
    }

    private byte[] readData(int length, long start) throws IOException {
        byte[] data = new byte[Math.min(length, CHUNK)];
        int filled = 0;
        while (filled < length) {
            if (filled == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(length, 2L * data.length));
            }
            int n = readUpTo(data, filled, data.length - filled);
            if (n == 0) {
                endWith(start, "truncated record data (" + filled + " of " + length + " bytes)");
                return null;
            }
            filled += n;
        }
        return data;
    }

    private void endWith(long start, String problem) throws TfRecordCorruptException {
        ended = true;
        if (!skipCorrupt) {
            throw new TfRecordCorruptException(file, start, problem);
        }
        corrupt++;
    }

    private int readUpTo(byte[] buffer, int length) throws IOException {
        return readUpTo(buffer, 0, length);
    }

    /** Reads until {@code length} bytes or the end; returns how many were read. */
    private int readUpTo(byte[] buffer, int from, int length) throws IOException {
        if (streamBroken) {
            return 0;
        }
        int total = 0;
        while (total < length) {
            int n;
            try {
                n = in.read(buffer, from + total, length - total);
            } catch (ZipException | EOFException e) {
                // a damaged or cut compressed stream: nothing after this point can be read
                offset += total;
                if (!skipCorrupt) {
                    ended = true;
                    throw new TfRecordCorruptException(file, offset, "damaged compressed stream: " + e.getMessage(), e);
                }
                streamBroken = true;
                return total;
            }
            if (n < 0) {
                break;
            }
            total += n;
        }
        offset += total;
        return total;
    }

    /** Damaged records skipped so far (always 0 unless skipping). */
    public long corruptRecords() {
        return corrupt;
    }

    /** Bytes of the (decompressed) record stream consumed so far. */
    public long offset() {
        return offset;
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
