package dev.annotate.formats;

import dev.annotate.core.Corpus;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.ReadResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replays the hostile and broken COCO files in {@code src/test/resources/corpus/coco} ({@link Corpus}): each in
 * one pass and in one pass per image, which must agree.
 */
final class CocoCorpusTest {

    static Stream<Path> inputs() throws IOException {
        return Corpus.inputs(CocoCorpusTest.class, "/corpus/coco", ".json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void read_corpusFile_givesExactlyTheExpected(Path input) throws IOException {
        Corpus.assertOutcome(input, in -> outcome(new CocoFormat(), in));
        Corpus.assertOutcome(input, in -> outcome(new CocoFormat(1), in));
    }

    private static List<String> outcome(CocoFormat coco, Path input) throws IOException {
        List<ReadResult> results = new ArrayList<>();
        coco.read(input, LabelMap.empty(), results::add);
        return Corpus.lines(input, results);
    }
}
