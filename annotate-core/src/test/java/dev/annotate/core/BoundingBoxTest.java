package dev.annotate.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class BoundingBoxTest {

    @Test
    void constructor_xminAboveXmax_namesBothValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BoundingBox.of(10, 0, 5, 1));
        assertEquals("xmin (10.0) must be <= xmax (5.0)", e.getMessage());
    }

    @Test
    void constructor_yminAboveYmax_namesBothValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BoundingBox.of(0, 7, 5, 1));
        assertEquals("ymin (7.0) must be <= ymax (1.0)", e.getMessage());
    }

    @Test
    void constructor_nan_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BoundingBox.of(Double.NaN, 0, 5, 1));
        assertEquals("xmin (NaN) must be a finite number", e.getMessage());
    }

    @Test
    void iou_halfOverlappingBoxes_isOneThird() {
        assertEquals(1.0 / 3, BoundingBox.of(10, 20, 110, 220).iou(BoundingBox.of(60, 20, 160, 220)), 1e-12);
    }

    @Test
    void iou_touchingBoxes_isZero() {
        assertEquals(0.0, BoundingBox.of(0, 0, 10, 10).iou(BoundingBox.of(10, 0, 20, 10)));
    }

    @Test
    void intersection_disjoint_isEmpty() {
        assertTrue(BoundingBox.of(0, 0, 1, 1).intersection(BoundingBox.of(2, 2, 3, 3)).isEmpty());
        assertEquals(BoundingBox.of(5, 5, 10, 10),
                BoundingBox.of(0, 0, 10, 10).intersection(BoundingBox.of(5, 5, 15, 15)).orElseThrow());
    }

    @Test
    void toVocIntegers_followsLabelImg_truncatesAndRaisesMinimumToOne() {
        assertEquals(new VocBox(1, 1, 99, 200), BoundingBox.of(0.4, 0, 99.9, 200.7).toVocIntegers(640, 480));
        assertEquals(new VocBox(12, 40, 200, 150), BoundingBox.of(12.9, 40.2, 200.99, 150.5).toVocIntegers(640, 480));
    }

    @Test
    void toVocIntegers_boxBeyondImage_isClampedFirst() {
        assertEquals(new VocBox(1, 1, 640, 480), BoundingBox.of(-30, -5, 700, 500).toVocIntegers(640, 480));
    }

    @Test
    void toVocIntegers_slimBoxAtLeftEdge_keepsMaxAtLeastMin() {
        assertEquals(new VocBox(1, 10, 1, 20), BoundingBox.of(0.1, 10, 0.6, 20).toVocIntegers(640, 480));
    }

    @Test
    void toYoloCentre_knownBox_givesCentreAndSize() {
        YoloBox y = BoundingBox.of(100, 50, 300, 250).toYoloCentre(400, 500);
        assertEquals(new YoloBox(0.5, 0.3, 0.5, 0.4), y);
    }

    @Test
    void toNormalized_zeroSizedImage_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BoundingBox.of(0, 0, 1, 1).toNormalized(0, 10));
        assertEquals("image size (0x10) must be positive in both dimensions", e.getMessage());
    }
}
