package dev.annotate.core;

import dev.annotate.core.proto.StringIntLabelMap;
import dev.annotate.core.proto.StringIntLabelMapItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class LabelMapsTest {

    private static final Path FILE = Path.of("data", "label_map.pbtxt");

    private static LabelMap parse(String text) throws FormatException {
        return LabelMaps.parse(text.getBytes(StandardCharsets.UTF_8), FILE);
    }

    private static String error(String text) {
        return assertThrows(FormatException.class, () -> parse(text)).getMessage();
    }

    @Test
    void parse_bothQuoteStylesAndComments() throws FormatException {
        LabelMap map = parse("# classes of the seed dataset\n"
                + "item {\n  id: 1\n  name: 'race car'\n  display_name: \"Race car\"  # shown in reports\n}\n"
                + "item { name: \"tree\" id: 2 }\n");
        assertEquals(LabelMap.of(List.of(new LabelMap.Entry(1, "race car", Optional.of("Race car")),
                LabelMap.Entry.of(2, "tree"))), map);
    }

    @Test
    void toTextThenParse_roundTrips_keepingNonAsciiReadable() throws FormatException {
        LabelMap map = LabelMap.of(List.of(LabelMap.Entry.of(1, "voiture de course"),
                new LabelMap.Entry(2, "自行车", Optional.of("Fahrrad \"alt\"")), LabelMap.Entry.of(7, "x'y")));
        String text = LabelMaps.toText(map);
        assertEquals("item {\n  name: \"voiture de course\"\n  id: 1\n}\n"
                + "item {\n  name: \"自行车\"\n  id: 2\n  display_name: \"Fahrrad \\\"alt\\\"\"\n}\n"
                + "item {\n  name: \"x'y\"\n  id: 7\n}\n", text);
        assertEquals(map, parse(text));
    }

    @Test
    void parse_binaryLabelMap_isAcceptedLikeTensorFlowsFallback() throws FormatException {
        byte[] binary = StringIntLabelMap.newBuilder()
                .addItem(StringIntLabelMapItem.newBuilder().setName("car").setId(1)).build().toByteArray();
        assertEquals(LabelMap.fromNames(List.of("car")), LabelMaps.parse(binary, FILE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty file|''|data/label_map.pbtxt: label map has no items",
            "syntax|item { id: 1 name: 'car' |data/label_map.pbtxt: line 1, column 25: not a label map: Expected \"}\".",
            "unknown field|item { id: 1 label: 'car' }|data/label_map.pbtxt: line 1, column 14: not a label map: unknown field 'label' (an item has name, id, display_name, keypoints, ancestor_ids, descendant_ids, frequency, instance_count)",
            "no name|item { id: 3 }|data/label_map.pbtxt: item 1: item with id 3 has no name",
            "no id|item { name: 'car' }|data/label_map.pbtxt: item 1: item 'car' has no id",
            "negative id|item { name: 'car' id: -2 }|data/label_map.pbtxt: item 1: label map id (-2) of 'car' must be >= 0",
            "id 0|item { name: 'car' id: 0 }|data/label_map.pbtxt: item 1: label map id 0 is reserved for 'background', but is given to 'car'; class ids start at 1",
            "duplicate id|item { name: 'car' id: 1 } item { name: 'tree' id: 1 }|data/label_map.pbtxt: label map has duplicate id 1: {id: 1, name: 'car'} and {id: 1, name: 'tree'}",
            "duplicate name|item { name: 'car' id: 1 } item { name: 'car' id: 2 }|data/label_map.pbtxt: label map has duplicate name 'car': {id: 1, name: 'car'} and {id: 2, name: 'car'}",
    })
    void parse_invalid_isRefusedWithItsMessage(String what, String text, String expected) {
        assertEquals(expected, error(text));
    }

    @Test
    void parse_backgroundAtZero_isAccepted() throws FormatException {
        assertEquals("background", parse("item { name: 'background' id: 0 } item { name: 'car' id: 1 }").nameOf(0));
    }
}
