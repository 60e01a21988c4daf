package dev.annotate.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class LabelMapsProperties {

    private static final Path FILE = Path.of("m.pbtxt");

    @Provide
    Arbitrary<LabelMap> labelMaps() {
        Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(15)
                .filter(s -> s.codePoints().noneMatch(c -> Character.getType(c) == Character.SURROGATE))
                .filter(s -> s.chars().allMatch(c -> (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') && c < 0xFFFE));
        return text.list().uniqueElements().ofMinSize(1).ofMaxSize(20)
                .flatMap(names -> Arbitraries.integers().between(1, 1000).list().uniqueElements().ofSize(names.size())
                        .flatMap(ids -> text.optional().list().ofSize(names.size()).map(displays -> {
                            List<LabelMap.Entry> entries = new ArrayList<>();
                            for (int i = 0; i < names.size(); i++) {
                                entries.add(new LabelMap.Entry(ids.get(i), names.get(i), displays.get(i)));
                            }
                            return LabelMap.of(entries);
                        })));
    }

    @Property(tries = 300)
    void toTextThenParse_isIdentity(@ForAll("labelMaps") LabelMap map) throws FormatException {
        assertEquals(map, LabelMaps.parse(LabelMaps.toText(map).getBytes(StandardCharsets.UTF_8), FILE));
    }

    @Property(tries = 500)
    void parse_arbitraryBytes_givesAMapOrFormatException(@ForAll byte[] bytes) {
        try {
            LabelMaps.parse(bytes, FILE);
        } catch (FormatException e) {
            assertEquals(FILE, e.file());
        }
    }

    @Property(tries = 500)
    void parse_arbitraryText_givesAMapOrFormatException(@ForAll("pbtxtLike") String text) {
        try {
            LabelMaps.parse(text.getBytes(StandardCharsets.UTF_8), FILE);
        } catch (FormatException e) {
            assertEquals(FILE, e.file());
        }
    }

    @Provide
    Arbitrary<String> pbtxtLike() {
        return Arbitraries.strings().withChars("item{}:'\"\\#\n nameiddisplay_0123456789-").ofMaxLength(80);
    }

}
