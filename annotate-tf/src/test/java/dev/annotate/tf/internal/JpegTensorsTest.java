package dev.annotate.tf.internal;

import dev.annotate.core.image.DecodedImage;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.Images;
import dev.annotate.core.image.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

final class JpegTensorsTest {

    private static JpegTensors jpeg;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        jpeg = new JpegTensors();
    }

    @AfterAll
    static void close() {
        jpeg.close();
    }

    /** Noise with an uneven size, so a wrong turn, mirror or channel order cannot go unnoticed. */
    private static BufferedImage noise(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Random random = new Random(w * 31L + h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return img;
    }

    /** What ImageIO and our EXIF handling give, as RGB bytes {@code [H, W, 3]}. */
    private static byte[] rgb(BufferedImage image) {
        byte[] out = new byte[image.getWidth() * image.getHeight() * 3];
        for (int y = 0, i = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++, i += 3) {
                int p = image.getRGB(x, y);
                out[i] = (byte) (p >> 16);
                out[i + 1] = (byte) (p >> 8);
                out[i + 2] = (byte) p;
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(ExifOrientation.class)
    void decode_givesImageIosPixels_inTheDisplayedFrame(ExifOrientation orientation) throws IOException {
        byte[] bytes = TestImages.withExifOrientation(TestImages.jpeg(noise(37, 22, BufferedImage.TYPE_3BYTE_BGR),
                0.9f), orientation.tag(), ByteOrder.LITTLE_ENDIAN);
        Path file = Files.write(dir.resolve("o" + orientation.tag() + ".jpg"), bytes);
        DecodedImage expected = Images.read(file);

        Optional<byte[]> pixels = jpeg.decode(bytes, orientation, t -> {
            assertEquals(org.tensorflow.ndarray.Shape.of(1, expected.image().getHeight(),
                    expected.image().getWidth(), 3), t.shape());
            byte[] out = new byte[(int) t.shape().size()];
            t.asRawTensor().data().read(out);
            return out;
        });

        assertArrayEquals(rgb(expected.image()), pixels.orElseThrow(), orientation.toString());
    }

    @Test
    void decode_grayscaleOrBrokenFiles_areLeftToImageIo() {
        byte[] gray = TestImages.jpeg(noise(16, 9, BufferedImage.TYPE_BYTE_GRAY), 0.9f);
        assertEquals(Optional.empty(), jpeg.decode(gray, ExifOrientation.NORMAL, t -> "used"));
        byte[] broken = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3};
        assertEquals(Optional.empty(), jpeg.decode(broken, ExifOrientation.NORMAL, t -> "used"));
    }
}
