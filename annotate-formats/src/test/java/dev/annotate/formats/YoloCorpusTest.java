package dev.annotate.formats;

import dev.annotate.core.Corpus;
import dev.annotate.core.LabelMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replays the hostile and broken YOLO files in {@code src/test/resources/corpus/yolo} ({@link Corpus}). Each
 * {@code NAME.txt} is read from a folder of its own, beside a 64x48 PNG of the same name (none for
 * {@code no-image}) and, when there is a {@code NAME.classes}, that file as {@code classes.txt}.
 */
final class YoloCorpusTest {

    @TempDir
    Path dir;

    static Stream<Path> inputs() throws IOException {
        return Corpus.inputs(YoloCorpusTest.class, "/corpus/yolo", ".txt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void readFile_corpusFile_givesExactlyTheExpected(Path input) throws IOException {
        String base = input.getFileName().toString().replace(".txt", "");
        Path folder = Files.createDirectories(dir.resolve(base));
        Path copy = Files.copy(input, folder.resolve("image.txt"));
        if (!base.equals("no-image")) {
            ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR), "png",
                    folder.resolve("image.png").toFile());
        }
        Path classes = input.resolveSibling(base + ".classes");
        if (Files.exists(classes)) {
            Files.copy(classes, folder.resolve(YoloFormat.CLASSES));
        }
        Corpus.assertOutcome(input, in -> Corpus.lines(copy,
                List.of(new YoloFormat().readFile(copy, LabelMap.fromNames(List.of("car", "tree"))))));
    }
}
