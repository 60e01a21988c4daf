package dev.annotate.voc;

import dev.annotate.core.FormatException;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Replays every malformed or hostile document in {@code src/test/resources/corpus}: each {@code name.xml} has a
 * {@code name.expected} holding either {@code error: <message>} or {@code objects: N} followed by one
 * {@code problem: <text>} line per reported problem (messages without the leading file name).
 */
final class VocCorpusTest {

    static Stream<Path> documents() throws IOException, URISyntaxException {
        Path dir = Path.of(VocCorpusTest.class.getResource("/corpus").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "empty corpus");
        return files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void read_corpusDocument_reportsExactlyTheExpected(Path document) throws IOException {
        String name = document.getFileName().toString();
        Path expectedFile = document.resolveSibling(name.replace(".xml", ".expected"));
        List<String> expected = Files.readAllLines(expectedFile, StandardCharsets.UTF_8);

        assertEquals(expected, outcome(document));
    }

    static List<String> outcome(Path document) throws IOException {
        String prefix = document + ": ";
        List<String> lines = new ArrayList<>();
        try {
            ReadResult r = Voc.read(document);
            lines.add("objects: " + r.image().map(i -> i.annotations().size()).orElse(-1));
            for (Problem p : r.problems()) {
                lines.add("problem: " + p.toString().substring(prefix.length()));
            }
        } catch (FormatException e) {
            assertEquals(document, e.file());
            lines.add("error: " + e.getMessage().substring(prefix.length()));
        }
        return lines;
    }
}
