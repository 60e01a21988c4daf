package dev.annotate.core.image;

import dev.annotate.core.Corpus;
import dev.annotate.core.FormatException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replays the broken and hostile image files in {@code src/test/resources/corpus/images} ({@link Corpus}): each
 * is probed (header and EXIF orientation) and read (decoded under the default pixel limit); each gives its size
 * or the {@link FormatException} naming it.
 */
final class ImagesCorpusTest {

    static Stream<Path> inputs() throws IOException {
        return Corpus.inputs(ImagesCorpusTest.class, "/corpus/images", "");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void probeAndRead_corpusFile_giveExactlyTheExpected(Path input) throws IOException {
        Corpus.assertOutcome(input, in -> {
            List<String> lines = new ArrayList<>();
            try {
                ImageHeader h = Images.probe(in);
                lines.add("probe: " + h.format() + " " + h.storedWidth() + "x" + h.storedHeight() + " "
                        + h.orientation());
            } catch (FormatException e) {
                lines.add("probe " + Corpus.error(in, e));
            }
            try {
                DecodedImage d = Images.read(in);
                lines.add("read: " + d.width() + "x" + d.height() + ", depth " + d.depth());
            } catch (FormatException e) {
                lines.add("read " + Corpus.error(in, e) + " (" + e.getClass().getSimpleName() + ")");
            }
            return lines;
        });
    }
}
