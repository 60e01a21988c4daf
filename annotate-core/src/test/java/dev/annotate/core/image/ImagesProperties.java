package dev.annotate.core.image;

import dev.annotate.core.FormatException;
import dev.annotate.core.TestFiles;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever bytes a file holds, {@link Images#read} returns an image or throws {@link FormatException}: never
 * another exception, never a hang (a hang trips Surefire's fork timeout). A small pixel limit keeps a mutated
 * header from asking for the whole heap.
 */
final class ImagesProperties {

    private static final long LIMIT = 1_000_000;
    private static Path dir;

    @BeforeContainer
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("images-properties");
    }

    @AfterContainer
    static void deleteDir() throws IOException {
        TestFiles.deleteTree(dir);
    }

    @Provide
    Arbitrary<byte[]> arbitraryBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(2048);
    }

    @Provide
    Arbitrary<byte[]> mutatedImages() {
        List<byte[]> seeds = List.of(
                TestImages.jpeg(ImagesTest.noiseImage(40, 30), 0.8f),
                TestImages.withExifOrientation(TestImages.jpeg(ImagesTest.noiseImage(30, 20), 0.8f), 6,
                        java.nio.ByteOrder.BIG_ENDIAN),
                TestImages.encode(ImagesTest.noiseImage(40, 30), "png"),
                TestImages.encode(ImagesTest.noiseImage(20, 20), "gif"),
                TestImages.encode(ImagesTest.noiseImage(20, 20), "bmp"));
        return Arbitraries.of(seeds).flatMap(seed -> Arbitraries.integers().between(0, seed.length - 1).list()
                .ofMinSize(1).ofMaxSize(8)
                .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
                    byte[] copy = seed.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        copy[positions.get(i)] = values.get(i);
                    }
                    return copy;
                })));
    }

    /** A whole image and a cut-off copy of it. */
    record Truncated(byte[] whole, byte[] cut) {
    }

    @Provide
    Arbitrary<Truncated> truncatedImages() {
        byte[] jpeg = TestImages.jpeg(ImagesTest.noiseImage(40, 30), 0.8f);
        byte[] png = TestImages.encode(ImagesTest.noiseImage(40, 30), "png");
        return Arbitraries.of(jpeg, png).flatMap(seed -> Arbitraries.integers().between(1, seed.length - 1)
                .map(n -> new Truncated(seed, java.util.Arrays.copyOf(seed, n))));
    }

    /** The swap at any offsets and lengths, nothing outside the range touched. */
    @Property(tries = 300)
    void bgrToRgb_swapsTheOuterBytesOfEveryPixel_andNothingElse(@ForAll byte[] bgr, @ForAll @IntRange(max = 7) int from,
                                                                 @ForAll @IntRange(max = 7) int to) {
        int pixels = Math.max(0, (bgr.length - from) / 3);
        byte[] rgb = new byte[to + 3 * pixels + 5];
        byte[] expected = rgb.clone();
        for (int i = 0; i < pixels; i++) {
            for (int c = 0; c < 3; c++) {
                expected[to + 3 * i + c] = bgr[from + 3 * i + 2 - c];
            }
        }
        Images.bgrToRgb(bgr, Math.min(from, bgr.length), rgb, to, pixels);
        assertArrayEquals(expected, rgb);
    }

    @Property(tries = 300)
    void read_arbitraryBytes_returnsOrThrowsFormatException(@ForAll("arbitraryBytes") byte[] bytes) {
        readOrFormatException(bytes);
    }

    @Property(tries = 400)
    void read_mutatedImages_returnsOrThrowsFormatException(@ForAll("mutatedImages") byte[] bytes) {
        readOrFormatException(bytes);
    }

    /**
     * Cutting a file never yields half-grey pixels: either the reader refuses it, or the cut removed only bytes
     * after the last pixel (an end marker, trailing chunks) and the pixels are exactly those of the whole file.
     */
    @Property(tries = 200)
    void read_truncatedImages_refuseOrLoseNothing(@ForAll("truncatedImages") Truncated t) throws IOException {
        Path file = write(t.cut());
        DecodedImage decoded;
        try {
            decoded = Images.read(file, LIMIT);
        } catch (FormatException e) {
            assertEquals(file, e.file());
            return;
        }
        DecodedImage whole = Images.read(write(t.whole()), LIMIT);
        assertArrayEquals(pixels(whole), pixels(decoded),
                () -> "a file cut to " + t.cut().length + " of " + t.whole().length + " bytes lost pixels silently");
    }

    private static byte[] pixels(DecodedImage image) {
        return ((java.awt.image.DataBufferByte) image.image().getRaster().getDataBuffer()).getData();
    }

    /** Probing bytes in memory (metadata-extractor for JPEG) and probing the file (ImageIO) never disagree. */
    @Property(tries = 400)
    void probeBytes_agreesWithProbeFile_orThrowsFormatException(@ForAll("mutatedImages") byte[] bytes)
            throws IOException {
        Path file = write(bytes);
        ImageHeader fromBytes;
        try {
            fromBytes = Images.probe(bytes, file);
        } catch (FormatException e) {
            assertEquals(file, e.file());
            return;
        }
        ImageHeader fromFile;
        try {
            fromFile = Images.probe(file);
        } catch (FormatException e) {
            return; // metadata-extractor read a header the decoder rejects: decoding the file will report it
        }
        assertEquals(fromFile, fromBytes);
    }

    private static void readOrFormatException(byte[] bytes) {
        Path file = write(bytes);
        try {
            DecodedImage img = Images.read(file, LIMIT);
            assertTrue(img.width() >= 1 && img.height() >= 1);
        } catch (FormatException e) {
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        } catch (IOException e) {
            throw new AssertionError("expected FormatException, got " + e, e);
        }
    }

    private static Path write(byte[] bytes) {
        try {
            Path file = Files.createTempFile(dir, "img", ".bin");
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
