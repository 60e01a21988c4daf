package dev.annotate.core.image;

import dev.annotate.core.BoundingBox;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * The eight values of the EXIF {@code Orientation} tag: how the stored pixels must be turned to show the image
 * as the camera held it.
 *
 * <p>LabelImg 1.8.4 and later, browsers and phones show the turned image; TensorFlow's {@code decode_jpeg}, older
 * tools and plain {@code ImageIO} show the stored pixels. This library annotates in the displayed frame and uses
 * this type to move boxes and pixels between the two frames exactly. Coordinates are continuous (see
 * {@link BoundingBox}), so a mirror maps {@code x} to {@code width - x}.
 *
 * <pre>{@code
 * ExifOrientation o = ExifOrientation.fromTag(6);                 // ROTATE_90_CW
 * BoundingBox shown = o.toDisplayed(storedBox, storedWidth, storedHeight);
 * }</pre>
 */
public enum ExifOrientation {
    /** 1: stored as displayed. */
    NORMAL(1),
    /** 2: stored mirrored left to right. */
    MIRROR_HORIZONTAL(2),
    /** 3: stored upside down. */
    ROTATE_180(3),
    /** 4: stored mirrored top to bottom. */
    MIRROR_VERTICAL(4),
    /** 5: stored transposed (rows are displayed columns). */
    TRANSPOSE(5),
    /** 6: display by rotating the stored pixels 90 degrees clockwise (the usual portrait phone photo). */
    ROTATE_90_CW(6),
    /** 7: stored transposed along the anti-diagonal. */
    TRANSVERSE(7),
    /** 8: display by rotating the stored pixels 90 degrees counter-clockwise. */
    ROTATE_270_CW(8);

    private static final ExifOrientation[] BY_TAG = values();

    private final int tag;

    ExifOrientation(int tag) {
        this.tag = tag;
    }

    /** The EXIF tag value, 1 to 8. */
    public int tag() {
        return tag;
    }

    /**
     * The orientation for an EXIF tag value. Values outside 1..8, which some cameras write, mean
     * {@link #NORMAL}, as in every common viewer.
     */
    public static ExifOrientation fromTag(int tag) {
        return tag >= 1 && tag <= 8 ? BY_TAG[tag - 1] : NORMAL;
    }

    /** Whether displayed width is the stored height (orientations 5 to 8). */
    public boolean swapsAxes() {
        return tag >= 5;
    }

    /** The displayed width of an image stored with this size. */
    public int displayedWidth(int storedWidth, int storedHeight) {
        return swapsAxes() ? storedHeight : storedWidth;
    }

    /** The displayed height of an image stored with this size. */
    public int displayedHeight(int storedWidth, int storedHeight) {
        return swapsAxes() ? storedWidth : storedHeight;
    }

    /** Maps a box in stored-pixel coordinates to the displayed frame. */
    public BoundingBox toDisplayed(BoundingBox stored, int storedWidth, int storedHeight) {
        double w = storedWidth;
        double h = storedHeight;
        double x1 = stored.xmin();
        double y1 = stored.ymin();
        double x2 = stored.xmax();
        double y2 = stored.ymax();
        return switch (this) {
            case NORMAL -> stored;
            case MIRROR_HORIZONTAL -> box(w - x1, y1, w - x2, y2);
            case ROTATE_180 -> box(w - x1, h - y1, w - x2, h - y2);
            case MIRROR_VERTICAL -> box(x1, h - y1, x2, h - y2);
            case TRANSPOSE -> box(y1, x1, y2, x2);
            case ROTATE_90_CW -> box(h - y1, x1, h - y2, x2);
            case TRANSVERSE -> box(h - y1, w - x1, h - y2, w - x2);
            case ROTATE_270_CW -> box(y1, w - x1, y2, w - x2);
        };
    }

    /** Maps a box in the displayed frame back to stored-pixel coordinates; inverse of {@link #toDisplayed}. */
    public BoundingBox toStored(BoundingBox displayed, int storedWidth, int storedHeight) {
        double w = storedWidth;
        double h = storedHeight;
        double x1 = displayed.xmin();
        double y1 = displayed.ymin();
        double x2 = displayed.xmax();
        double y2 = displayed.ymax();
        return switch (this) {
            case NORMAL -> displayed;
            case MIRROR_HORIZONTAL -> box(w - x1, y1, w - x2, y2);
            case ROTATE_180 -> box(w - x1, h - y1, w - x2, h - y2);
            case MIRROR_VERTICAL -> box(x1, h - y1, x2, h - y2);
            case TRANSPOSE -> box(y1, x1, y2, x2);
            case ROTATE_90_CW -> box(y1, h - x1, y2, h - x2);
            case TRANSVERSE -> box(w - y1, h - x1, w - y2, h - x2);
            case ROTATE_270_CW -> box(w - y1, x1, w - y2, x2);
        };
    }

    /** The box spanned by two opposite corners given in any order. */
    private static BoundingBox box(double xa, double ya, double xb, double yb) {
        return new BoundingBox(Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb));
    }

    /**
     * The displayed image for stored pixels. Returns {@code stored} itself for {@link #NORMAL}; otherwise a
     * new {@link BufferedImage#TYPE_3BYTE_BGR} image.
     *
     * @param stored a {@link BufferedImage#TYPE_3BYTE_BGR} image as decoded from the file
     */
    public BufferedImage apply(BufferedImage stored) {
        if (this == NORMAL) {
            return stored;
        }
        if (stored.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            throw new IllegalArgumentException(
                    "expected a TYPE_3BYTE_BGR image, got type " + stored.getType());
        }
        int sw = stored.getWidth();
        int sh = stored.getHeight();
        int dw = displayedWidth(sw, sh);
        int dh = displayedHeight(sw, sh);
        BufferedImage out = new BufferedImage(dw, dh, BufferedImage.TYPE_3BYTE_BGR);
        byte[] src = ((DataBufferByte) stored.getRaster().getDataBuffer()).getData();
        byte[] dst = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int d = 0;
        for (int dy = 0; dy < dh; dy++) {
            for (int dx = 0; dx < dw; dx++) {
                int sx;
                int sy;
                switch (this) {
                    case MIRROR_HORIZONTAL -> { sx = sw - 1 - dx; sy = dy; }
                    case ROTATE_180 -> { sx = sw - 1 - dx; sy = sh - 1 - dy; }
                    case MIRROR_VERTICAL -> { sx = dx; sy = sh - 1 - dy; }
                    case TRANSPOSE -> { sx = dy; sy = dx; }
                    case ROTATE_90_CW -> { sx = dy; sy = sh - 1 - dx; }
                    case TRANSVERSE -> { sx = sw - 1 - dy; sy = sh - 1 - dx; }
                    case ROTATE_270_CW -> { sx = sw - 1 - dy; sy = dx; }
                    default -> throw new AssertionError(this);
                }
                int s = (sy * sw + sx) * 3;
                dst[d++] = src[s];
                dst[d++] = src[s + 1];
                dst[d++] = src[s + 2];
            }
        }
        return out;
    }
}
