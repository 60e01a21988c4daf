package dev.annotate.onnx;

import dev.annotate.onnx.internal.PythonDictLiteral;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class PythonDictLiteralTest {

    @Test
    void parse_ultralyticsStyle_withBothQuotesEscapesAndUnicode() {
        Map<Long, String> names = PythonDictLiteral.parse(
                "{0: 'person', 1: \"traffic light\", 2: 'it\\'s', 3: \"say \\\"hi\\\"\", 4: 'caf\\xe9',"
                        + " 5: '\\u00fcber', 6: 'x\\\\y', 7: '自行车', 8: 'tab\\there',}");
        assertEquals(List.of("person", "traffic light", "it's", "say \"hi\"", "café", "über", "x\\y", "自行车",
                "tab\there"), List.copyOf(names.values()));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), List.copyOf(names.keySet()));
    }

    @Test
    void parse_emptyDictAndWhitespace() {
        assertEquals(Map.of(), PythonDictLiteral.parse("  { }  "));
        assertEquals(Map.of(3L, "a"), PythonDictLiteral.parse("{\n  3 :\t'a'\n}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "['a', 'b']|names metadata, character 0: expected '{', found '['",
            "{0: 'a'|names metadata, character 7: expected ',' or '}' at the end of the text",
            "{0: 'a}|names metadata, character 4: unterminated string",
            "{a: 'x'}|names metadata, character 1: expected an integer key",
            "{0: x}|names metadata, character 4: expected a quoted string, found 'x'",
            "{0: 'a', 0: 'b'}|names metadata, character 9: duplicate key 0",
            "{0: '\\q'}|names metadata, character 5: unknown escape \\q",
            "{0: '\\xZZ'}|names metadata, character 7: bad hex escape 'ZZ'",
            "{0: 'a'} extra|names metadata, character 9: unexpected text after the dict",
            "{0: __import__('os')}|names metadata, character 4: expected a quoted string, found '_'",
    })
    void parse_malformed_isRefusedWithThePosition(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PythonDictLiteral.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Provide
    Arbitrary<Map<Long, String>> dicts() {
        return Arbitraries.maps(Arbitraries.longs().between(0, 100_000), Arbitraries.strings().ofMaxLength(12)
                        .filter(s -> s.codePoints().noneMatch(c -> Character.getType(c) == Character.SURROGATE)))
                .ofMaxSize(20).map(LinkedHashMap::new);
    }

    /** Python's repr of a str: single quotes unless the text has one and no double quote, escapes as Python. */
    static String repr(String s) {
        char q = s.contains("'") && !s.contains("\"") ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        s.codePoints().forEach(c -> {
            if (c == q || c == '\\') {
                b.append('\\').appendCodePoint(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(q).toString();
    }

    @Property(tries = 500)
    void parse_ofPythonRepr_isIdentity(@ForAll("dicts") Map<Long, String> dict) {
        StringBuilder text = new StringBuilder("{");
        dict.forEach((k, v) -> text.append(text.length() > 1 ? ", " : "").append(k).append(": ").append(repr(v)));
        text.append('}');
        assertEquals(dict, PythonDictLiteral.parse(text.toString()));
    }

    @Property(tries = 500)
    void parse_arbitraryText_returnsOrThrowsIllegalArgument(@ForAll("dictLike") String text) {
        try {
            PythonDictLiteral.parse(text);
        } catch (IllegalArgumentException expected) {
            assertEquals(true, expected.getMessage().startsWith("names metadata, character "));
        }
    }

    @Provide
    Arbitrary<String> dictLike() {
        return Arbitraries.strings().withChars("{}:,'\"\\0123456789 xuUnt-ab").ofMaxLength(40);
    }
}
