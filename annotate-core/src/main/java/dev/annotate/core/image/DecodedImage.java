package dev.annotate.core.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * A decoded image in the displayed frame, ready for a detector.
 *
 * @param image the pixels as {@link BufferedImage#TYPE_3BYTE_BGR}, EXIF orientation already applied
 * @param header the file's header: format, stored size and orientation
 * @param depth 1 when the file is grayscale, 3 otherwise (what LabelImg writes as VOC {@code <depth>})
 */
public record DecodedImage(BufferedImage image, ImageHeader header, int depth) {

    /** Validates that the pixels are BGR bytes in the displayed frame of the header. */
    public DecodedImage {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(header, "header");
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            throw new IllegalArgumentException("image must be TYPE_3BYTE_BGR, got type " + image.getType());
        }
        if (image.getWidth() != header.width() || image.getHeight() != header.height()) {
            throw new IllegalArgumentException("image is " + image.getWidth() + "x" + image.getHeight()
                    + " but the header's displayed size is " + header.width() + "x" + header.height());
        }
        if (depth != 1 && depth != 3) {
            throw new IllegalArgumentException("depth (" + depth + ") must be 1 or 3");
        }
    }

    /** Displayed width. */
    public int width() {
        return image.getWidth();
    }

    /** Displayed height. */
    public int height() {
        return image.getHeight();
    }
}
