package dev.annotate.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class LabelMapTest {

    /** Regression: a control character in a label reached the VOC writer, which cannot put it into XML. */
    @Test
    void labels_withAControlCharacter_areRefused_showingItEscaped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelMap.Entry.of(1, "ca\u0001r"));
        assertEquals("label map name 'ca\\u0001r' holds a control character (U+0001 at index 2)", e.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> Annotation.of("v\u000btab", BoundingBox.of(0, 0, 1, 1)));
        assertEquals("label 'v\\u000btab' holds a control character (U+000B at index 1)", a.getMessage());
        assertEquals("caf\u00e9\t\n\r \u007f \uD83D\uDE00", Annotation.of("caf\u00e9\t\n\r \u007f \uD83D\uDE00",
                BoundingBox.of(0, 0, 1, 1)).label());
        IllegalArgumentException lone = assertThrows(IllegalArgumentException.class,
                () -> LabelMap.Entry.of(2, "a\uD800"));
        assertEquals("label map name 'a\\ud800' holds U+D800 at index 1, which XML and UTF-8 text cannot hold",
                lone.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LabelMap.Entry.of(2, "\uDC00b"));
        assertThrows(IllegalArgumentException.class, () -> LabelMap.Entry.of(2, "b\uFFFF"));
    }

    @Test
    void entry_idZeroForAClass_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelMap.Entry.of(0, "car"));
        assertEquals("label map id 0 is reserved for 'background', but is given to 'car'; class ids start at 1",
                e.getMessage());
    }

    @Test
    void entry_idZeroForBackground_isAllowed() {
        LabelMap map = LabelMap.of(List.of(LabelMap.Entry.of(0, "background"), LabelMap.Entry.of(1, "car")));
        assertEquals("background", map.nameOf(0));
    }

    @Test
    void entry_negativeId_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelMap.Entry.of(-3, "car"));
        assertEquals("label map id (-3) of 'car' must be >= 0", e.getMessage());
    }

    @Test
    void withAppended_takesNextIdAfterTheLargest() {
        LabelMap map = LabelMap.of(List.of(LabelMap.Entry.of(5, "a"), LabelMap.Entry.of(2, "b"))).withAppended("c");
        assertEquals(6, map.idOf("c").orElseThrow());
    }

    @Test
    void toString_ofEntryWithDisplayName_readsLikePbtxt() {
        assertEquals("{id: 1, name: 'race car', display_name: 'Race car'}",
                new LabelMap.Entry(1, "race car", Optional.of("Race car")).toString());
    }
}
