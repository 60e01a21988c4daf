package dev.annotate.core.image;

import dev.annotate.core.FormatException;

import java.nio.file.Path;

/**
 * An image whose header announces more pixels than the configured limit; thrown before any pixel memory is
 * allocated. The limit is {@link Images#DEFAULT_MAX_PIXELS} unless the caller passes another one
 * ({@code DetectorOptions.maxPixels} for detectors).
 */
public class ImageTooLargeException extends FormatException {

    private static final long serialVersionUID = 1L;

    private final int width;
    private final int height;
    private final long maxPixels;

    /**
     * @param file the image
     * @param width width from the header
     * @param height height from the header
     * @param maxPixels the limit in force
     */
    public ImageTooLargeException(Path file, int width, int height, long maxPixels) {
        super(file, "header", "image is " + width + "x" + height + " = " + ((long) width * height)
                + " pixels, more than the limit of " + maxPixels + " (raise maxPixels to read it)");
        this.width = width;
        this.height = height;
        this.maxPixels = maxPixels;
    }

    /** Width from the header. */
    public int width() {
        return width;
    }

    /** Height from the header. */
    public int height() {
        return height;
    }

    /** The limit that was exceeded. */
    public long maxPixels() {
        return maxPixels;
    }
}
