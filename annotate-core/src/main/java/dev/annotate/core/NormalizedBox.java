package dev.annotate.core;

/**
 * A box as the TensorFlow Object Detection API stores it: corners divided by the image size, in
 * {@code [ymin, xmin, ymax, xmax]} order, usually (not necessarily) in {@code [0, 1]}.
 *
 * <p>Produced by {@link BoundingBox#toNormalized(int, int)}; turned back into pixels by
 * {@link BoundingBox#fromNormalized(NormalizedBox, int, int)}.
 *
 * @param ymin top edge / image height
 * @param xmin left edge / image width
 * @param ymax bottom edge / image height
 * @param xmax right edge / image width
 */
public record NormalizedBox(double ymin, double xmin, double ymax, double xmax) {

    /** Validates that the corners are finite and ordered. */
    public NormalizedBox {
        new BoundingBox(xmin, ymin, xmax, ymax); // same validation and messages as pixel boxes
    }
}
