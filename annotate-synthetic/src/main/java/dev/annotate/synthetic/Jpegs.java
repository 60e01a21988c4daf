package dev.annotate.synthetic;

import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.Images;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** JPEG encoding with an optional EXIF Orientation tag, as cameras write it (an APP1 segment after JFIF's APP0). */
final class Jpegs {

    private Jpegs() {
    }

    static byte[] encode(BufferedImage image, float quality, ExifOrientation orientation) throws IOException {
        byte[] jpeg = Images.encodeJpeg(image, quality);
        return orientation == ExifOrientation.NORMAL ? jpeg : withOrientation(jpeg, orientation.tag());
    }

    /** Inserts {@code Exif\0\0} + a big-endian TIFF with one IFD0 entry, Orientation (0x0112, SHORT). */
    private static byte[] withOrientation(byte[] jpeg, int tag) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.BIG_ENDIAN);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) tag).putShort((short) 0);
        tiff.putInt(0);
        byte[] header = {'E', 'x', 'i', 'f', 0, 0};
        int payload = header.length + tiff.capacity();
        ByteBuffer segment = ByteBuffer.allocate(4 + payload);
        segment.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (payload + 2)).put(header).put(tiff.array());
        int at = 2;
        if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
            at = 4 + (((jpeg[4] & 0xFF) << 8) | (jpeg[5] & 0xFF));
        }
        byte[] out = new byte[jpeg.length + segment.capacity()];
        System.arraycopy(jpeg, 0, out, 0, at);
        System.arraycopy(segment.array(), 0, out, at, segment.capacity());
        System.arraycopy(jpeg, at, out, at + segment.capacity(), jpeg.length - at);
        return out;
    }
}
