package dev.annotate.core;

/**
 * The integer corners of a PASCAL VOC {@code <bndbox>} as LabelImg writes them.
 *
 * <p>Produced by {@link BoundingBox#toVocIntegers(int, int)}, which documents the rounding; read back by
 * {@link BoundingBox#fromVocIntegers(VocBox)}.
 *
 * @param xmin {@code <xmin>}
 * @param ymin {@code <ymin>}
 * @param xmax {@code <xmax>}, at least {@code xmin}
 * @param ymax {@code <ymax>}, at least {@code ymin}
 */
public record VocBox(int xmin, int ymin, int xmax, int ymax) {

    /** Validates that the corners are ordered. */
    public VocBox {
        if (xmin > xmax) {
            throw new IllegalArgumentException("xmin (" + xmin + ") must be <= xmax (" + xmax + ")");
        }
        if (ymin > ymax) {
            throw new IllegalArgumentException("ymin (" + ymin + ") must be <= ymax (" + ymax + ")");
        }
    }
}
