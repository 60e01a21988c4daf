package dev.annotate.tfrecord;

import dev.annotate.core.Corpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replays the hostile and broken record files in {@code src/test/resources/corpus} ({@link Corpus}): each gives its
 * record count read strictly (or the {@link TfRecordCorruptException}) and read skipping damage. (The label-map
 * corpus is annotate-core's, with the codec.)
 */
final class TfRecordCorpusTest {

    static Stream<Path> recordFiles() throws IOException {
        return Corpus.inputs(TfRecordCorpusTest.class, "/corpus/tfrecord", ".record");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordFiles")
    void readRecords_corpusFile_givesExactlyTheExpected(Path input) throws IOException {
        Corpus.assertOutcome(input, in -> {
            List<String> lines = new ArrayList<>();
            long records = 0;
            try (TfRecordReader r = TfRecordReader.open(in, Compression.NONE, false)) {
                while (r.next() != null) {
                    records++;
                }
                lines.add("records: " + records);
            } catch (TfRecordCorruptException e) {
                lines.add(Corpus.error(in, e) + " (after " + records + " records)");
            }
            records = 0;
            try (TfRecordReader r = TfRecordReader.open(in, Compression.NONE, true)) {
                while (r.next() != null) {
                    records++;
                }
                lines.add("skipping damage: " + records + " records, " + r.corruptRecords() + " corrupt");
            }
            return lines;
        });
    }
}
