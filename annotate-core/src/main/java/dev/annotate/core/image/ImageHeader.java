package dev.annotate.core.image;

import java.util.Objects;

/**
 * What an image file's header says, read without decoding its pixels.
 *
 * @param format the decoder's format name in lower case: {@code jpeg}, {@code png}, {@code gif}, {@code bmp}, ...
 * @param storedWidth width of the pixels as stored in the file
 * @param storedHeight height of the pixels as stored in the file
 * @param orientation the EXIF orientation ({@link ExifOrientation#NORMAL} when the file has none)
 */
public record ImageHeader(String format, int storedWidth, int storedHeight, ExifOrientation orientation) {

    /** Validates the components. */
    public ImageHeader {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(orientation, "orientation");
        if (storedWidth < 1 || storedHeight < 1) {
            throw new IllegalArgumentException(
                    "image size (" + storedWidth + "x" + storedHeight + ") must be at least 1x1");
        }
    }

    /** Width as a person sees the image (EXIF orientation applied). */
    public int width() {
        return orientation.displayedWidth(storedWidth, storedHeight);
    }

    /** Height as a person sees the image (EXIF orientation applied). */
    public int height() {
        return orientation.displayedHeight(storedWidth, storedHeight);
    }

    /**
     * A box found in this image decoded at {@code 1 / scale} of its size (every scale-th pixel of every scale-th row,
     * or scale x scale pixels averaged, as libjpeg's scaled decoding gives them: {@code ceil(side / scale)} of each
     * side), both in the displayed frame, as a box in the full-size displayed frame. Reduced stored pixel k stands
     * for full stored pixels {@code [k scale, (k + 1) scale)}: the scaling is done in the stored frame, where both
     * grids start together (in the displayed frame of a turned or mirrored image they do not, when a side is not a
     * multiple of the scale), then clamped to the image.
     */
    public dev.annotate.core.BoundingBox fromReduced(dev.annotate.core.BoundingBox box, int scale) {
        if (scale == 1) {
            return box;
        }
        ImageHeader reduced = reduced(scale);
        dev.annotate.core.BoundingBox stored = orientation.toStored(box, reduced.storedWidth, reduced.storedHeight)
                .scale(scale, scale).clamp(storedWidth, storedHeight);
        return orientation.toDisplayed(stored, storedWidth, storedHeight);
    }

    /**
     * The header of this image decoded at {@code 1 / scale} of its size: {@code ceil(side / scale)} of each stored
     * side, as subsampled reading and libjpeg's scaled decoding give, same format and orientation.
     */
    public ImageHeader reduced(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale (" + scale + ") must be >= 1");
        }
        return new ImageHeader(format, (storedWidth + scale - 1) / scale, (storedHeight + scale - 1) / scale,
                orientation);
    }

    /** Number of pixels. */
    public long pixels() {
        return (long) storedWidth * storedHeight;
    }
}
