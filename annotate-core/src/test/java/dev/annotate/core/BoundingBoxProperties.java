package dev.annotate.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class BoundingBoxProperties {

    /** Relative tolerance of a double round trip through one multiplication and one division. */
    private static final double EPS = 1e-9;

    @Provide
    Arbitrary<BoundingBox> boxes() {
        Arbitrary<Double> coord = Arbitraries.doubles().between(-5000, 5000);
        Arbitrary<Double> size = Arbitraries.doubles().between(0, 5000);
        return Combinators.combine(coord, coord, size, size).as(BoundingBox::ofSize);
    }

    @Provide
    Arbitrary<Integer> sides() {
        return Arbitraries.integers().between(1, 10_000);
    }

    @Property
    void normalized_roundTrip_isIdentity(@ForAll("boxes") BoundingBox box, @ForAll("sides") int w,
                                         @ForAll("sides") int h) {
        assertClose(box, BoundingBox.fromNormalized(box.toNormalized(w, h), w, h));
    }

    @Property
    void normalized_order_isYminXminYmaxXmax(@ForAll("boxes") BoundingBox box, @ForAll("sides") int w,
                                             @ForAll("sides") int h) {
        NormalizedBox n = box.toNormalized(w, h);
        assertEquals(box.ymin() / h, n.ymin());
        assertEquals(box.xmin() / w, n.xmin());
        assertEquals(box.ymax() / h, n.ymax());
        assertEquals(box.xmax() / w, n.xmax());
    }

    @Property
    void yoloCentre_roundTrip_isIdentity(@ForAll("boxes") BoundingBox box, @ForAll("sides") int w,
                                         @ForAll("sides") int h) {
        assertClose(box, BoundingBox.fromYoloCentre(box.toYoloCentre(w, h), w, h));
    }

    @Property
    void vocIntegers_roundTrip_isWithinOnePixelOfClampedBox(@ForAll("boxes") BoundingBox box,
                                                             @ForAll("sides") int w, @ForAll("sides") int h) {
        BoundingBox clamped = box.clamp(w, h);
        VocBox voc = box.toVocIntegers(w, h);
        BoundingBox back = BoundingBox.fromVocIntegers(voc);
        assertTrue(voc.xmin() >= 1 && voc.ymin() >= 1, () -> "LabelImg never writes 0: " + voc);
        assertTrue(Math.abs(back.xmin() - clamped.xmin()) <= 1, () -> clamped + " -> " + voc);
        assertTrue(Math.abs(back.ymin() - clamped.ymin()) <= 1, () -> clamped + " -> " + voc);
        assertTrue(Math.abs(back.xmax() - clamped.xmax()) <= 1, () -> clamped + " -> " + voc);
        assertTrue(Math.abs(back.ymax() - clamped.ymax()) <= 1, () -> clamped + " -> " + voc);
    }

    @Property
    void vocIntegers_ofIntegerBoxInsideImage_roundTripExactly(@ForAll @IntRange(min = 1, max = 4000) int x1,
                                                               @ForAll @IntRange(min = 1, max = 4000) int y1,
                                                               @ForAll @IntRange(min = 0, max = 4000) int bw,
                                                               @ForAll @IntRange(min = 0, max = 4000) int bh) {
        VocBox voc = new VocBox(x1, y1, x1 + bw, y1 + bh);
        assertEquals(voc, BoundingBox.fromVocIntegers(voc).toVocIntegers(8001, 8001));
    }

    @Property
    void iou_isSymmetricAndWithinUnitInterval(@ForAll("boxes") BoundingBox a, @ForAll("boxes") BoundingBox b) {
        double ab = a.iou(b);
        assertEquals(ab, b.iou(a), 1e-12);
        assertTrue(ab >= 0 && ab <= 1, () -> "iou " + ab);
    }

    @Property
    void iou_withItself_isOneForPositiveArea(@ForAll("boxes") BoundingBox a) {
        if (a.area() > 0) {
            assertEquals(1.0, a.iou(a), 1e-12);
        }
    }

    @Property
    void clamp_isInsideAndIdempotent(@ForAll("boxes") BoundingBox box, @ForAll("sides") int w,
                                     @ForAll("sides") int h) {
        BoundingBox c = box.clamp(w, h);
        assertTrue(c.isInside(w, h), () -> c + " outside " + w + "x" + h);
        assertEquals(c, c.clamp(w, h));
    }

    /** The one rule every writer follows (#32): inside the image, truncated exactly at the border, stable. */
    @Property
    void fittedTo_isInside_truncatedAtTheBorder_andIdempotent(@ForAll("boxes") BoundingBox box,
                                                               @ForAll("sides") int w, @ForAll("sides") int h,
                                                               @ForAll boolean truncated) {
        Annotation a = Annotation.of("x", box).withFlags(false, truncated);
        Annotation f = a.fittedTo(w, h);
        assertEquals(box.clamp(w, h), f.box());
        assertEquals(truncated || box.reachesBorder(w, h), f.truncated(), () -> box + " in " + w + "x" + h);
        assertEquals(f, f.fittedTo(w, h));
        if (box.isInside(w, h) && !box.reachesBorder(w, h)) {
            assertEquals(a, f, "a box clear of the border is written as it is");
        }
    }

    static void assertClose(BoundingBox expected, BoundingBox actual) {
        double tol = EPS * Math.max(1, Math.max(Math.abs(expected.xmin()) + Math.abs(expected.xmax()),
                Math.abs(expected.ymin()) + Math.abs(expected.ymax())));
        assertEquals(expected.xmin(), actual.xmin(), tol, () -> expected + " vs " + actual);
        assertEquals(expected.ymin(), actual.ymin(), tol, () -> expected + " vs " + actual);
        assertEquals(expected.xmax(), actual.xmax(), tol, () -> expected + " vs " + actual);
        assertEquals(expected.ymax(), actual.ymax(), tol, () -> expected + " vs " + actual);
    }
}
