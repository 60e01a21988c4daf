package dev.annotate.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One labelled box: a person's annotation (no confidence) or a model's prediction (with one).
 *
 * <pre>{@code
 * Annotation human = Annotation.of("race car", BoundingBox.of(12, 40, 200, 150));
 * Annotation predicted = Annotation.predicted("race car", BoundingBox.of(10, 41, 198, 152), 0.87);
 * }</pre>
 *
 * @param label the class name, as written in annotation files and label maps; not empty, and without a character
 *     XML cannot hold (see {@link LabelMap.Entry}: control characters other than tab, line feed and carriage
 *     return, unpaired surrogates, U+FFFE, U+FFFF)
 * @param box the box in the image's displayed frame, pixels
 * @param confidence the model's score in {@code [0, 1]}; empty for a human annotation
 * @param difficult PASCAL VOC {@code difficult}: ignored by evaluation, kept in training data
 * @param truncated PASCAL VOC {@code truncated}: the object extends beyond the box
 * @param pose PASCAL VOC {@code pose}; {@value #UNSPECIFIED_POSE} when unknown
 * @param extras what a format carries for this object and this library does not model, so that a rewrite
 *     loses nothing: keys are namespaced by the format that put them there (for example {@code voc:occluded}),
 *     values are opaque to everything but that format. Iteration order is kept.
 */
public record Annotation(
        String label,
        BoundingBox box,
        OptionalDouble confidence,
        boolean difficult,
        boolean truncated,
        String pose,
        Map<String, String> extras) {

    /** The pose PASCAL VOC and LabelImg write when nobody said otherwise. */
    public static final String UNSPECIFIED_POSE = "Unspecified";

    /** Validates every component and takes an unmodifiable, order-keeping copy of {@code extras}. */
    public Annotation {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(box, "box");
        Objects.requireNonNull(confidence, "confidence");
        Objects.requireNonNull(pose, "pose");
        Objects.requireNonNull(extras, "extras");
        if (label.isEmpty()) {
            throw new IllegalArgumentException("label must not be empty");
        }
        LabelMap.checkLabel(label, "label");
        if (confidence.isPresent()) {
            double c = confidence.getAsDouble();
            if (!(c >= 0 && c <= 1)) {
                throw new IllegalArgumentException("confidence (" + c + ") of '" + label + "' must be in [0, 1]");
            }
        }
        extras = copyOrdered(extras);
    }

    static Map<String, String> copyOrdered(Map<String, String> map) {
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(
                Objects.requireNonNull(k, "extras key"), Objects.requireNonNull(v, "extras value of " + k)));
        return Collections.unmodifiableMap(copy);
    }

    /** A human annotation with VOC defaults: not difficult, not truncated, pose unspecified. */
    public static Annotation of(String label, BoundingBox box) {
        return new Annotation(label, box, OptionalDouble.empty(), false, false, UNSPECIFIED_POSE, Map.of());
    }

    /** A model's prediction with VOC defaults. */
    public static Annotation predicted(String label, BoundingBox box, double confidence) {
        return new Annotation(label, box, OptionalDouble.of(confidence), false, false, UNSPECIFIED_POSE, Map.of());
    }

    /** This annotation with another label. */
    public Annotation withLabel(String newLabel) {
        return new Annotation(newLabel, box, confidence, difficult, truncated, pose, extras);
    }

    /** This annotation with another box. */
    public Annotation withBox(BoundingBox newBox) {
        return new Annotation(label, newBox, confidence, difficult, truncated, pose, extras);
    }

    /** This annotation with the VOC flags set. */
    public Annotation withFlags(boolean isDifficult, boolean isTruncated) {
        return new Annotation(label, box, confidence, isDifficult, isTruncated, pose, extras);
    }

    /** This annotation with another pose. */
    public Annotation withPose(String newPose) {
        return new Annotation(label, box, confidence, difficult, truncated, newPose, extras);
    }

    /** This annotation with another set of extras. */
    public Annotation withExtras(Map<String, String> newExtras) {
        return new Annotation(label, box, confidence, difficult, truncated, pose, newExtras);
    }

    /**
     * This annotation as every writer stores it for an image of the given size, one rule for all formats: the box
     * clamped to the image, and {@code truncated} set when the box reaches the image's border
     * ({@link BoundingBox#reachesBorder(int, int)}, LabelImg's rule). So a box a labelling tool drew past the edge
     * (Label Studio's {@code x + width} of 100.43 %) and a detection at the edge are written inside the image and
     * truncated, whatever the format; a format without a truncated flag keeps the clamped box.
     */
    public Annotation fittedTo(int width, int height) {
        BoundingBox inside = box.clamp(width, height);
        boolean atBorder = truncated || box.reachesBorder(width, height);
        if (inside.equals(box) && atBorder == truncated) {
            return this;
        }
        return new Annotation(label, inside, confidence, difficult, atBorder, pose, extras);
    }

    /** The confidence, or {@code fallback} for a human annotation. */
    public double confidenceOr(double fallback) {
        return confidence.orElse(fallback);
    }
}
