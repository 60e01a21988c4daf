package dev.annotate.onnx;

import dev.annotate.core.Corpus;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Replays hostile class names ({@link Corpus}): each {@code corpus/names/NAME.names} as the {@code names}
 * metadata of a YOLOv8 fixture model, and each {@code corpus/namesfile/NAME.txt} as a names file
 * ({@link OnnxOptions#withNames}). Opening the model gives its classes or the {@link FormatException} naming the
 * model and its metadata, or the names file.
 */
final class OnnxNamesCorpusTest {

    @TempDir
    Path dir;

    static Stream<Path> metadata() throws IOException {
        return Corpus.inputs(OnnxNamesCorpusTest.class, "/corpus/names", ".names");
    }

    static Stream<Path> namesFiles() throws IOException {
        return Corpus.inputs(OnnxNamesCorpusTest.class, "/corpus/namesfile", ".txt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("metadata")
    void open_withHostileNamesMetadata_givesExactlyTheExpected(Path input) throws IOException {
        Path model = Files.write(dir.resolve("model.onnx"),
                Fixtures.yolov8(64, Files.readString(input, StandardCharsets.UTF_8)));
        Corpus.assertOutcome(input, in -> {
            try (Detector d = Detectors.open(model)) {
                return List.of(labels(d.labelMap()));
            } catch (FormatException e) {
                return List.of("error: " + e.position().orElse("") + ": " + e.problem()
                        + (e.file().equals(model) ? "" : " (naming " + e.file() + ", not the model)"));
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namesFiles")
    void open_withAHostileNamesFile_givesExactlyTheExpected(Path input) throws IOException {
        Path model = Files.write(dir.resolve("model.onnx"), Fixtures.yolov8(64));
        DetectorOptions options = DetectorOptions.defaults().withBackend(OnnxOptions.defaults().withNames(input));
        Corpus.assertOutcome(input, in -> {
            try (Detector d = Detectors.open(model, options)) {
                return List.of(labels(d.labelMap()));
            } catch (FormatException e) {
                return List.of(Corpus.error(in, e));
            }
        });
    }

    private static String labels(LabelMap map) {
        List<LabelMap.Entry> entries = map.entries();
        if (entries.isEmpty()) {
            return "labels: none";
        }
        if (entries.size() > 5) {
            return "labels: " + entries.size() + ", first " + entries.get(0).id() + " " + entries.get(0).name()
                    + ", last " + entries.get(entries.size() - 1).id() + " " + entries.get(entries.size() - 1).name();
        }
        return "labels: " + entries.stream().map(e -> e.id() + " " + e.name()).collect(Collectors.joining(", "));
    }
}
