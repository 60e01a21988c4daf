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

/** Replays the hostile and broken CVAT files in {@code src/test/resources/corpus/cvat} ({@link Corpus}). */
final class CvatCorpusTest {

    static Stream<Path> inputs() throws IOException {
        return Corpus.inputs(CvatCorpusTest.class, "/corpus/cvat", ".xml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void read_corpusFile_givesExactlyTheExpected(Path input) throws IOException {
        Corpus.assertOutcome(input, in -> {
            List<ReadResult> results = new ArrayList<>();
            new CvatFormat().read(in, LabelMap.empty(), results::add);
            return Corpus.lines(in, results);
        });
    }
}
