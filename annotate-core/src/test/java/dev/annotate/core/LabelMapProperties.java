package dev.annotate.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class LabelMapProperties {

    @Provide
    Arbitrary<List<String>> distinctNames() {
        // any name a label map accepts: no control character XML cannot hold (those are refused; see LabelMapTest)
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(12)
                .filter(s -> s.chars().allMatch(c -> (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
                        && !Character.isSurrogate((char) c) && c < 0xFFFE))
                .list().uniqueElements().ofMinSize(1).ofMaxSize(30);
    }

    @Property
    void fromNames_numbersFromOne_andResolvesBothWays(@ForAll("distinctNames") List<String> names) {
        LabelMap map = LabelMap.fromNames(names);
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i), map.nameOf(i + 1));
            assertEquals(i + 1, map.idOf(names.get(i)).orElseThrow());
        }
        assertEquals("id " + (names.size() + 1), map.nameOf(names.size() + 1));
    }

    @Property
    void of_duplicateId_isRejectedNamingBothEntries(@ForAll("distinctNames") List<String> names,
                                                    @ForAll @IntRange(min = 0, max = 1000) int pick,
                                                    @ForAll @IntRange(min = 0, max = 1000) int insertAt) {
        List<LabelMap.Entry> entries = new ArrayList<>(LabelMap.fromNames(names).entries());
        LabelMap.Entry original = entries.get(pick % entries.size());
        LabelMap.Entry duplicate = LabelMap.Entry.of(original.id(), "a name longer than any generated");
        int at = insertAt % (entries.size() + 1);
        entries.add(at, duplicate);
        int firstIndex = entries.indexOf(original);
        LabelMap.Entry first = firstIndex < at ? original : duplicate;
        LabelMap.Entry second = first == original ? duplicate : original;

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelMap.of(entries));
        assertEquals("label map has duplicate id " + original.id() + ": " + first + " and " + second, e.getMessage());
    }

    @Property
    void of_duplicateName_isRejectedNamingBothEntries(@ForAll("distinctNames") List<String> names,
                                                      @ForAll @IntRange(min = 0, max = 1000) int pick) {
        List<LabelMap.Entry> entries = new ArrayList<>(LabelMap.fromNames(names).entries());
        LabelMap.Entry original = entries.get(pick % entries.size());
        LabelMap.Entry duplicate = LabelMap.Entry.of(names.size() + 7, original.name());
        entries.add(duplicate);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelMap.of(entries));
        assertEquals("label map has duplicate name '" + original.name() + "': " + original + " and " + duplicate,
                e.getMessage());
    }
}
