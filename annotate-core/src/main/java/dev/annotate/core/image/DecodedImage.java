package dev.annotate.core.image;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A decoded image in the displayed frame, ready for a detector.
 *
 * @param image the pixels as {@link BufferedImage#TYPE_3BYTE_BGR}, EXIF orientation already applied
 * @param header the file's header: format, stored size and orientation
 * @param depth 1 when the file is grayscale, 3 otherwise (what LabelImg writes as VOC {@code <depth>})
 * @param subsampling 1 for every pixel; {@code s} when only every s-th pixel of every s-th row was decoded
 *     ({@link Images#read(Path, long, int, int)}), so that decoded pixel {@code i} is full-size pixel {@code i * s}
 */
public record DecodedImage(BufferedImage image, ImageHeader header, int depth, int subsampling) {

    /** A fully decoded image. */
    public DecodedImage(BufferedImage image, ImageHeader header, int depth) {
        this(image, header, depth, 1);
    }

    /** Validates that the pixels are BGR bytes in the displayed frame of the header. */
    public DecodedImage {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(header, "header");
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            throw new IllegalArgumentException("image must be TYPE_3BYTE_BGR, got type " + image.getType());
        }
        if (subsampling < 1) {
            throw new IllegalArgumentException("subsampling (" + subsampling + ") must be >= 1");
        }
        int w = (header.width() + subsampling - 1) / subsampling;
        int h = (header.height() + subsampling - 1) / subsampling;
        if (image.getWidth() != w || image.getHeight() != h) {
            throw new IllegalArgumentException("image is " + image.getWidth() + "x" + image.getHeight()
                    + " but the header's displayed size " + header.width() + "x" + header.height()
                    + " subsampled by " + subsampling + " is " + w + "x" + h);
        }
        if (depth != 1 && depth != 3) {
            throw new IllegalArgumentException("depth (" + depth + ") must be 1 or 3");
        }
    }

    /** Displayed width of the decoded pixels (the full width divided by the subsampling, rounded up). */
    public int width() {
        return image.getWidth();
    }

    /** Displayed height. */
    public int height() {
        return image.getHeight();
    }
}
