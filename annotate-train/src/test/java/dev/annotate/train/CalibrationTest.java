package dev.annotate.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class CalibrationTest {

    static Calibration.Scored hit(float score) {
        return new Calibration.Scored(score, true);
    }

    static Calibration.Scored miss(float score) {
        return new Calibration.Scored(score, false);
    }

    @Test
    void exponent_putsTheBestF2ThresholdAtOneHalf() {
        // keeping the top three (2 hits, 1 miss) of 2 truths: precision 2/3, recall 1 -> F2 0.909, the best;
        // keeping one: precision 1, recall 1/2 -> F2 0.556. Threshold halfway between 0.3 and 0.1: 0.2.
        List<Calibration.Scored> d = List.of(hit(0.4f), miss(0.3f), hit(0.3f), miss(0.1f));
        float e = Calibration.exponent(d, 2);
        assertEquals(Math.log(0.5) / Math.log(0.2), e, 1e-6);
        assertEquals(0.5, Math.pow(0.2, e), 1e-6);
    }

    @Test
    void exponent_weighsRecallTwiceAsMuchAsPrecision() {
        // 2 truths. Keeping one: P 1, R 0.5 (F1 0.667, F2 0.556); keeping five: P 0.4, R 1 (F1 0.571, F2 0.769).
        // F1 would keep one; F2 keeps all five, so the threshold falls between 0.3 and the floor 0.02.
        List<Calibration.Scored> d = List.of(hit(0.9f), miss(0.6f), miss(0.5f), miss(0.4f), hit(0.3f));
        assertEquals(Math.log(0.5) / Math.log((0.3 + 0.02) / 2), Calibration.exponent(d, 2), 1e-5);
    }

    @Test
    void exponent_withNothingFound_isOne_andExtremesAreClamped() {
        assertEquals(1f, Calibration.exponent(List.of(), 3));
        assertEquals(1f, Calibration.exponent(List.of(miss(0.9f)), 3));
        assertEquals(5f, Calibration.exponent(List.of(hit(0.999f), miss(0.998f)), 1), "threshold 0.9985 wants ~462");
        assertEquals(0.2f, Calibration.exponent(List.of(hit(0.02f)), 1), "threshold 0.02 wants 0.18");
    }
}
