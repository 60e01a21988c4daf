package dev.annotate.core;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class DetectorOptionsTest {

    record SessionOptions(int optimisationLevel) implements BackendOptions {
    }

    record OtherOptions(String signature) implements BackendOptions {
    }

    @Test
    void defaults_areDocumentedValues() {
        DetectorOptions d = DetectorOptions.defaults();
        assertEquals(0.5, d.minScore());
        assertEquals(100, d.maxDetections());
        assertEquals(0.5, d.nmsIou());
        assertEquals(100_000_000L, d.maxPixels());
        assertEquals(1, d.threads());
        assertEquals(1, d.nestedSuppression());
        assertTrue(d.slicing().isEmpty());
        assertTrue(d.allowedLabels().isEmpty() && d.labelRenames().isEmpty() && d.labelMap().isEmpty());
    }

    @Test
    void minScore_outOfRange_namesTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorOptions.defaults().withMinScore(1.5));
        assertEquals("minScore (1.5) must be in [0, 1]", e.getMessage());
    }

    @Test
    void maxDetections_zero_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorOptions.defaults().withMaxDetections(0));
        assertEquals("maxDetections (0) must be >= 1", e.getMessage());
    }

    @Test
    void labelRenames_emptyTarget_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorOptions.defaults().withLabelRenames(Map.of("truck", "")));
        assertEquals("labelRenames value for truck must not contain an empty label", e.getMessage());
    }

    @Test
    void backend_isFoundByItsType_andOthersAreAbsent() {
        DetectorOptions o = DetectorOptions.defaults().withBackend(new SessionOptions(3));
        assertEquals(3, o.backend(SessionOptions.class).orElseThrow().optimisationLevel());
        assertTrue(o.backend(OtherOptions.class).isEmpty());
    }

    @Test
    void withX_changesOneValue_andCollectionsAreImmutable() {
        DetectorOptions o = DetectorOptions.defaults().withMinScore(0.2).withAllowedLabels(Set.of("a"))
                .withLabelRenames(Map.of("a", "b")).withLabelMap(LabelMap.fromNames(java.util.List.of("a")))
                .withBackend(new SessionOptions(1)).withNestedSuppression(0.8).withSlicing(Slicing.of(640));
        assertEquals(o, o.withMinScore(0.2));
        assertEquals(o.hashCode(), o.withMinScore(0.2).hashCode());
        assertEquals(0.3, o.withMinScore(0.3).minScore());
        assertEquals(o.withMinScore(0.3).withMinScore(0.2), o);
        assertTrue(!o.equals(o.withNestedSuppression(0.9))
                && !o.equals(o.withSlicing(Slicing.of(512))));
        assertThrows(UnsupportedOperationException.class, () -> o.allowedLabels().add("x"));
        assertEquals("b", o.rename("a"));
        assertTrue(o.allows("a") && !o.allows("b"));
    }
}
