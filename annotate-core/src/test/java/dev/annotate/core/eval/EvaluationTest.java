package dev.annotate.core.eval;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cases worked out by hand, following the VOC devkit and pycocotools (FORMATS.md section 8). */
final class EvaluationTest {

    private static final BoundingBox G1 = BoundingBox.of(0, 0, 100, 100);
    private static final BoundingBox G2 = BoundingBox.of(200, 200, 300, 300);
    private static final BoundingBox FAR = BoundingBox.of(500, 500, 540, 540);

    private static Annotation gt(BoundingBox b) {
        return Annotation.of("car", b);
    }

    private static Annotation det(BoundingBox b, double score) {
        return Annotation.predicted("car", b, score);
    }

    private static double ap(Evaluation.Metric m, Evaluation.ImagePair... pairs) {
        return Evaluation.averagePrecision(List.of(pairs), m).mean();
    }

    @Test
    void perfectPredictions_haveApOneInEveryMetric() {
        Evaluation.ImagePair p = new Evaluation.ImagePair("a", List.of(gt(G1), gt(G2)),
                List.of(det(G1, 0.9), det(G2, 0.8)));
        for (Evaluation.Metric m : Evaluation.Metric.values()) {
            assertEquals(1.0, ap(m, p), 1e-12, m.toString());
        }
    }

    /**
     * Ranked TP, FP, TP over 2 boxes: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1. VOC12: 0.5 x 1 + 0.5 x 2/3 =
     * 5/6. VOC07: recall points 0..0.5 (6 of them) see precision 1, 0.6..1 (5) see 2/3: (6 + 10/3) / 11.
     */
    @Test
    void tpFpTp_matchesTheHandComputedValues() {
        Evaluation.ImagePair p = new Evaluation.ImagePair("a", List.of(gt(G1), gt(G2)),
                List.of(det(G1, 0.9), det(FAR, 0.8), det(G2, 0.7)));
        assertEquals(5.0 / 6, ap(Evaluation.Metric.VOC12, p), 1e-12);
        assertEquals((6 + 10.0 / 3) / 11, ap(Evaluation.Metric.VOC07, p), 1e-12);
    }

    @Test
    void secondDetectionOfTheSameBox_isAFalsePositive() {
        Evaluation.ImagePair p = new Evaluation.ImagePair("a", List.of(gt(G1)),
                List.of(det(G1, 0.9), det(G1.translate(1, 0), 0.8)));
        // TP then FP: precision stays 1 up to recall 1, so AP 1; the FP shows only in the count
        assertEquals(1.0, ap(Evaluation.Metric.VOC12, p), 1e-12);
        Evaluation.ImagePair firstWrong = new Evaluation.ImagePair("b", List.of(gt(G1)),
                List.of(det(G1.translate(1, 0), 0.9), det(G1, 0.8)));
        assertEquals(1.0, ap(Evaluation.Metric.VOC12, firstWrong), 1e-12); // the better-scored one takes it
        Evaluation.ImagePair dupFirst = new Evaluation.ImagePair("c", List.of(gt(G1), gt(G2)),
                List.of(det(G1, 0.9), det(G1, 0.85), det(G2, 0.8)));
        // TP, FP, TP → 5/6 as above
        assertEquals(5.0 / 6, ap(Evaluation.Metric.VOC12, dupFirst), 1e-12);
    }

    @Test
    void difficultBoxes_areNeitherCountedNorPenalised() {
        Evaluation.ImagePair p = new Evaluation.ImagePair("a",
                List.of(gt(G1), gt(G2).withFlags(true, false)),
                List.of(det(G2, 0.95), det(G1, 0.9)));
        Evaluation.ApReport r = Evaluation.averagePrecision(List.of(p), Evaluation.Metric.VOC12);
        assertEquals(1, r.perClass().get(0).groundTruth());
        assertEquals(1.0, r.mean(), 1e-12);
        assertEquals(1.0, ap(Evaluation.Metric.COCO, p), 1e-12);
    }

    @Test
    void emptyImageWithDetections_addsFalsePositives() {
        Evaluation.ImagePair truth = new Evaluation.ImagePair("a", List.of(gt(G1)), List.of(det(G1, 0.5)));
        Evaluation.ImagePair empty = new Evaluation.ImagePair("b", List.of(), List.of(det(G1, 0.9)));
        // FP (0.9) then TP (0.5): precision 1/2 at recall 1
        assertEquals(0.5, ap(Evaluation.Metric.VOC12, truth, empty), 1e-12);
    }

    /** One box found with IoU 0.72: a hit at thresholds 0.50..0.70 (5 of 10), a miss above: COCO AP 0.5. */
    @Test
    void coco_averagesOverIouThresholds() {
        BoundingBox loose = BoundingBox.of(0, 0, 100, 72);
        assertEquals(0.72, loose.iou(G1), 1e-12);
        Evaluation.ImagePair p = new Evaluation.ImagePair("a", List.of(gt(G1)), List.of(det(loose, 0.9)));
        assertEquals(0.5, ap(Evaluation.Metric.COCO, p), 1e-12);
        assertEquals(1.0, ap(Evaluation.Metric.VOC12, p), 1e-12);
    }

    @Test
    void classWithoutGroundTruth_isNaN_andLeftOutOfTheMean() {
        Evaluation.ImagePair p = new Evaluation.ImagePair("a", List.of(gt(G1)),
                List.of(det(G1, 0.9), Annotation.predicted("tree", G2, 0.8)));
        Evaluation.ApReport r = Evaluation.averagePrecision(List.of(p), Evaluation.Metric.VOC12);
        assertEquals(List.of("car", "tree"), r.perClass().stream().map(Evaluation.ClassAp::label).toList());
        assertTrue(Double.isNaN(r.perClass().get(1).ap()));
        assertEquals(1.0, r.mean(), 1e-12);
    }

    @Test
    void averagePrecision_withoutConfidences_pointsToReviewEffort() {
        Evaluation.ImagePair p = new Evaluation.ImagePair("img7", List.of(gt(G1)), List.of(gt(G1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Evaluation.averagePrecision(List.of(p), Evaluation.Metric.VOC07));
        assertEquals("prediction 'car' in img7 has no confidence; average precision ranks by confidence (use"
                + " reviewEffort for saved pre-annotations)", e.getMessage());
    }

    /** One kept, one loose (fix), one wrong label (fix), one missed (add), one spurious (delete). */
    @Test
    void reviewEffort_countsWhatAPersonMustDo() {
        BoundingBox g3 = BoundingBox.of(400, 0, 500, 100);
        BoundingBox g4 = BoundingBox.of(0, 400, 100, 500);
        Evaluation.ImagePair p = new Evaluation.ImagePair("a",
                List.of(gt(G1), gt(G2), Annotation.of("tree", g3), gt(g4)),
                List.of(gt(G1.translate(2, 0)), gt(BoundingBox.of(200, 200, 300, 270)), gt(g3), gt(FAR)));
        Evaluation.ReviewReport r = Evaluation.reviewEffort(List.of(p), 0.8);
        assertEquals(new Evaluation.ImageEffort("a", 1, 2, 1, 1), r.perImage().get(0));
        assertEquals(2, r.truePositives());
        assertEquals(2, r.falsePositives());
        assertEquals(2, r.falseNegatives());
        assertEquals(0.5, r.precision(), 1e-12);
        assertEquals(0.5, r.recall(), 1e-12);
        assertEquals(4, r.perImage().get(0).edits());
    }
}
