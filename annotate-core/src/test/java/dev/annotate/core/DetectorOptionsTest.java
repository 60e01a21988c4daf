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
                () -> DetectorOptions.builder().minScore(1.5));
        assertEquals("minScore (1.5) must be in [0, 1]", e.getMessage());
    }

    @Test
    void maxDetections_zero_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorOptions.builder().maxDetections(0));
        assertEquals("maxDetections (0) must be >= 1", e.getMessage());
    }

    @Test
    void labelRenames_emptyTarget_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorOptions.builder().labelRenames(Map.of("truck", "")));
        assertEquals("labelRenames value for truck must not contain an empty label", e.getMessage());
    }

    @Test
    void backend_isFoundByItsType_andOthersAreAbsent() {
        DetectorOptions o = DetectorOptions.builder().backend(new SessionOptions(3)).build();
        assertEquals(3, o.backend(SessionOptions.class).orElseThrow().optimisationLevel());
        assertTrue(o.backend(OtherOptions.class).isEmpty());
    }

    @Test
    void toBuilder_roundTrips_andCollectionsAreImmutable() {
        DetectorOptions o = DetectorOptions.builder().minScore(0.2).allowedLabels(Set.of("a"))
                .labelRenames(Map.of("a", "b")).labelMap(LabelMap.fromNames(java.util.List.of("a")))
                .backend(new SessionOptions(1)).nestedSuppression(0.8).slicing(Slicing.of(640)).build();
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
        assertTrue(!o.equals(o.toBuilder().nestedSuppression(0.9).build())
                && !o.equals(o.toBuilder().slicing(Slicing.of(512)).build()));
        assertThrows(UnsupportedOperationException.class, () -> o.allowedLabels().add("x"));
        assertEquals("b", o.rename("a"));
        assertTrue(o.allows("a") && !o.allows("b"));
    }
}
