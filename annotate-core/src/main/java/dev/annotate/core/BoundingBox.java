package dev.annotate.core;

import java.util.Optional;

/**
 * An axis-aligned box in pixel coordinates of the image as a person sees it (EXIF orientation applied).
 *
 * <p>Coordinates are continuous: {@code 0} is the left (top) edge of the image and {@code width}
 * ({@code height}) its right (bottom) edge, so a box covering the whole of a 640x480 image is
 * {@code (0, 0, 640, 480)}. A box may lie partly or wholly outside the image (models predict such boxes);
 * {@link #clamp(int, int)} brings it inside.
 *
 * <p>Conversions to other conventions are named for what they produce:
 * <ul>
 *   <li>{@link #toNormalized(int, int)} / {@link #fromNormalized(NormalizedBox, int, int)}: TensorFlow Object
 *       Detection API order {@code [ymin, xmin, ymax, xmax]} divided by the image size, with no pixel offset
 *       (as {@code create_pascal_tf_record.py} computes {@code xmin / width});</li>
 *   <li>{@link #toVocIntegers(int, int)} / {@link #fromVocIntegers(VocBox)}: the integers LabelImg writes into
 *       PASCAL VOC XML (truncated towards zero, {@code xmin} and {@code ymin} at least 1), read back with no
 *       offset, following the TF Object Detection API rather than the VOC devkit's 1-based pixel centres;</li>
 *   <li>{@link #toYoloCentre(int, int)} / {@link #fromYoloCentre(YoloBox, int, int)}: YOLO's normalised centre
 *       form.</li>
 * </ul>
 *
 * <pre>{@code
 * BoundingBox box = BoundingBox.of(10, 20, 110, 220);
 * NormalizedBox forTf = box.toNormalized(640, 480);   // ymin = 20 / 480.0, xmin = 10 / 640.0, ...
 * double overlap = box.iou(BoundingBox.of(60, 20, 160, 220));  // 1/3
 * }</pre>
 *
 * @param xmin left edge, pixels
 * @param ymin top edge, pixels
 * @param xmax right edge, pixels, at least {@code xmin}
 * @param ymax bottom edge, pixels, at least {@code ymin}
 */
public record BoundingBox(double xmin, double ymin, double xmax, double ymax) {

    /** Validates that every coordinate is finite and the corners are ordered. */
    public BoundingBox {
        requireFinite("xmin", xmin);
        requireFinite("ymin", ymin);
        requireFinite("xmax", xmax);
        requireFinite("ymax", ymax);
        if (xmin > xmax) {
            throw new IllegalArgumentException("xmin (" + xmin + ") must be <= xmax (" + xmax + ")");
        }
        if (ymin > ymax) {
            throw new IllegalArgumentException("ymin (" + ymin + ") must be <= ymax (" + ymax + ")");
        }
    }

    private static void requireFinite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " (" + value + ") must be a finite number");
        }
    }

    /** The box with these corners. */
    public static BoundingBox of(double xmin, double ymin, double xmax, double ymax) {
        return new BoundingBox(xmin, ymin, xmax, ymax);
    }

    /** The box with its top-left corner at {@code (x, y)} and the given size. */
    public static BoundingBox ofSize(double x, double y, double width, double height) {
        if (!(width >= 0) || !(height >= 0)) {
            throw new IllegalArgumentException("width (" + width + ") and height (" + height + ") must be >= 0");
        }
        return new BoundingBox(x, y, x + width, y + height);
    }

    /** {@code xmax - xmin}. */
    public double width() {
        return xmax - xmin;
    }

    /** {@code ymax - ymin}. */
    public double height() {
        return ymax - ymin;
    }

    /** Width times height; 0 for a degenerate box. */
    public double area() {
        return width() * height();
    }

    /** The overlap of both boxes, or empty when they do not overlap with positive area. */
    public Optional<BoundingBox> intersection(BoundingBox other) {
        double x1 = Math.max(xmin, other.xmin);
        double y1 = Math.max(ymin, other.ymin);
        double x2 = Math.min(xmax, other.xmax);
        double y2 = Math.min(ymax, other.ymax);
        if (x2 <= x1 || y2 <= y1) {
            return Optional.empty();
        }
        return Optional.of(new BoundingBox(x1, y1, x2, y2));
    }

    /**
     * The overlap's area over the smaller box's area, in {@code [0, 1]}: 1 when one box lies inside the other, 0 when
     * they do not overlap or either has no area.
     */
    public double overlapOfSmaller(BoundingBox other) {
        double smaller = Math.min(area(), other.area());
        return smaller <= 0 ? 0 : Math.min(1, intersection(other).map(BoundingBox::area).orElse(0.0) / smaller);
    }

    /** The smallest box holding both. */
    public BoundingBox span(BoundingBox other) {
        return new BoundingBox(Math.min(xmin, other.xmin), Math.min(ymin, other.ymin), Math.max(xmax, other.xmax),
                Math.max(ymax, other.ymax));
    }

    /**
     * Intersection over union, in {@code [0, 1]}; 0 when either box has no area.
     */
    public double iou(BoundingBox other) {
        return iou(xmin, ymin, xmax, ymax, other.xmin, other.ymin, other.xmax, other.ymax);
    }

    /** Intersection over union of two boxes given by their corners; see {@link #iou(BoundingBox)}. */
    public static double iou(double ax1, double ay1, double ax2, double ay2,
                             double bx1, double by1, double bx2, double by2) {
        double iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
        double ih = Math.min(ay2, by2) - Math.max(ay1, by1);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        double union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return union <= 0 ? 0 : Math.min(1, inter / union);
    }

    /** This box limited to {@code [0, width] x [0, height]}; a box wholly outside collapses onto the border. */
    public BoundingBox clamp(int width, int height) {
        requireImageSize(width, height);
        return new BoundingBox(
                clamp(xmin, width), clamp(ymin, height), clamp(xmax, width), clamp(ymax, height));
    }

    private static double clamp(double v, int max) {
        return Math.min(Math.max(v, 0), max);
    }

    /** Whether the box lies within {@code [0, width] x [0, height]}. */
    public boolean isInside(int width, int height) {
        return xmin >= 0 && ymin >= 0 && xmax <= width && ymax <= height;
    }

    /** The box moved by {@code (dx, dy)}. */
    public BoundingBox translate(double dx, double dy) {
        return new BoundingBox(xmin + dx, ymin + dy, xmax + dx, ymax + dy);
    }

    /** The box with x coordinates multiplied by {@code sx} and y by {@code sy} (both positive). */
    public BoundingBox scale(double sx, double sy) {
        if (!(sx > 0) || !(sy > 0) || Double.isInfinite(sx) || Double.isInfinite(sy)) {
            throw new IllegalArgumentException("scale factors (" + sx + ", " + sy + ") must be positive and finite");
        }
        return new BoundingBox(xmin * sx, ymin * sy, xmax * sx, ymax * sy);
    }

    // ---- TensorFlow Object Detection API: normalised [ymin, xmin, ymax, xmax] ----

    /**
     * This box divided by the image size, in the TF Object Detection API's {@code [ymin, xmin, ymax, xmax]}
     * order, with no pixel offset. Not clamped: call {@link #clamp(int, int)} first for {@code [0, 1]} values.
     */
    public NormalizedBox toNormalized(int width, int height) {
        requireImageSize(width, height);
        return new NormalizedBox(ymin / height, xmin / width, ymax / height, xmax / width);
    }

    /** The pixel box of a normalised TF box in an image of the given size; exact inverse of {@link #toNormalized}. */
    public static BoundingBox fromNormalized(NormalizedBox box, int width, int height) {
        requireImageSize(width, height);
        return new BoundingBox(box.xmin() * width, box.ymin() * height, box.xmax() * width, box.ymax() * height);
    }

    // ---- PASCAL VOC integers, as LabelImg writes them ----

    /**
     * The integer corners LabelImg would write for this box in an image of the given size.
     *
     * <p>The box is first clamped to the image, then each corner is truncated towards zero as LabelImg's
     * {@code int()} does, and {@code xmin}/{@code ymin} are raised to at least 1 (LabelImg's guard against
     * 0-valued coordinates). Where that would put a max corner below its min corner (a box narrower than one
     * pixel at the left or top edge) the max corner is raised to the min corner. Round trip:
     * {@code fromVocIntegers(b.toVocIntegers(w, h))} lies within 1 pixel of {@code b.clamp(w, h)} on every side.
     */
    public VocBox toVocIntegers(int width, int height) {
        BoundingBox c = clamp(width, height);
        int x1 = Math.max(1, (int) c.xmin);
        int y1 = Math.max(1, (int) c.ymin);
        int x2 = Math.max(x1, (int) c.xmax);
        int y2 = Math.max(y1, (int) c.ymax);
        return new VocBox(x1, y1, x2, y2);
    }

    /**
     * Whether this box reaches the border of an image of the given size, by LabelImg's rule on the integers it
     * writes ({@link #toVocIntegers(int, int)}: {@code xmin} or {@code ymin} 1, {@code xmax} the width or
     * {@code ymax} the height). A box past the border reaches it. Every writer marks such a box truncated
     * ({@link Annotation#fittedTo(int, int)}).
     */
    public boolean reachesBorder(int width, int height) {
        VocBox v = toVocIntegers(width, height);
        return v.xmin() == 1 || v.ymin() == 1 || v.xmax() == width || v.ymax() == height;
    }

    /**
     * The pixel box for VOC integer corners: each integer is taken as the pixel coordinate itself, with no
     * offset (the TF Object Detection API's convention, see the class comment).
     */
    public static BoundingBox fromVocIntegers(VocBox box) {
        return new BoundingBox(box.xmin(), box.ymin(), box.xmax(), box.ymax());
    }

    // ---- YOLO: normalised centre and size ----

    /** This box as YOLO's normalised centre form for an image of the given size. Not clamped. */
    public YoloBox toYoloCentre(int width, int height) {
        requireImageSize(width, height);
        return new YoloBox(
                (xmin + xmax) / 2 / width, (ymin + ymax) / 2 / height, width() / width, height() / height);
    }

    /** The pixel box of a YOLO centre-form box in an image of the given size. */
    public static BoundingBox fromYoloCentre(YoloBox box, int width, int height) {
        requireImageSize(width, height);
        double cx = box.centreX() * width;
        double cy = box.centreY() * height;
        double hw = box.width() * width / 2;
        double hh = box.height() * height / 2;
        return new BoundingBox(cx - hw, cy - hh, cx + hw, cy + hh);
    }

    static void requireImageSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "image size (" + width + "x" + height + ") must be positive in both dimensions");
        }
    }
}
