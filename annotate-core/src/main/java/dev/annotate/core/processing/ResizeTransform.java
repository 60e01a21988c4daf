package dev.annotate.core.processing;

import dev.annotate.core.BoundingBox;

/**
 * The geometry of fitting a source image into a model's fixed input: where the source's content lands and how
 * to map boxes back exactly.
 *
 * <p>The content is resized to {@code contentWidth x contentHeight} pixels and placed with its top-left corner
 * at {@code (padLeft, padTop)}; the rest of the input is padding. So an input coordinate is
 * {@code padLeft + x * contentWidth / sourceWidth}, and {@link #toSource(BoundingBox)} inverts that exactly
 * (not with a rounded gain, which shifts boxes by up to a pixel).
 *
 * <ul>
 *   <li>{@link #letterbox(int, int, int, int, boolean)}: aspect ratio kept, centred, as Ultralytics YOLO
 *       exports expect (their rounding: content size rounded half to even, offsets {@code round(pad/2 - 0.1)});</li>
 *   <li>{@link #stretch(int, int, int, int)}: both axes scaled independently to fill the input, as TF Object
 *       Detection API and RT-DETR pre-processing do.</li>
 * </ul>
 *
 * <pre>{@code
 * ResizeTransform t = ResizeTransform.letterbox(1024, 768, 640, 640, true);  // content 640x480 at (0, 80)
 * BoundingBox inOriginal = t.toSource(boxInModelInput);
 * }</pre>
 *
 * @param sourceWidth width of the source image
 * @param sourceHeight height of the source image
 * @param targetWidth width of the model input
 * @param targetHeight height of the model input
 * @param contentWidth width the source is resized to inside the input
 * @param contentHeight height the source is resized to inside the input
 * @param padLeft input columns left of the content
 * @param padTop input rows above the content
 */
public record ResizeTransform(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight,
                              int contentWidth, int contentHeight, int padLeft, int padTop) {

    /** Validates that the content lies inside the target and every size is positive. */
    public ResizeTransform {
        positive("source", sourceWidth, sourceHeight);
        positive("target", targetWidth, targetHeight);
        positive("content", contentWidth, contentHeight);
        if (padLeft < 0 || padTop < 0 || padLeft + contentWidth > targetWidth
                || padTop + contentHeight > targetHeight) {
            throw new IllegalArgumentException("content " + contentWidth + "x" + contentHeight + " at (" + padLeft
                    + ", " + padTop + ") does not fit the target " + targetWidth + "x" + targetHeight);
        }
    }

    private static void positive(String what, int w, int h) {
        if (w < 1 || h < 1) {
            throw new IllegalArgumentException(what + " size (" + w + "x" + h + ") must be at least 1x1");
        }
    }

    /**
     * Keeps the aspect ratio and centres the content, as Ultralytics' {@code LetterBox}.
     *
     * @param allowScaleUp whether a source smaller than the target is enlarged (otherwise it is only padded)
     */
    public static ResizeTransform letterbox(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight,
                                            boolean allowScaleUp) {
        positive("source", sourceWidth, sourceHeight);
        positive("target", targetWidth, targetHeight);
        double r = Math.min((double) targetWidth / sourceWidth, (double) targetHeight / sourceHeight);
        if (!allowScaleUp) {
            r = Math.min(r, 1.0);
        }
        // Python's round() rounds half to even, as Math.rint does.
        int cw = clamp((int) Math.rint(sourceWidth * r), targetWidth);
        int ch = clamp((int) Math.rint(sourceHeight * r), targetHeight);
        int left = (int) Math.rint((targetWidth - cw) / 2.0 - 0.1);
        int top = (int) Math.rint((targetHeight - ch) / 2.0 - 0.1);
        return new ResizeTransform(sourceWidth, sourceHeight, targetWidth, targetHeight, cw, ch,
                Math.max(0, left), Math.max(0, top));
    }

    private static int clamp(int size, int max) {
        return Math.max(1, Math.min(size, max));
    }

    /** Scales each axis independently to fill the target. */
    public static ResizeTransform stretch(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight) {
        return new ResizeTransform(sourceWidth, sourceHeight, targetWidth, targetHeight, targetWidth, targetHeight,
                0, 0);
    }

    /** Horizontal scale from source to input pixels. */
    public double scaleX() {
        return (double) contentWidth / sourceWidth;
    }

    /** Vertical scale from source to input pixels. */
    public double scaleY() {
        return (double) contentHeight / sourceHeight;
    }

    /** A box in source pixels mapped into the model input. */
    public BoundingBox toTarget(BoundingBox source) {
        return source.scale(scaleX(), scaleY()).translate(padLeft, padTop);
    }

    /** A box in model-input pixels mapped back to source pixels; exact inverse of {@link #toTarget}. Not clamped. */
    public BoundingBox toSource(BoundingBox target) {
        double sx = (double) sourceWidth / contentWidth;
        double sy = (double) sourceHeight / contentHeight;
        return new BoundingBox((target.xmin() - padLeft) * sx, (target.ymin() - padTop) * sy,
                (target.xmax() - padLeft) * sx, (target.ymax() - padTop) * sy);
    }
}
