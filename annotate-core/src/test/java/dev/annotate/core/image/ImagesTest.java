package dev.annotate.core.image;

import dev.annotate.core.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class ImagesTest {

    /** Displayed image: 48x32, quadrants red / green over blue / white, so every turn or mirror shows. */
    private static final int W = 48;
    private static final int H = 32;
    private static final int[][] QUADRANTS = {{0xFF0000, 0x00FF00}, {0x0000FF, 0xFFFFFF}};

    /**
     * The EXIF specification's table: for each orientation, the visual side of stored row 0 and of stored
     * column 0. Written out here independently of {@link ExifOrientation}'s maths.
     */
    private static final String[][] SPEC = {
            null,
            {"top", "left"}, {"top", "right"}, {"bottom", "right"}, {"bottom", "left"},
            {"left", "top"}, {"right", "top"}, {"right", "bottom"}, {"left", "bottom"},
    };

    @TempDir
    Path dir;

    private static int displayedColour(int x, int y) {
        return QUADRANTS[y < H / 2 ? 0 : 1][x < W / 2 ? 0 : 1];
    }

    /** The pixels a camera stores for the displayed image under an orientation, per {@link #SPEC}. */
    private static BufferedImage stored(int orientation) {
        String row0 = SPEC[orientation][0];
        String col0 = SPEC[orientation][1];
        boolean rowsAreHorizontal = row0.equals("top") || row0.equals("bottom");
        int sw = rowsAreHorizontal ? W : H;
        int sh = rowsAreHorizontal ? H : W;
        BufferedImage img = new BufferedImage(sw, sh, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int sx;
                int sy;
                if (rowsAreHorizontal) {
                    sy = row0.equals("top") ? y : H - 1 - y;
                    sx = col0.equals("left") ? x : W - 1 - x;
                } else {
                    sy = row0.equals("left") ? x : W - 1 - x;
                    sx = col0.equals("top") ? y : H - 1 - y;
                }
                img.setRGB(sx, sy, displayedColour(x, y));
            }
        }
        return img;
    }

    @ParameterizedTest(name = "orientation {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void read_jpegWithExifOrientation_returnsTheDisplayedFrame(int orientation) throws IOException {
        ByteOrder order = orientation % 2 == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        Path file = dir.resolve("o" + orientation + ".jpg");
        Files.write(file, TestImages.withExifOrientation(TestImages.jpeg(stored(orientation), 0.95f), orientation,
                order));

        DecodedImage img = Images.read(file);

        assertEquals(ExifOrientation.fromTag(orientation), img.header().orientation());
        assertEquals(W, img.width());
        assertEquals(H, img.height());
        assertEquals(3, img.depth());
        for (int qy = 0; qy < 2; qy++) {
            for (int qx = 0; qx < 2; qx++) {
                int x = qx * W / 2 + W / 4;
                int y = qy * H / 2 + H / 4;
                assertColourNear(QUADRANTS[qy][qx], img.image().getRGB(x, y), "quadrant " + qx + "," + qy);
            }
        }
    }

    @Test
    void encodeJpeg_honoursQualityAndRejectsOneOutsideZeroToOne() throws IOException {
        BufferedImage noise = noiseImage(64, 48);

        byte[] low = Images.encodeJpeg(noise, 0.2f);
        byte[] high = Images.encodeJpeg(noise, 0.98f);

        assertTrue(high.length > low.length, "quality 0.98 gave " + high.length + " bytes, 0.2 gave " + low.length);
        ImageHeader header = Images.probe(high, Path.of("memory.jpg"));
        assertEquals("jpeg", header.format());
        assertEquals(64, header.width());
        assertEquals(48, header.height());
        assertThrows(IllegalArgumentException.class, () -> Images.encodeJpeg(noise, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> Images.encodeJpeg(noise, -0.1f));
    }

    @Test
    void probe_rotatedJpeg_reportsStoredAndDisplayedSize() throws IOException {
        Path file = dir.resolve("portrait.jpg");
        Files.write(file, TestImages.withExifOrientation(TestImages.jpeg(stored(6), 0.9f), 6, ByteOrder.BIG_ENDIAN));

        ImageHeader header = Images.probe(file);

        assertEquals(new ImageHeader("jpeg", H, W, ExifOrientation.ROTATE_90_CW), header);
        assertEquals(W, header.width());
        assertEquals(H, header.height());
    }

    @ParameterizedTest(name = "orientation {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void probeBytes_jpegWithExif_agreesWithProbeFile(int orientation) throws IOException {
        Path file = dir.resolve("p" + orientation + ".jpg");
        Files.write(file, TestImages.withExifOrientation(TestImages.jpeg(stored(orientation), 0.9f), orientation,
                ByteOrder.LITTLE_ENDIAN));
        ImageHeader fromFile = Images.probe(file);
        assertEquals(ExifOrientation.fromTag(orientation), fromFile.orientation());
        assertEquals(fromFile, Images.probe(Files.readAllBytes(file), file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "gif", "bmp", "jpeg"})
    void probeBytes_otherFormats_agreeWithProbeFile(String format) throws IOException {
        Path file = Files.write(dir.resolve("x." + format), TestImages.encode(noiseImage(37, 21), format));
        assertEquals(new ImageHeader(format, 37, 21, ExifOrientation.NORMAL), Images.probe(file));
        assertEquals(Images.probe(file), Images.probe(Files.readAllBytes(file), file));
    }

    @Test
    void probeBytes_garbage_isAFormatExceptionNamingTheSource() {
        Path source = dir.resolve("n.jpg");
        FormatException e = assertThrows(FormatException.class,
                () -> Images.probe(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3}, source));
        assertEquals(source, e.file());
    }

    @Test
    void read_withMinimumSize_decodesEverySthPixel_ofTheFullImage() throws IOException {
        BufferedImage big = noiseImage(1000, 800);
        Path file = Files.write(dir.resolve("big.png"), TestImages.encode(big, "png"));

        DecodedImage img = Images.read(file, Images.DEFAULT_MAX_PIXELS, 200, 200);

        assertEquals(4, img.subsampling()); // min(1000 / 200, 800 / 200)
        assertEquals(250, img.width());
        assertEquals(200, img.height());
        assertEquals(1000, img.header().width());
        for (int[] p : new int[][] {{0, 0}, {17, 33}, {249, 199}}) {
            assertEquals(big.getRGB(p[0] * 4, p[1] * 4) & 0xFFFFFF, img.image().getRGB(p[0], p[1]) & 0xFFFFFF);
        }
        assertEquals(1, Images.read(file, Images.DEFAULT_MAX_PIXELS, 600, 600).subsampling());
    }

    @Test
    void read_withMinimumSize_ofRotatedJpeg_subsamplesInTheDisplayedFrame() throws IOException {
        Path file = dir.resolve("turned.jpg");
        Files.write(file, TestImages.withExifOrientation(TestImages.jpeg(stored(6), 0.9f), 6, ByteOrder.BIG_ENDIAN));
        DecodedImage img = Images.read(file, Images.DEFAULT_MAX_PIXELS, 12, 8);
        assertEquals(4, img.subsampling()); // displayed 48x32: min(48 / 12, 32 / 8)
        assertEquals(12, img.width());
        assertEquals(8, img.height());
    }

    @Test
    void read_emptyFile_namesTheFile() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.jpg"));
        FormatException e = assertThrows(FormatException.class, () -> Images.read(file));
        assertEquals(file + ": file is empty, expected an image", e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void read_missingFile_isNoSuchFile() {
        Path file = dir.resolve("missing.jpg");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Images.read(file));
        assertEquals(file + ": no such image file", e.getMessage());
    }

    @Test
    void read_randomBytes_isNotAnImage() throws IOException {
        byte[] noise = new byte[4096];
        new Random(42).nextBytes(noise);
        Path file = Files.write(dir.resolve("noise.jpg"), noise);
        FormatException e = assertThrows(FormatException.class, () -> Images.read(file));
        assertEquals(file + ": not an image in a supported format (jpeg, png, bmp, gif, tiff, wbmp)",
                e.getMessage());
    }

    @Test
    void read_truncatedJpeg_isRefusedNotHalfGrey() throws IOException {
        byte[] jpeg = TestImages.jpeg(noiseImage(256, 256), 0.9f);
        Path file = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> Images.read(file));
        assertTrue(e.getMessage().startsWith(file + ": truncated or corrupt jpeg data: "), e.getMessage());
    }

    /** Regression: a JPEG cut inside its SOS header decoded with only the JDK's "Truncated File" warning. */
    @Test
    void read_jpegCutInsideItsScanHeader_isRefused() throws IOException {
        byte[] jpeg = TestImages.jpeg(noiseImage(40, 30), 0.8f);
        int sos = 2;
        while ((jpeg[sos + 1] & 0xFF) != 0xDA) {
            sos += 2 + (((jpeg[sos + 2] & 0xFF) << 8) | (jpeg[sos + 3] & 0xFF));
        }
        Path file = Files.write(dir.resolve("cut-in-sos.jpg"), Arrays.copyOf(jpeg, sos + 11));
        FormatException e = assertThrows(FormatException.class, () -> Images.read(file));
        assertTrue(e.getMessage().startsWith(file + ": truncated or corrupt jpeg data: "), e.getMessage());
    }

    @Test
    void read_truncatedPng_isRefused() throws IOException {
        byte[] png = TestImages.encode(noiseImage(256, 256), "png");
        Path file = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> Images.read(file));
        assertTrue(e.getMessage().startsWith(file + ": corrupt png data: "), e.getMessage());
    }

    /** Runs under -Xmx256m (see the module's pom): decoding this header's image would need 30 GB. */
    @Test
    void read_hugePngHeader_isRefusedBeforeAllocating() throws IOException {
        Path file = Files.write(dir.resolve("huge.png"), pngHeaderOnly(100_000, 100_000));
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> Images.read(file));
        assertEquals(file + ": header: image is 100000x100000 = 10000000000 pixels, more than the limit of"
                + " 100000000 (raise maxPixels to read it)", e.getMessage());
        assertEquals(100_000, e.width());
    }

    @Test
    void read_imageAboveACustomLimit_isRefused() throws IOException {
        Path file = Files.write(dir.resolve("small.png"), TestImages.encode(noiseImage(40, 30), "png"));
        assertEquals(40, Images.read(file, 1200).width());
        assertThrows(ImageTooLargeException.class, () -> Images.read(file, 1199));
    }

    @Test
    void read_grayscalePng_copiesSamplesWithoutGammaShift() throws IOException {
        BufferedImage gray = new BufferedImage(256, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 256; x++) {
            gray.getRaster().setSample(x, 0, 0, x);
            gray.getRaster().setSample(x, 1, 0, 255 - x);
        }
        Path file = Files.write(dir.resolve("gray.png"), TestImages.encode(gray, "png"));

        DecodedImage img = Images.read(file);

        assertEquals(1, img.depth());
        for (int x = 0; x < 256; x++) {
            assertEquals(x * 0x010101, img.image().getRGB(x, 0) & 0xFFFFFF, "x=" + x);
        }
    }

    /** Backends feed models from bgrBytes: a caller's grayscale image must not be brightened on the way. */
    @Test
    void bgrBytes_ofAGrayImage_copiesSamplesWithoutGammaShift() {
        BufferedImage gray = new BufferedImage(256, 1, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 256; x++) {
            gray.getRaster().setSample(x, 0, 0, x);
        }
        byte[] bgr = Images.bgrBytes(gray);
        for (int x = 0; x < 256; x++) {
            assertEquals(x, bgr[3 * x] & 0xFF, "x=" + x);
            assertEquals(x, bgr[3 * x + 2] & 0xFF, "x=" + x);
        }
        BufferedImage gray16 = new BufferedImage(256, 1, BufferedImage.TYPE_USHORT_GRAY);
        for (int x = 0; x < 256; x++) {
            gray16.getRaster().setSample(x, 0, 0, x * 257);
        }
        byte[] bgr16 = Images.bgrBytes(gray16);
        for (int x = 0; x < 256; x++) {
            assertEquals(x, bgr16[3 * x + 1] & 0xFF, "16-bit x=" + x);
        }
    }

    /** The same pixels reach a model whether they come from a file (Images.read) or from memory (bgrBytes). */
    @Test
    void bgrBytes_ofAnAlphaImage_dropsAlphaLikeReadingTheFileDoes() throws IOException {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x000A141E);
        argb.setRGB(1, 0, 0x80FF8000);
        byte[] fromMemory = Images.bgrBytes(argb);
        Path file = Files.write(dir.resolve("alpha-mem.png"), TestImages.encode(argb, "png"));
        byte[] fromFile = Images.bgrBytes(Images.read(file).image());
        assertArrayEquals(fromFile, fromMemory);
    }

    @Test
    void read_sixteenBitGrayPng_scalesToEightBits() throws IOException {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setSample(0, 0, 0, 0);
        gray.getRaster().setSample(1, 0, 0, 0x8080);
        gray.getRaster().setSample(2, 0, 0, 0xFFFF);
        Path file = Files.write(dir.resolve("gray16.png"), TestImages.encode(gray, "png"));

        DecodedImage img = Images.read(file);

        assertEquals(1, img.depth());
        assertEquals(0x000000, img.image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x808080, img.image().getRGB(1, 0) & 0xFFFFFF);
        assertEquals(0xFFFFFF, img.image().getRGB(2, 0) & 0xFFFFFF);
    }

    @Test
    void read_sixteenBitRgbPng_keepsColours() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {0xFFFF, 0, 0x8080});
        raster.setPixel(1, 0, new int[] {0, 0xFFFF, 0});
        BufferedImage rgb16 = new BufferedImage(cm, raster, false, null);
        Path file = Files.write(dir.resolve("rgb16.png"), TestImages.encode(rgb16, "png"));

        DecodedImage img = Images.read(file);

        assertEquals(3, img.depth());
        assertEquals(0xFF0080, img.image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x00FF00, img.image().getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void read_pngWithAlpha_dropsAlphaKeepingColour() throws IOException {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x000A141E); // fully transparent, colour (10, 20, 30)
        argb.setRGB(1, 0, 0x80FF8000);
        Path file = Files.write(dir.resolve("alpha.png"), TestImages.encode(argb, "png"));

        DecodedImage img = Images.read(file);

        assertEquals(0x0A141E, img.image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFF8000, img.image().getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void read_palettedGif_resolvesThePalette() throws IOException {
        IndexColorModel palette = new IndexColorModel(2, 3,
                new byte[] {(byte) 200, 0, 5}, new byte[] {10, (byte) 250, 5}, new byte[] {20, 30, 5});
        BufferedImage indexed = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
        indexed.getRaster().setSample(0, 0, 0, 0);
        indexed.getRaster().setSample(1, 0, 0, 1);
        indexed.getRaster().setSample(2, 0, 0, 2);
        Path file = Files.write(dir.resolve("palette.gif"), TestImages.encode(indexed, "gif"));

        DecodedImage img = Images.read(file);

        assertEquals(3, img.depth());
        assertEquals(0xC80A14, img.image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x00FA1E, img.image().getRGB(1, 0) & 0xFFFFFF);
        assertEquals(0x050505, img.image().getRGB(2, 0) & 0xFFFFFF);
    }

    @Test
    void read_cmykJpeg_isRefusedWithAnExplanation() throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        Path file = Files.write(dir.resolve("cmyk.jpg"), TestImages.cmykJpeg(raster));
        FormatException e = assertThrows(FormatException.class, () -> Images.read(file));
        assertEquals(file + ": CMYK or YCCK JPEG is not supported; convert it to RGB"
                + " (for example: convert in.jpg -colorspace sRGB out.jpg)", e.getMessage());
    }

    static BufferedImage noiseImage(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return img;
    }

    /** A PNG signature, an IHDR announcing the size, and IEND: no pixel data at all. */
    static byte[] pngHeaderOnly(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(width);
        d.writeInt(height);
        d.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, no filter, no interlace
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        out.writeInt(data.length);
        byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    private static void assertColourNear(int expected, int actual, String where) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int e = (expected >> shift) & 0xFF;
            int a = (actual >> shift) & 0xFF;
            assertTrue(Math.abs(e - a) <= 40, where + ": expected #" + Integer.toHexString(expected)
                    + " but was #" + Integer.toHexString(actual & 0xFFFFFF));
        }
    }
}
