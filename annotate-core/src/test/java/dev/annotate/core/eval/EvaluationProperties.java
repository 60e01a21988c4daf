package dev.annotate.core.eval;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class EvaluationProperties {

    @Provide
    Arbitrary<List<Annotation>> boxes() {
        Arbitrary<Double> c = Arbitraries.doubles().between(0, 200).ofScale(0);
        Arbitrary<Double> s = Arbitraries.doubles().between(5, 80).ofScale(0);
        return Combinators.combine(Arbitraries.of("car", "tree"), c, c, s, s, Arbitraries.of(true, false),
                        Arbitraries.doubles().between(0.01, 1))
                .as((l, x, y, w, h, difficult, score) -> Annotation.predicted(l, BoundingBox.ofSize(x, y, w, h), score)
                        .withFlags(difficult, false))
                .list().ofMaxSize(12);
    }

    @Property(tries = 300)
    void everyAp_isInTheUnitIntervalOrNaN(@ForAll("boxes") List<Annotation> truth,
                                         @ForAll("boxes") List<Annotation> predicted) {
        List<Annotation> gt = truth.stream().map(a -> new Annotation(a.label(), a.box(),
                java.util.OptionalDouble.empty(), a.difficult(), false, a.pose(), a.extras())).toList();
        for (Evaluation.Metric m : Evaluation.Metric.values()) {
            Evaluation.ApReport r = Evaluation.averagePrecision(
                    List.of(new Evaluation.ImagePair("a", gt, predicted)), m);
            for (Evaluation.ClassAp c : r.perClass()) {
                assertTrue(Double.isNaN(c.ap()) || c.ap() >= 0 && c.ap() <= 1 + 1e-12, m + " " + c);
            }
        }
    }

    /** Predicting exactly the (non-difficult, non-overlapping) truth scores 1 in every metric. */
    @Property(tries = 200)
    void predictingTheTruth_scoresOne(@ForAll("boxes") List<Annotation> candidates) {
        List<Annotation> truth = new ArrayList<>();
        for (Annotation a : candidates) {
            if (truth.stream().noneMatch(t -> t.box().iou(a.box()) > 0)) {
                truth.add(Annotation.of(a.label(), a.box()));
            }
        }
        if (truth.isEmpty()) {
            return;
        }
        List<Annotation> predicted = truth.stream().map(t -> Annotation.predicted(t.label(), t.box(), 0.9)).toList();
        for (Evaluation.Metric m : Evaluation.Metric.values()) {
            assertEquals(1.0, Evaluation.averagePrecision(List.of(new Evaluation.ImagePair("a", truth, predicted)), m)
                    .mean(), 1e-12, m.toString());
        }
        Evaluation.ReviewReport r = Evaluation.reviewEffort(List.of(new Evaluation.ImagePair("a", truth, predicted)),
                0.8);
        assertEquals(truth.size(), r.keep());
        assertEquals(0, r.fix() + r.add() + r.delete());
    }
}
