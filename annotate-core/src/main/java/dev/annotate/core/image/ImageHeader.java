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

    /** Number of pixels. */
    public long pixels() {
        return (long) storedWidth * storedHeight;
    }
}
