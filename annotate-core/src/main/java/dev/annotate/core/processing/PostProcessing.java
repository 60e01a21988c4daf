package dev.annotate.core.processing;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.DetectorOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a backend's raw candidates into a detector's answer, the same way for every backend: score threshold,
 * allow-list (on label-map names), renaming, clamping to the image (boxes left with no area are dropped), then
 * {@link NonMaxSuppression} keeping the top {@link DetectorOptions#maxDetections()}.
 *
 * <pre>{@code
 * List<Annotation> answer = PostProcessing.apply(candidates, image.getWidth(), image.getHeight(), options);
 * }</pre>
 */
public final class PostProcessing {

    private PostProcessing() {
    }

    /**
     * @param candidates predictions with confidences, boxes in the image's pixels
     * @param width image width in pixels
     * @param height image height in pixels
     * @param options the thresholds and label rules
     * @return the kept annotations, best first
     */
    public static List<Annotation> apply(List<Annotation> candidates, int width, int height,
                                         DetectorOptions options) {
        List<Annotation> filtered = new ArrayList<>();
        for (Annotation a : candidates) {
            if (a.confidenceOr(1) < options.minScore() || !options.allows(a.label())) {
                continue;
            }
            BoundingBox clamped = a.box().clamp(width, height);
            if (clamped.area() <= 0) {
                continue;
            }
            Annotation out = a.withBox(clamped);
            String renamed = options.rename(a.label());
            filtered.add(renamed.equals(a.label()) ? out : out.withLabel(renamed));
        }
        return NonMaxSuppression.apply(filtered, options.nmsIou(), options.nestedSuppression(),
                options.classAgnosticNms(), options.maxDetections());
    }
}
