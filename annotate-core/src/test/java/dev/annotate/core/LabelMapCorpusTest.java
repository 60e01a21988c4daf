package dev.annotate.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Replays the hostile and broken label maps in {@code src/test/resources/corpus/labelmap} ({@link Corpus}): each
 * gives its entries or the {@link FormatException}.
 */
final class LabelMapCorpusTest {

    static Stream<Path> labelMaps() throws IOException {
        return Corpus.inputs(LabelMapCorpusTest.class, "/corpus/labelmap", ".pbtxt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labelMaps")
    void readLabelMap_corpusFile_givesExactlyTheExpected(Path input) throws IOException {
        Corpus.assertOutcome(input, in -> {
            try {
                LabelMap map = LabelMaps.read(in);
                return List.of("labels: " + map.entries().stream().map(e -> e.id() + " " + e.name()
                        + e.displayName().map(d -> " (" + d + ")").orElse("")).collect(Collectors.joining(", ")));
            } catch (FormatException e) {
                return List.of(Corpus.error(in, e));
            }
        });
    }
}
