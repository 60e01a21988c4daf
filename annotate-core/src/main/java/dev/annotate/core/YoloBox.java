package dev.annotate.core;

/**
 * A box in YOLO's label form: centre and size divided by the image size.
 *
 * <p>Produced by {@link BoundingBox#toYoloCentre(int, int)}; turned back into pixels by
 * {@link BoundingBox#fromYoloCentre(YoloBox, int, int)}.
 *
 * @param centreX horizontal centre / image width
 * @param centreY vertical centre / image height
 * @param width box width / image width, at least 0
 * @param height box height / image height, at least 0
 */
public record YoloBox(double centreX, double centreY, double width, double height) {

    /** Validates that the values are finite and the size is not negative. */
    public YoloBox {
        if (!Double.isFinite(centreX) || !Double.isFinite(centreY)) {
            throw new IllegalArgumentException(
                    "centre (" + centreX + ", " + centreY + ") must be finite");
        }
        if (!(width >= 0) || !(height >= 0) || Double.isInfinite(width) || Double.isInfinite(height)) {
            throw new IllegalArgumentException(
                    "width (" + width + ") and height (" + height + ") must be finite and >= 0");
        }
    }
}
