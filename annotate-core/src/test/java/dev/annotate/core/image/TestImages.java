package dev.annotate.core.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds image files in memory for tests: JPEGs with an EXIF orientation, PNGs, raw rasters. Shared with other
 * modules' tests through annotate-core's test jar.
 */
public final class TestImages {

    private TestImages() {
    }

    public static byte[] jpeg(BufferedImage image, float quality) {
        try {
            return Images.encodeJpeg(image, quality);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JPEG of a 4-band raster: the JDK writes it as an Adobe CMYK JPEG. */
    public static byte[] cmykJpeg(Raster raster) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    public static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, bytes)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Inserts an EXIF APP1 segment holding only IFD0 Orientation right after the JPEG's JFIF APP0 segment, as
     * cameras that also write JFIF do.
     */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation, ByteOrder order) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4).order(order);
        tiff.put(order == ByteOrder.BIG_ENDIAN ? new byte[] {'M', 'M'} : new byte[] {'I', 'I'});
        tiff.putShort((short) 42).putInt(8);                   // TIFF magic, offset of IFD0
        tiff.putShort((short) 1);                               // one entry
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1); // Orientation, SHORT, count 1
        tiff.putShort((short) orientation).putShort((short) 0);  // value, padded to 4 bytes
        tiff.putInt(0);                                         // no next IFD
        byte[] exifHeader = {'E', 'x', 'i', 'f', 0, 0};
        int payload = exifHeader.length + tiff.capacity();
        ByteBuffer segment = ByteBuffer.allocate(4 + payload).order(ByteOrder.BIG_ENDIAN);
        segment.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (payload + 2)).put(exifHeader).put(tiff.array());

        int insertAt = 2; // after SOI
        if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
            insertAt = 4 + (((jpeg[4] & 0xFF) << 8) | (jpeg[5] & 0xFF));
        }
        byte[] out = new byte[jpeg.length + segment.capacity()];
        System.arraycopy(jpeg, 0, out, 0, insertAt);
        System.arraycopy(segment.array(), 0, out, insertAt, segment.capacity());
        System.arraycopy(jpeg, insertAt, out, insertAt + segment.capacity(), jpeg.length - insertAt);
        return out;
    }
}
