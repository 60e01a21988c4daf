package dev.annotate.core.processing;

import dev.annotate.core.BoundingBox;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class ResizeTransformProperties {

    private static final double TOLERANCE_PX = 1e-6;

    @Provide
    Arbitrary<BoundingBox> boxes() {
        Arbitrary<Double> coord = Arbitraries.doubles().between(-100, 5000);
        Arbitrary<Double> size = Arbitraries.doubles().between(0, 5000);
        return Combinators.combine(coord, coord, size, size).as(BoundingBox::ofSize);
    }

    @Property
    void letterbox_forwardThenInverse_isIdentity(@ForAll("boxes") BoundingBox box,
                                                 @ForAll @IntRange(min = 1, max = 5000) int sw,
                                                 @ForAll @IntRange(min = 1, max = 5000) int sh,
                                                 @ForAll @IntRange(min = 1, max = 1280) int tw,
                                                 @ForAll @IntRange(min = 1, max = 1280) int th,
                                                 @ForAll boolean scaleUp) {
        ResizeTransform t = ResizeTransform.letterbox(sw, sh, tw, th, scaleUp);
        assertWithin(box, t.toSource(t.toTarget(box)));
    }

    @Property
    void stretch_forwardThenInverse_isIdentity(@ForAll("boxes") BoundingBox box,
                                               @ForAll @IntRange(min = 1, max = 5000) int sw,
                                               @ForAll @IntRange(min = 1, max = 5000) int sh,
                                               @ForAll @IntRange(min = 1, max = 1280) int tw,
                                               @ForAll @IntRange(min = 1, max = 1280) int th) {
        ResizeTransform t = ResizeTransform.stretch(sw, sh, tw, th);
        assertWithin(box, t.toSource(t.toTarget(box)));
    }

    @Property
    void letterbox_mapsTheWholeSourceOntoTheContentArea(@ForAll @IntRange(min = 1, max = 5000) int sw,
                                                        @ForAll @IntRange(min = 1, max = 5000) int sh,
                                                        @ForAll @IntRange(min = 1, max = 1280) int tw,
                                                        @ForAll @IntRange(min = 1, max = 1280) int th,
                                                        @ForAll boolean scaleUp) {
        ResizeTransform t = ResizeTransform.letterbox(sw, sh, tw, th, scaleUp);
        BoundingBox content = t.toTarget(BoundingBox.of(0, 0, sw, sh));
        assertWithin(BoundingBox.ofSize(t.padLeft(), t.padTop(), t.contentWidth(), t.contentHeight()), content);
        if (!scaleUp && sw <= tw && sh <= th) {
            assertEquals(sw, t.contentWidth(), t::toString);
            assertEquals(sh, t.contentHeight(), t::toString);
        } else {
            assertTrue(t.contentWidth() == tw || t.contentHeight() == th, () -> "one axis must be filled: " + t);
        }
        // centred: the two pads on each axis differ by at most one pixel
        assertTrue(Math.abs(tw - t.contentWidth() - 2 * t.padLeft()) <= 1, t::toString);
        assertTrue(Math.abs(th - t.contentHeight() - 2 * t.padTop()) <= 1, t::toString);
    }

    private static void assertWithin(BoundingBox expected, BoundingBox actual) {
        assertEquals(expected.xmin(), actual.xmin(), TOLERANCE_PX, () -> expected + " vs " + actual);
        assertEquals(expected.ymin(), actual.ymin(), TOLERANCE_PX, () -> expected + " vs " + actual);
        assertEquals(expected.xmax(), actual.xmax(), TOLERANCE_PX, () -> expected + " vs " + actual);
        assertEquals(expected.ymax(), actual.ymax(), TOLERANCE_PX, () -> expected + " vs " + actual);
    }
}
