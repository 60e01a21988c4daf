package dev.annotate.tf;

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

        Optional<byte[]> pixels = jpeg.decode(bytes, orientation, 1, t -> {
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
        assertEquals(Optional.empty(), jpeg.decode(gray, ExifOrientation.NORMAL, 1, t -> "used"));
        byte[] broken = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3};
        assertEquals(Optional.empty(), jpeg.decode(broken, ExifOrientation.NORMAL, 1, t -> "used"));
    }

    /**
     * At ratio r, libjpeg decodes ceil(side / r) of each side, each pixel close to the average of the r x r
     * full-size pixels it stands for (a smooth image, so JPEG's own loss stays small); with an EXIF orientation,
     * the same pixels turned.
     */
    @Test
    void decode_atARatio_givesAveragedPixels_turnedPerExif() throws IOException {
        BufferedImage smooth = new BufferedImage(203, 122, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < smooth.getHeight(); y++) {
            for (int x = 0; x < smooth.getWidth(); x++) {
                smooth.setRGB(x, y, (x * 255 / 203) << 16 | (y * 255 / 122) << 8 | 128);
            }
        }
        byte[] bytes = TestImages.jpeg(smooth, 0.95f);
        BufferedImage full = Images.read(Files.write(dir.resolve("smooth.jpg"), bytes)).image();
        int w = full.getWidth();
        int h = full.getHeight();
        byte[] full3 = rgb(full);
        for (int ratio : JpegTensors.RATIOS) {
            int dw = (w + ratio - 1) / ratio;
            int dh = (h + ratio - 1) / ratio;
            byte[] small = pixels(bytes, ExifOrientation.NORMAL, ratio);
            assertEquals(dw * dh * 3, small.length);
            for (int y = 0; y < h / ratio; y++) {
                for (int x = 0; x < w / ratio; x++) {
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int yy = 0; yy < ratio; yy++) {
                            for (int xx = 0; xx < ratio; xx++) {
                                sum += full3[((y * ratio + yy) * w + x * ratio + xx) * 3 + c] & 0xFF;
                            }
                        }
                        int got = small[(y * dw + x) * 3 + c] & 0xFF;
                        assertEquals(sum / (ratio * ratio), got, 4, "ratio " + ratio + " at " + x + "," + y);
                    }
                }
            }
            BufferedImage normal = new BufferedImage(dw, dh, BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0, i = 0; y < dh; y++) {
                for (int x = 0; x < dw; x++, i += 3) {
                    normal.setRGB(x, y, (small[i] & 0xFF) << 16 | (small[i + 1] & 0xFF) << 8 | small[i + 2] & 0xFF);
                }
            }
            for (ExifOrientation o : ExifOrientation.values()) {
                byte[] turned = pixels(TestImages.withExifOrientation(bytes, o.tag(), ByteOrder.BIG_ENDIAN), o, ratio);
                assertArrayEquals(rgb(o.apply(normal)), turned, o + " ratio " + ratio);
            }
        }
    }

    private static byte[] pixels(byte[] jpegFile, ExifOrientation orientation, int ratio) {
        return jpeg.decode(jpegFile, orientation, ratio, t -> {
            byte[] out = new byte[(int) t.shape().size()];
            t.asRawTensor().data().read(out);
            return out;
        }).orElseThrow();
    }

    @Test
    void ratio_isTheLargestThatKeepsTheSizeAsked() {
        assertEquals(8, JpegTensors.ratio(4000, 3000, 256, 256));
        assertEquals(4, JpegTensors.ratio(1024, 1024, 256, 256));
        assertEquals(2, JpegTensors.ratio(1024, 1023, 256, 256)); // 1023 / 4 < 256
        assertEquals(2, JpegTensors.ratio(1024, 768, 256, 256)); // 3 would do; libjpeg offers 2 or 4
        assertEquals(1, JpegTensors.ratio(300, 300, 256, 256));
        assertEquals(1, JpegTensors.ratio(100, 100, 256, 256));
        assertEquals(4, JpegTensors.ratio(6000, 1100, 640, 256)); // the scarcer side rules
    }
}
