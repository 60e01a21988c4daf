package dev.annotate.core.processing;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.DetectorOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class PostProcessingTest {

    private static final BoundingBox BOX = BoundingBox.of(10, 10, 50, 50);
    private static final BoundingBox SHIFTED = BoundingBox.of(12, 12, 52, 52); // IoU with BOX ~0.82

    @Test
    void apply_dropsScoresBelowMinScore() {
        List<Annotation> out = PostProcessing.apply(List.of(
                        Annotation.predicted("car", BOX, 0.39),
                        Annotation.predicted("tree", BoundingBox.of(60, 60, 90, 90), 0.4)),
                100, 100, DetectorOptions.defaults().withMinScore(0.4));
        assertEquals(List.of("tree"), labels(out));
    }

    @Test
    void apply_allowListUsesModelNames_beforeRenaming() {
        DetectorOptions options = DetectorOptions.defaults()
                .withAllowedLabels(Set.of("truck"))
                .withLabelRenames(Map.of("truck", "car"));
        List<Annotation> out = PostProcessing.apply(List.of(
                Annotation.predicted("truck", BOX, 0.9),
                Annotation.predicted("car", BoundingBox.of(60, 60, 90, 90), 0.9)), 100, 100, options);
        assertEquals(List.of("car"), labels(out));
        assertEquals(BOX, out.get(0).box());
    }

    @Test
    void apply_renamedClassesSuppressEachOther() {
        DetectorOptions options = DetectorOptions.defaults().withLabelRenames(Map.of("truck", "car"));
        List<Annotation> out = PostProcessing.apply(List.of(
                Annotation.predicted("truck", BOX, 0.8),
                Annotation.predicted("car", SHIFTED, 0.9)), 100, 100, options);
        assertEquals(List.of(Annotation.predicted("car", SHIFTED, 0.9)), out);
    }

    @Test
    void apply_differentClassesSurviveUnlessAgnostic() {
        List<Annotation> in = List.of(Annotation.predicted("truck", BOX, 0.8), Annotation.predicted("car", SHIFTED, 0.9));
        assertEquals(2, PostProcessing.apply(in, 100, 100, DetectorOptions.defaults()).size());
        assertEquals(1, PostProcessing.apply(in, 100, 100,
                DetectorOptions.defaults().withClassAgnosticNms(true)).size());
    }

    @Test
    void apply_clampsToImage_andDropsBoxesLeftWithoutArea() {
        List<Annotation> out = PostProcessing.apply(List.of(
                Annotation.predicted("car", BoundingBox.of(-10, 20, 70, 120), 0.9),
                Annotation.predicted("tree", BoundingBox.of(120, 10, 150, 40), 0.9)), 64, 100,
                DetectorOptions.defaults());
        assertEquals(List.of(Annotation.predicted("car", BoundingBox.of(0, 20, 64, 100), 0.9)), out);
    }

    @Test
    void apply_keepsTopK_bestFirst() {
        List<Annotation> in = List.of(
                Annotation.predicted("a", BoundingBox.of(0, 0, 10, 10), 0.6),
                Annotation.predicted("b", BoundingBox.of(20, 0, 30, 10), 0.95),
                Annotation.predicted("c", BoundingBox.of(40, 0, 50, 10), 0.7));
        assertEquals(List.of("b", "c"),
                labels(PostProcessing.apply(in, 100, 100, DetectorOptions.defaults().withMaxDetections(2))));
    }

    private static List<String> labels(List<Annotation> annotations) {
        return annotations.stream().map(Annotation::label).toList();
    }
}
