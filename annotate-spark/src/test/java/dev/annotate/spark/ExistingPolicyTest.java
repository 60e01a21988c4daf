package dev.annotate.spark;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One existing-file policy ({@link Existing}): {@code annotate predict}'s pipeline and the Spark job, given the same
 * existing files, replace the same ones under every policy. The cases are what a tree can hold after a power loss,
 * a person's work and the machine's.
 */
final class ExistingPolicyTest {

    private static final PerImageFormat VOC = (PerImageFormat) AnnotationFormats.byName("voc");

    /** A kind of existing file, and under which policies a run replaces it. */
    private enum Case {
        EMPTY(true, true, true, true),
        ZERO_FILLED(true, true, true, true),
        MACHINE_CUT_SHORT(true, true, true, true),
        PERSON_CUT_SHORT(false, false, false, true),
        MACHINE(false, true, true, true),
        PERSON(false, true, false, true),
        VERIFIED(false, false, false, true);

        private final Map<Existing, Boolean> replaced = new EnumMap<>(Existing.class);

        Case(boolean skip, boolean skipVerified, boolean refresh, boolean overwrite) {
            replaced.put(Existing.SKIP, skip);
            replaced.put(Existing.SKIP_VERIFIED, skipVerified);
            replaced.put(Existing.REFRESH, refresh);
            replaced.put(Existing.OVERWRITE, overwrite);
        }

        /** The file's bytes, made from what the model wrote for the image. */
        byte[] bytes(byte[] machine) throws IOException {
            AnnotatedImage predicted = VOC.codec().orElseThrow().decode(machine, Path.of("x.xml"), LabelMap.empty()).image().orElseThrow();
            // an earlier model's box: never what this run predicts, so a replaced file always changes
            AnnotatedImage old = predicted.withAnnotations(List.of(Annotation.predicted("old", BoundingBox.of(3, 4,
                    50, 60), 0.9)));
            AnnotatedImage person = old.withPredictedBy(Optional.empty());
            return switch (this) {
                case EMPTY -> new byte[0];
                case ZERO_FILLED -> new byte[512];
                case MACHINE_CUT_SHORT -> cut(encode(old, LabelMap.empty()));
                case PERSON_CUT_SHORT -> cut(encode(person, LabelMap.empty()));
                case MACHINE -> encode(old, LabelMap.empty());
                case PERSON -> encode(person, LabelMap.empty());
                case VERIFIED -> encode(person.withVerified(true), LabelMap.empty());
            };
        }

        private static byte[] encode(AnnotatedImage image, LabelMap labels) {
            return VOC.codec().orElseThrow().encode(image, labels);
        }

        /** The first two thirds: past the machine mark, short of the end. */
        private static byte[] cut(byte[] whole) {
            return Arrays.copyOf(whole, whole.length * 2 / 3);
        }
    }

    @TempDir
    Path dir;

    @Test
    void predictAndSpark_replaceTheSameExistingFiles_underEveryPolicy() throws IOException {
        Path images = SparkFixture.images(dir, Case.values().length, 31);
        Path fresh = dir.resolve("fresh");
        pipeline(images, fresh, Existing.OVERWRITE);
        Map<String, String> machine = SparkFixture.files(fresh);
        assertEquals(Case.values().length, machine.size(), machine.keySet().toString());
        List<String> names = new ArrayList<>(machine.keySet());
        Map<String, byte[]> before = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            before.put(names.get(i), Case.values()[i].bytes(machine.get(names.get(i))
                    .getBytes(StandardCharsets.ISO_8859_1)));
        }
        String mark = MachineMark.PREFIX;
        assertTrue(text(before.get(names.get(Case.MACHINE_CUT_SHORT.ordinal()))).contains(mark), "the cut keeps the mark");

        for (Existing policy : Existing.values()) {
            Path byPipeline = seeded(dir.resolve("pipeline-" + policy.optionName()), before);
            pipeline(images, byPipeline, policy);
            Path bySpark = seeded(dir.resolve("spark-" + policy.optionName()), before);
            SparkPreAnnotator.run(SparkFixture.spark(), SparkFixture.onnxModel().toString(), images.toString(),
                    Optional.of(bySpark.toString()), SparkPreAnnotator.Options.defaults()
                            .withMinScore(SparkPreAnnotatorTest.MIN_SCORE).withExisting(policy)).close();
            Map<String, String> pipelineFiles = SparkFixture.files(byPipeline);
            Map<String, String> sparkFiles = SparkFixture.files(bySpark);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                Case c = Case.values()[i];
                boolean expected = c.replaced.get(policy);
                String seededText = text(before.get(name));
                assertEquals(expected, !seededText.equals(pipelineFiles.get(name)), policy + ", " + c + ": predict");
                assertEquals(expected, !seededText.equals(sparkFiles.get(name)), policy + ", " + c + ": Spark");
                if (expected) {
                    assertEquals(machine.get(name), sparkFiles.get(name), policy + ", " + c + ": what replaced it");
                }
            }
            assertEquals(pipelineFiles, sparkFiles, policy.optionName());
        }
    }

    private static Path seeded(Path out, Map<String, byte[]> files) throws IOException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path file = out.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
        }
        return out;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** What {@code annotate predict --model M --images IMAGES --out OUT --existing POLICY} does. */
    private static void pipeline(Path images, Path out, Existing policy) throws IOException {
        try (Detector d = Detectors.open(SparkFixture.onnxModel(), DetectorOptions.defaults()
                .withMinScore(SparkPreAnnotatorTest.MIN_SCORE).withThreads(1))) {
            PreAnnotator.run(d, images, PreAnnotator.Options.defaults(VOC).withOutputDir(out).withThreads(2)
                    .withExisting(policy).withModel(PreAnnotator.modelName(SparkFixture.onnxModel().toString())),
                    p -> { });
        }
    }
}
