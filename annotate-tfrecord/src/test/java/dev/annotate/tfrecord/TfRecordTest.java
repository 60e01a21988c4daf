package dev.annotate.tfrecord;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class TfRecordTest {

    @TempDir
    Path dir;

    @Test
    void crc32c_isCastagnoli_withTensorFlowsMask() {
        CRC32C c = new CRC32C();
        byte[] digits = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        c.update(digits);
        assertEquals(0xE3069283L, c.getValue()); // the CRC-32C check value
        int crc = 0xE3069283;
        assertEquals(((crc >>> 15) | (crc << 17)) + 0xa282ead8, Crc32c.masked(digits, 0, digits.length));
    }

    @Test
    void write_layout_isLengthCrcDataCrc_littleEndian() throws IOException {
        Path file = dir.resolve("one.record");
        try (TfRecordWriter w = TfRecordWriter.create(file, Compression.NONE)) {
            w.write(new byte[] {7, 8, 9});
            w.commit();
        }
        byte[] b = Files.readAllBytes(file);
        assertEquals(3 + 16, b.length);
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOf(b, 8));
        assertArrayEquals(new byte[] {7, 8, 9}, Arrays.copyOfRange(b, 12, 15));
        int lengthCrc = java.nio.ByteBuffer.wrap(b, 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(Crc32c.masked(b, 0, 8), lengthCrc);
    }

    /**
     * Past 32 MiB the writer starts write-back in the background while records keep coming, on a thread of its
     * own that commit ends.
     */
    @Test
    void write_pastTheEarlyWriteBackThreshold_keepsEveryRecord_andEndsItsThread() throws Exception {
        Path file = dir.resolve("big.record");
        byte[] record = new byte[1 << 20];
        try (TfRecordWriter w = TfRecordWriter.create(file, Compression.NONE)) {
            for (int i = 0; i < 40; i++) {
                Arrays.fill(record, (byte) i);
                w.write(record);
            }
            assertTrue(w.writingBack());
            w.commit();
            assertTrue(awaitNoWriteBack(w));
        }
        assertEquals(40L * ((1 << 20) + 16), Files.size(file));
        try (TfRecordReader r = TfRecordReader.open(file, Compression.NONE, false)) {
            for (int i = 0; i < 40; i++) {
                byte[] got = r.next();
                assertEquals((byte) i, got[got.length - 1]);
            }
            assertEquals(null, r.next());
        }
    }

    /** The thread ends once its last write-back returns (commit and close stop it); only a hang takes long. */
    private static boolean awaitNoWriteBack(TfRecordWriter w) throws InterruptedException {
        return w.awaitWriteBackEnd(10, java.util.concurrent.TimeUnit.MINUTES) && !w.writingBack();
    }

    @Test
    void closeWithoutCommit_pastTheThreshold_endsTheWriteBackThread_andLeavesNoFile() throws Exception {
        Path file = dir.resolve("dropped.record");
        TfRecordWriter w = TfRecordWriter.create(file, Compression.NONE);
        w.write(new byte[40 << 20]);
        assertTrue(w.writingBack());
        w.close();
        assertTrue(awaitNoWriteBack(w));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void closeWithoutCommit_leavesNoFile() throws IOException {
        Path file = dir.resolve("aborted.record");
        try (TfRecordWriter w = TfRecordWriter.create(file, Compression.GZIP)) {
            w.write(new byte[100]);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void read_truncatedTail_namesFileAndOffset() throws IOException {
        Path file = dir.resolve("cut.record");
        try (TfRecordWriter w = TfRecordWriter.create(file, Compression.NONE)) {
            w.write(new byte[10]);
            w.write(new byte[20]);
            w.commit();
        }
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, b.length - 5));
        try (TfRecordReader r = TfRecordReader.open(file, Compression.NONE, false)) {
            r.next();
            TfRecordCorruptException e = assertThrows(TfRecordCorruptException.class, r::next);
            assertEquals(file + ": byte offset 26: truncated record data (19 of 20 bytes)", e.getMessage());
        }
    }

    @Test
    void read_badLengthCrc_isReportedAtTheRecord() throws IOException {
        Path file = dir.resolve("bad.record");
        try (TfRecordWriter w = TfRecordWriter.create(file, Compression.NONE)) {
            w.write(new byte[4]);
            w.commit();
        }
        byte[] b = Files.readAllBytes(file);
        b[0] = 5;
        Files.write(file, b);
        try (TfRecordReader r = TfRecordReader.open(file, Compression.NONE, false)) {
            TfRecordCorruptException e = assertThrows(TfRecordCorruptException.class, r::next);
            assertEquals(0, e.offset());
            assertFalse(e.getMessage().isEmpty());
            assertEquals(true, e.getMessage().startsWith(file + ": byte offset 0: length CRC mismatch (stored 0x"));
        }
    }

    @Test
    void shards_areRoundRobin_withTensorFlowNames() throws IOException {
        Path base = dir.resolve("train.record");
        try (ShardedTfRecordWriter w = ShardedTfRecordWriter.create(base, 3, Compression.NONE)) {
            for (int i = 0; i < 7; i++) {
                w.write(new byte[] {(byte) i});
            }
            w.commit();
        }
        assertEquals(List.of(new byte[] {0, 3, 6}, new byte[] {1, 4}, new byte[] {2, 5}).stream().map(Arrays::toString)
                        .toList(),
                Stream.of(0, 1, 2).map(i -> dir.resolve(String.format("train.record-%05d-of-00003", i)))
                        .map(p -> concat(p)).map(Arrays::toString).toList());
    }

    private static byte[] concat(Path p) {
        try {
            List<byte[]> records = TfRecordProperties.readAll(p, Compression.NONE);
            byte[] out = new byte[records.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = records.get(i)[0];
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
