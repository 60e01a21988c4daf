package dev.annotate.tfrecord;

import com.google.protobuf.ByteString;
import dev.annotate.core.FormatException;
import dev.annotate.core.TestFiles;
import dev.annotate.tfrecord.proto.BytesList;
import dev.annotate.tfrecord.proto.Example;
import dev.annotate.tfrecord.proto.Feature;
import dev.annotate.tfrecord.proto.Features;
import dev.annotate.tfrecord.proto.Int64List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class TfRecordProperties {

    private static Path dir;

    @BeforeContainer
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("tfrecord-properties");
    }

    @AfterContainer
    static void deleteDir() throws IOException {
        TestFiles.deleteTree(dir);
    }

    @Provide
    Arbitrary<List<byte[]>> payloads() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(3000).list().ofMaxSize(20);
    }

    static Path write(List<byte[]> records, Compression compression) throws IOException {
        Path file = Files.createTempFile(dir, "r", ".record");
        try (TfRecordWriter w = TfRecordWriter.create(file, compression)) {
            for (byte[] r : records) {
                w.write(r);
            }
            w.commit();
        }
        return file;
    }

    static List<byte[]> readAll(Path file, Compression compression) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (TfRecordReader r = TfRecordReader.open(file, compression, false)) {
            for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
            assertNull(r.next());
        }
        return out;
    }

    @Property(tries = 200)
    void writeThenRead_returnsEveryPayload(@ForAll("payloads") List<byte[]> records, @ForAll Compression compression)
            throws IOException {
        List<byte[]> back = readAll(write(records, compression), compression);
        assertEquals(records.size(), back.size());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i), back.get(i));
        }
    }

    /**
     * A message streamed into the file ({@link TfRecordWriter#write(com.google.protobuf.MessageLite)}) gives the
     * same bytes as the message serialised first, for payloads smaller and larger than the encoder's buffer.
     */
    @Property(tries = 100)
    void streamedMessage_isByteIdenticalToTheSerialisedOne(@ForAll("examples") List<Example> examples,
                                                          @ForAll Compression compression) throws IOException {
        Path streamed = Files.createTempFile(dir, "s", ".record");
        try (TfRecordWriter w = TfRecordWriter.create(streamed, compression)) {
            for (Example e : examples) {
                w.write(e);
            }
            w.commit();
        }
        Path serialised = write(examples.stream().map(Example::toByteArray).toList(), compression);
        if (compression == Compression.NONE) {
            assertArrayEquals(Files.readAllBytes(serialised), Files.readAllBytes(streamed));
        }
        List<byte[]> back = readAll(streamed, compression);
        assertEquals(examples.size(), back.size());
        for (int i = 0; i < examples.size(); i++) {
            assertEquals(examples.get(i), Example.parseFrom(back.get(i)));
        }
    }

    @Provide
    Arbitrary<List<Example>> examples() {
        Arbitrary<byte[]> image = Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(100),
                Arbitraries.bytes().array(byte[].class).ofMinSize(8000).ofMaxSize(40_000));
        return image.map(bytes -> Example.newBuilder().setFeatures(Features.newBuilder()
                .putFeature("image/encoded", Feature.newBuilder().setBytesList(BytesList.newBuilder()
                        .addValue(ByteString.copyFrom(bytes))).build())
                .putFeature("image/height", Feature.newBuilder().setInt64List(Int64List.newBuilder()
                        .addValue(bytes.length)).build())).build()).list().ofMaxSize(6);
    }

    /**
     * A flipped bit never changes what is read silently. In a plain file every bit is covered by a length CRC,
     * the framing or a data CRC, so every flip is reported. A GZIP header has fields no checksum covers (FTEXT,
     * MTIME, OS): a flip there is harmless and the records read back are exactly those written.
     */
    @Property(tries = 300)
    void flippedBit_isDetectedOrHarmless(@ForAll("payloads") List<byte[]> records, @ForAll Compression compression,
                                         @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int pick)
            throws IOException {
        Path file = write(records, compression);
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0) {
            return;
        }
        int bit = pick % (bytes.length * 8);
        bytes[bit / 8] ^= (byte) (1 << (bit % 8));
        Files.write(file, bytes);
        List<byte[]> back;
        try {
            back = readAll(file, compression);
        } catch (FormatException expected) {
            assertEquals(file, expected.file());
            return;
        }
        String where = "flipped bit " + bit + " of " + bytes.length * 8 + " in a " + compression + " file";
        if (compression == Compression.NONE) {
            throw new AssertionError(where + " went unnoticed");
        }
        assertEquals(records.size(), back.size(), where + " changed the record count silently");
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i), back.get(i), where + " changed record " + i + " silently");
        }
    }

    @Property(tries = 500)
    void arbitraryBytes_readOrThrowFormatException(@ForAll byte[] bytes, @ForAll Compression compression,
                                                   @ForAll boolean skip) throws IOException {
        Path file = Files.createTempFile(dir, "g", ".record");
        Files.write(file, bytes);
        try (TfRecordReader r = TfRecordReader.open(file, compression, skip)) {
            int n = 0;
            for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                n++;
            }
            assertTrue(n >= 0);
        } catch (FormatException e) {
            assertTrue(!skip || e instanceof TfRecordCorruptException && e.getMessage().contains("not a "),
                    () -> "skip mode threw " + e);
            assertEquals(file, e.file());
        }
    }

    @Property(tries = 100)
    void skipCorrupt_skipsExactlyTheDamagedRecords(@ForAll("payloads") List<byte[]> records,
                                                   @ForAll @IntRange(min = 0, max = 1000) int pick) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        int victim = pick % records.size();
        if (records.get(victim).length == 0) {
            return; // an empty record has no data byte to damage
        }
        Path file = write(records, Compression.NONE);
        byte[] bytes = Files.readAllBytes(file);
        long start = 0;
        for (int i = 0; i < victim; i++) {
            start += 16 + records.get(i).length;
        }
        bytes[(int) start + 12] ^= 0x55; // first data byte of the victim
        Files.write(file, bytes);

        List<byte[]> back = new ArrayList<>();
        try (TfRecordReader r = TfRecordReader.open(file, Compression.NONE, true)) {
            for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                back.add(rec);
            }
            assertEquals(1, r.corruptRecords());
        }
        List<byte[]> expected = new ArrayList<>(records);
        expected.remove(victim);
        assertEquals(expected.size(), back.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), back.get(i));
        }
        try {
            readAll(file, Compression.NONE);
            throw new AssertionError("the damaged record was not reported");
        } catch (TfRecordCorruptException e) {
            assertEquals(start, e.offset());
        }
    }
}
