package dev.annotate.core.processing;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class NonMaxSuppressionProperties {

    @Provide
    Arbitrary<List<Annotation>> candidates() {
        // a small canvas and few labels so that overlaps and ties are common
        Arbitrary<Double> coord = Arbitraries.doubles().between(0, 100).ofScale(1);
        Arbitrary<Double> size = Arbitraries.doubles().between(1, 60).ofScale(1);
        Arbitrary<String> label = Arbitraries.of("car", "tree", "house");
        Arbitrary<Double> score = Arbitraries.doubles().between(0, 1).ofScale(2);
        return Combinators.combine(label, coord, coord, size, size, score)
                .as((l, x, y, w, h, s) -> Annotation.predicted(l, BoundingBox.ofSize(x, y, w, h), s))
                .list().ofMaxSize(60);
    }

    @Property
    void apply_keepsASubsetSortedByScore(@ForAll("candidates") List<Annotation> in,
                                         @ForAll @DoubleRange(min = 0, max = 1) double iou,
                                         @ForAll boolean agnostic) {
        List<Annotation> out = NonMaxSuppression.apply(in, iou, agnostic, 1000);
        assertTrue(in.containsAll(out));
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i - 1).confidenceOr(0) >= out.get(i).confidenceOr(0), () -> "not sorted: " + out);
        }
    }

    @Property
    void apply_leavesNoTwoComparableBoxesAboveThreshold(@ForAll("candidates") List<Annotation> in,
                                                        @ForAll @DoubleRange(min = 0, max = 1) double iou,
                                                        @ForAll boolean agnostic) {
        List<Annotation> out = NonMaxSuppression.apply(in, iou, agnostic, 1000);
        for (int i = 0; i < out.size(); i++) {
            for (int j = i + 1; j < out.size(); j++) {
                Annotation a = out.get(i);
                Annotation b = out.get(j);
                if (agnostic || a.label().equals(b.label())) {
                    assertFalse(a.box().iou(b.box()) > iou, () -> a + " and " + b + " both kept");
                }
            }
        }
    }

    @Property
    void apply_isIdempotent(@ForAll("candidates") List<Annotation> in,
                            @ForAll @DoubleRange(min = 0, max = 1) double iou, @ForAll boolean agnostic,
                            @ForAll @IntRange(min = 0, max = 70) int max) {
        List<Annotation> once = NonMaxSuppression.apply(in, iou, agnostic, max);
        assertEquals(once, NonMaxSuppression.apply(once, iou, agnostic, max));
    }

    @Property
    void apply_keepsEveryBestBoxThatNothingSuppresses(@ForAll("candidates") List<Annotation> in,
                                                      @ForAll @DoubleRange(min = 0, max = 1) double iou) {
        // every dropped box must be explained by a kept, at-least-as-good, overlapping box of its label
        List<Annotation> out = NonMaxSuppression.apply(in, iou, false, 1000);
        for (Annotation a : in) {
            if (!out.contains(a)) {
                assertTrue(out.stream().anyMatch(k -> k.label().equals(a.label())
                                && k.confidenceOr(0) >= a.confidenceOr(0) && k.box().iou(a.box()) > iou),
                        () -> a + " dropped without a reason");
            }
        }
    }

    @Property
    void apply_neverReturnsMoreThanMaxKept(@ForAll("candidates") List<Annotation> in,
                                           @ForAll @IntRange(min = 0, max = 10) int max) {
        assertTrue(NonMaxSuppression.apply(in, 1.0, false, max).size() == Math.min(max, in.size()));
    }

    @Property
    void apply_nested_dropsOnlySmallerBoxesMostlyInsideABetterKeptOne(
            @ForAll("candidates") List<Annotation> in, @ForAll @DoubleRange(min = 0.5, max = 0.99) double nested) {
        List<Annotation> out = NonMaxSuppression.apply(in, 0.5, nested, false, 1000);
        List<Annotation> plain = NonMaxSuppression.apply(in, 0.5, false, 1000);
        for (Annotation a : in) {
            if (!out.contains(a)) {
                assertTrue(out.stream().anyMatch(k -> k.label().equals(a.label())
                        && k.confidenceOr(0) >= a.confidenceOr(0) && (k.box().iou(a.box()) > 0.5
                        || k.box().area() > a.box().area() && k.box().overlapOfSmaller(a.box()) >= nested)),
                        () -> a + " dropped without a reason");
            }
        }
        for (Annotation a : out) {
            for (Annotation b : out) {
                boolean nestedInA = a.label().equals(b.label()) && a.box().area() > b.box().area()
                        && a.box().overlapOfSmaller(b.box()) >= nested;
                assertFalse(nestedInA && a.confidenceOr(0) > b.confidenceOr(0), () -> b + " kept inside " + a);
            }
        }
        assertEquals(plain, NonMaxSuppression.apply(in, 0.5, 1, false, 1000), "1 turns it off");
    }

    @Property
    void apply_nested_keepsALargerBoxThatScoresLower(@ForAll @DoubleRange(min = 0.5, max = 0.99) double nested) {
        Annotation part = Annotation.predicted("car", BoundingBox.of(10, 10, 30, 30), 0.9);
        Annotation whole = Annotation.predicted("car", BoundingBox.of(0, 0, 100, 50), 0.6);
        Annotation tree = Annotation.predicted("tree", BoundingBox.of(12, 12, 28, 28), 0.5);
        assertEquals(List.of(part, whole, tree), NonMaxSuppression.apply(List.of(part, whole, tree), 0.5, nested,
                false, 10));
        Annotation lower = Annotation.predicted("car", BoundingBox.of(10, 10, 30, 30), 0.4);
        assertEquals(List.of(whole, tree), NonMaxSuppression.apply(List.of(lower, whole, tree), 0.5, nested,
                false, 10));
        assertEquals(List.of(whole), NonMaxSuppression.apply(List.of(lower, whole, tree), 0.5, nested, true, 10));
    }
}
