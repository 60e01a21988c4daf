package dev.annotate.core.processing;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Greedy non-maximum suppression, as detection models apply it.
 *
 * <p>Candidates are taken by descending confidence (ties keep input order); a candidate is kept unless a kept
 * box of the same label ({@code classAgnostic = false}) or of any label ({@code true}) overlaps it with IoU
 * strictly above the threshold, or (nested suppression, off unless given below 1) a larger kept box of that label
 * holds at least {@code nestedThreshold} of its area. The result is sorted best first, holds at most
 * {@code maxKept} boxes, and running it again on its own output changes nothing.
 *
 * <pre>{@code
 * List<Annotation> kept = NonMaxSuppression.apply(candidates, 0.5, false, 100);
 * }</pre>
 */
public final class NonMaxSuppression {

    private NonMaxSuppression() {
    }

    /**
     * @param candidates predictions; every one must have a confidence
     * @param iouThreshold in {@code [0, 1]}; 1 keeps every box (up to {@code maxKept})
     * @param classAgnostic whether boxes of different labels suppress each other
     * @param maxKept at most this many are returned
     * @throws IllegalArgumentException if a candidate has no confidence or an argument is out of range
     */
    public static List<Annotation> apply(List<Annotation> candidates, double iouThreshold, boolean classAgnostic,
                                         int maxKept) {
        return apply(candidates, iouThreshold, 1, classAgnostic, maxKept);
    }

    /**
     * Suppression that also drops parts inside wholes.
     *
     * @param nestedThreshold in {@code [0, 1]}: a candidate of which a larger kept box of the same label (any label
     *     when {@code classAgnostic}) holds at least this share of the area is dropped; 1 turns this off
     * @see #apply(List, double, boolean, int)
     */
    public static List<Annotation> apply(List<Annotation> candidates, double iouThreshold, double nestedThreshold,
                                         boolean classAgnostic, int maxKept) {
        if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iouThreshold (" + iouThreshold + ") must be in [0, 1]");
        }
        if (!(nestedThreshold >= 0 && nestedThreshold <= 1)) {
            throw new IllegalArgumentException("nestedThreshold (" + nestedThreshold + ") must be in [0, 1]");
        }
        if (maxKept < 0) {
            throw new IllegalArgumentException("maxKept (" + maxKept + ") must be >= 0");
        }
        int n = candidates.size();
        double[] scores = new double[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            Annotation a = candidates.get(i);
            if (a.confidence().isEmpty()) {
                throw new IllegalArgumentException("candidate " + i + " ('" + a.label() + "' at " + a.box()
                        + ") has no confidence; suppression ranks by confidence");
            }
            scores[i] = a.confidence().getAsDouble();
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i])); // stable: ties keep input order
        List<Annotation> kept = new ArrayList<>(Math.min(n, maxKept));
        for (int k = 0; k < n && kept.size() < maxKept; k++) {
            Annotation candidate = candidates.get(order[k]);
            if (!suppressed(candidate, kept, iouThreshold, nestedThreshold, classAgnostic)) {
                kept.add(candidate);
            }
        }
        return kept;
    }

    private static boolean suppressed(Annotation candidate, List<Annotation> kept, double threshold,
                                      double nestedThreshold, boolean classAgnostic) {
        BoundingBox b = candidate.box();
        for (Annotation k : kept) {
            if (!classAgnostic && !k.label().equals(candidate.label())) {
                continue;
            }
            boolean nested = nestedThreshold < 1 && k.box().area() > b.area()
                    && k.box().overlapOfSmaller(b) >= nestedThreshold;
            if (nested || k.box().iou(b) > threshold) {
                return true;
            }
        }
        return false;
    }
}
