package dev.annotate.core.processing;

import dev.annotate.core.BoundingBox;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class ResizeTransformTest {

    @Test
    void letterbox_landscapeInto640_padsTopAndBottom() {
        assertEquals(new ResizeTransform(1024, 768, 640, 640, 640, 480, 0, 80),
                ResizeTransform.letterbox(1024, 768, 640, 640, true));
    }

    @Test
    void letterbox_oddPadding_putsTheSmallerHalfFirst_likeUltralytics() {
        // 640x427 content in 640x640: pad 213 -> top round(106.5 - 0.1) = 106, bottom 107
        ResizeTransform t = ResizeTransform.letterbox(1280, 854, 640, 640, true);
        assertEquals(427, t.contentHeight());
        assertEquals(106, t.padTop());
    }

    @Test
    void letterbox_withoutScaleUp_onlyPadsASmallImage() {
        assertEquals(new ResizeTransform(320, 200, 640, 640, 320, 200, 160, 220),
                ResizeTransform.letterbox(320, 200, 640, 640, false));
    }

    @Test
    void toSource_ofModelBox_undoesPaddingAndScale() {
        ResizeTransform t = ResizeTransform.letterbox(1024, 768, 640, 640, true);
        assertEquals(BoundingBox.of(160, 160, 320, 320), t.toSource(BoundingBox.of(100, 180, 200, 280)));
    }

    @Test
    void stretch_scalesAxesIndependently() {
        ResizeTransform t = ResizeTransform.stretch(1000, 500, 100, 100);
        assertEquals(BoundingBox.of(500, 250, 1000, 500), t.toSource(BoundingBox.of(50, 50, 100, 100)));
    }

    @Test
    void constructor_contentOutsideTarget_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ResizeTransform(10, 10, 20, 20, 15, 15, 10, 0));
        assertEquals("content 15x15 at (10, 0) does not fit the target 20x20", e.getMessage());
    }
}
