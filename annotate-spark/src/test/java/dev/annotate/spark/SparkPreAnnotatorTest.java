package dev.annotate.spark;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.Slicing;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-annotation job on {@code local[2]}: the same tree as the single-machine pipeline ({@code annotate
 * predict} runs {@link PreAnnotator} with these options), the existing-file policies, per-image failures, and the
 * result rows.
 */
final class SparkPreAnnotatorTest {

    static final double MIN_SCORE = 0.3;

    @TempDir
    Path dir;

    /** What {@code annotate predict --model M --images IMAGES --out OUT --min-score 0.3} writes. */
    static PreAnnotator.Summary predictLikeTheCli(Path model, Path images, Path out) throws IOException {
        return predictLikeTheCli(model, images, out, DetectorOptions.defaults().withMinScore(MIN_SCORE).withThreads(1));
    }

    static PreAnnotator.Summary predictLikeTheCli(Path model, Path images, Path out, DetectorOptions options)
            throws IOException {
        return predictLikeTheCli(model, images, out, options, "voc");
    }

    static PreAnnotator.Summary predictLikeTheCli(Path model, Path images, Path out, DetectorOptions options,
                                                  String format) throws IOException {
        try (Detector d = Detectors.open(model, options)) {
            return PreAnnotator.run(d, images,
                    PreAnnotator.Options.defaults((PerImageFormat) AnnotationFormats.byName(format))
                    .withOutputDir(out).withThreads(2).withModel(PreAnnotator.modelName(model.toString())), p -> { });
        }
    }

    static SparkPreAnnotator.Result predict(Path model, Path images, Optional<Path> out,
                                            SparkPreAnnotator.Options options) throws IOException {
        return SparkPreAnnotator.run(SparkFixture.spark(), model.toString(), images.toString(),
                out.map(Path::toString), options.withMinScore(MIN_SCORE));
    }

    @Test
    void run_onAGeneratedTree_writesTheSameFilesAsTheCommandLine() throws IOException {
        Path images = SparkFixture.images(dir, 18, 11);
        Path cli = dir.resolve("cli");
        Path spark = dir.resolve("spark");
        PreAnnotator.Summary expected = predictLikeTheCli(SparkFixture.onnxModel(), images, cli);

        SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(spark),
                SparkPreAnnotator.Options.defaults().withPartitions(4));

        Map<String, String> want = SparkFixture.files(cli);
        assertEquals(18, want.size());
        assertEquals(want, SparkFixture.files(spark));
        SparkPreAnnotator.Summary s = r.summary();
        assertEquals(18, s.total());
        assertEquals(18, s.written());
        assertEquals(0, s.skipped() + s.failed());
        assertEquals(expected.detectionsPerClass(), s.detectionsPerClass());
        assertTrue(s.detectionsPerClass().values().stream().mapToLong(Long::longValue).sum() > 10,
                "the model found too little to compare: " + s.detectionsPerClass());
        assertEquals(4, s.partitions());
        assertEquals(expected.leastConfident().get(0).lowestConfidence(), s.leastConfident().get(0).lowestConfidence());
        r.close();
    }

    /**
     * YOLO: the class lists the driver writes and the files the tasks write are the command line's, byte for byte;
     * a second run decides on the existing files with the image's size (YOLO files hold none): a person's under
     * {@code refresh}, kept; rewritten under {@code skip-verified} (YOLO has no verified flag).
     */
    @Test
    void run_yolo_writesTheSameFilesAsTheCommandLine_andDecidesOnThemAsItDoes() throws IOException {
        Path images = SparkFixture.images(dir, 9, 23);
        Path cli = dir.resolve("cli");
        Path spark = dir.resolve("spark");
        predictLikeTheCli(SparkFixture.onnxModel(), images, cli, DetectorOptions.defaults().withMinScore(MIN_SCORE)
                .withThreads(1), "yolo");
        SparkPreAnnotator.Options yolo = SparkPreAnnotator.Options.defaults().withFormat("yolo").withPartitions(3);

        try (SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(spark), yolo)) {
            assertEquals(9, r.summary().written(), r.summary().failures().toString());
        }
        Map<String, String> want = SparkFixture.files(cli);
        assertEquals(9 + 3, want.size(), "a file per image and a classes.txt per folder: " + want.keySet());
        assertTrue(want.values().stream().anyMatch(t -> t.matches("(?s)\\d \\d\\.\\d{6} .*")),
                "premise: some detections to compare");
        assertEquals(want, SparkFixture.files(spark));

        try (SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(spark),
                yolo.withExisting(Existing.REFRESH))) {
            assertEquals(9, r.images().filter("status = 'skipped' AND reason = 'annotation file checked by a"
                    + " person'").count());
        }
        assertEquals(want, SparkFixture.files(spark));
        try (SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(spark),
                yolo.withExisting(Existing.SKIP_VERIFIED))) {
            assertEquals(9, r.summary().written());
        }
        assertEquals(want, SparkFixture.files(spark));
    }

    /** Sliced inference reaches the executors' detectors: the files are those of the command line's sliced run. */
    @Test
    void run_sliced_writesTheSameFilesAsTheCommandLineSliced() throws IOException {
        Path images = SparkFixture.images(dir, 6, 13);
        Slicing slicing = Slicing.of(128);
        predictLikeTheCli(SparkFixture.onnxModel(), images, dir.resolve("cli-sliced"),
                DetectorOptions.defaults().withMinScore(MIN_SCORE).withThreads(1).withSlicing(slicing));
        predictLikeTheCli(SparkFixture.onnxModel(), images, dir.resolve("cli-whole"));
        Map<String, String> want = SparkFixture.files(dir.resolve("cli-sliced"));
        assertNotEquals(SparkFixture.files(dir.resolve("cli-whole")), want, "premise: slicing changes the answers");

        try (SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(dir.resolve("spark")),
                SparkPreAnnotator.Options.defaults().withPartitions(2).withSlicing(slicing))) {
            assertEquals(6, r.summary().written());
        }
        assertEquals(want, SparkFixture.files(dir.resolve("spark")));
    }

    @Test
    void run_withTheSavedModel_writesTheSameFilesAsTheCommandLine() throws IOException {
        Path images = SparkFixture.images(dir, 6, 12);
        Path cli = dir.resolve("cli");
        Path spark = dir.resolve("spark");
        predictLikeTheCli(SparkFixture.savedModel(), images, cli);

        predict(SparkFixture.savedModel(), images, Optional.of(spark), SparkPreAnnotator.Options.defaults())
                .close();

        assertEquals(SparkFixture.files(cli), SparkFixture.files(spark));
    }

    @Test
    void run_onAGlob_mirrorsTheMatchesBelowItsFixedPart() throws IOException {
        Path images = SparkFixture.images(dir, 9, 19);
        Path cli = dir.resolve("cli");
        predictLikeTheCli(SparkFixture.onnxModel(), images, cli);
        Path out = dir.resolve("spark");

        SparkPreAnnotator.Result r = SparkPreAnnotator.run(SparkFixture.spark(), SparkFixture.onnxModel().toString(),
                images + "/[a]*", Optional.of(out.toString()), SparkPreAnnotator.Options.defaults()
                        .withMinScore(MIN_SCORE));
        r.close();

        Map<String, String> want = new java.util.TreeMap<>(SparkFixture.files(cli));
        want.keySet().removeIf(name -> !name.startsWith("a/"));
        assertEquals(6, want.size(), want.keySet().toString());
        assertEquals(want, SparkFixture.files(out));
        assertEquals(6, r.summary().total());
    }

    @Test
    void run_besideTheImages_writesEachFileNextToItsImage() throws IOException {
        Path images = SparkFixture.images(dir, 4, 13);
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        for (Map.Entry<String, String> e : SparkFixture.files(images).entrySet()) {
            Path p = copy.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue().getBytes(StandardCharsets.ISO_8859_1));
        }
        try (Detector d = Detectors.open(SparkFixture.onnxModel(),
                DetectorOptions.defaults().withMinScore(MIN_SCORE).withThreads(1))) {
            PreAnnotator.run(d, copy, PreAnnotator.Options.defaults((PerImageFormat) AnnotationFormats.byName("voc"))
                    .withModel(PreAnnotator.modelName(SparkFixture.onnxModel().toString())), p -> { });
        }

        predict(SparkFixture.onnxModel(), images, Optional.empty(), SparkPreAnnotator.Options.defaults())
                .close();

        Map<String, String> got = SparkFixture.files(images);
        assertEquals(8, got.size(), got.keySet().toString());
        // the recorded <path> and <folder> name each tree's own images; everything else is equal
        Map<String, String> want = SparkFixture.files(copy);
        for (String name : want.keySet()) {
            assertEquals(want.get(name).replace(copy.toString(), images.toString()).replace(">copy<", ">images<"),
                    got.get(name), name);
        }
    }

    @Test
    void rerun_withSkip_changesNothingAndReportsEveryImageSkipped() throws IOException {
        Path images = SparkFixture.images(dir, 6, 14);
        Path out = dir.resolve("out");
        predict(SparkFixture.onnxModel(), images, Optional.of(out), SparkPreAnnotator.Options.defaults())
                .close();
        Map<String, String> first = SparkFixture.files(out);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        for (String name : first.keySet()) {
            Files.setLastModifiedTime(out.resolve(name), old);
        }

        SparkPreAnnotator.Result again = predict(SparkFixture.onnxModel(), images, Optional.of(out),
                SparkPreAnnotator.Options.defaults());

        assertEquals(first, SparkFixture.files(out));
        for (String name : first.keySet()) {
            assertEquals(old, Files.getLastModifiedTime(out.resolve(name)), name);
        }
        assertEquals(6, again.summary().skipped());
        assertEquals(6, again.images().filter("status = 'skipped' AND reason = 'annotation file exists'").count());
        again.close();
    }

    @Test
    void rerun_withSkipVerified_keepsAPersonsVerifiedFileAndRewritesTheRest() throws IOException {
        Path images = SparkFixture.images(dir, 6, 15);
        Path out = dir.resolve("out");
        predict(SparkFixture.onnxModel(), images, Optional.of(out), SparkPreAnnotator.Options.defaults())
                .close();
        Map<String, String> first = SparkFixture.files(out);
        String checked = first.keySet().iterator().next();
        String verified = first.get(checked).replace("<annotation>", "<annotation verified=\"yes\">")
                .replace("<name>", "<name>checked ");
        Files.writeString(out.resolve(checked), verified, StandardCharsets.ISO_8859_1);
        String unverified = first.keySet().stream().skip(1).findFirst().orElseThrow();
        Files.writeString(out.resolve(unverified), first.get(unverified).replace("<name>", "<name>edited "),
                StandardCharsets.ISO_8859_1);

        SparkPreAnnotator.Result again = predict(SparkFixture.onnxModel(), images, Optional.of(out),
                SparkPreAnnotator.Options.defaults().withExisting(Existing.SKIP_VERIFIED));

        Map<String, String> now = SparkFixture.files(out);
        assertEquals(verified, now.get(checked));
        assertEquals(first.get(unverified), now.get(unverified), "an unverified file is predicted again");
        assertEquals(1, again.summary().skipped());
        assertEquals(5, again.summary().written());
        again.close();
    }

    @Test
    void run_withABrokenImage_reportsItsRowAndWritesEveryOtherImage() throws IOException {
        Path images = SparkFixture.images(dir, 5, 16);
        Path broken = images.resolve("a/broken.jpg");
        Files.write(broken, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2, 3});
        Path out = dir.resolve("out");

        SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(out),
                SparkPreAnnotator.Options.defaults().withPartitions(2));

        assertEquals(1, r.summary().failed());
        assertEquals(5, r.summary().written());
        SparkPreAnnotator.Failure f = r.summary().failures().get(0);
        assertEquals(broken.toUri().toString().replace("file:///", "file:/"), f.path());
        assertTrue(f.reason().contains(broken.toString()), f.reason());
        assertEquals(5, SparkFixture.files(out).size());
        assertFalse(Files.exists(out.resolve("a/broken.xml")));
        List<Row> failed = r.images().filter("status = 'failed'").collectAsList();
        assertEquals(1, failed.size());
        assertTrue(failed.get(0).isNullAt(failed.get(0).fieldIndex("width")));
        r.close();
    }

    @Test
    void images_canBeQueriedWithSql() throws IOException {
        Path images = SparkFixture.images(dir, 6, 17);
        SparkPreAnnotator.Result r = predict(SparkFixture.onnxModel(), images, Optional.of(dir.resolve("out")),
                SparkPreAnnotator.Options.defaults());
        r.images().createOrReplaceTempView("predictions");

        List<Row> perClass = SparkFixture.spark().sql("SELECT d.label, count(*) FROM predictions"
                + " LATERAL VIEW explode(detections) t AS d GROUP BY d.label ORDER BY d.label").collectAsList();

        assertEquals(r.summary().detectionsPerClass().size(), perClass.size());
        for (Row row : perClass) {
            assertEquals(r.summary().detectionsPerClass().get(row.getString(0)), row.getLong(1));
        }
        long below = SparkFixture.spark().sql("SELECT count(*) FROM predictions LATERAL VIEW explode(detections) t AS d"
                + " WHERE d.score < " + MIN_SCORE).first().getLong(0);
        assertEquals(0, below);
        r.close();
    }

    @Test
    void run_whereTwoImagesShareAnAnnotationFile_refusesBeforeWriting() throws IOException {
        Path images = SparkFixture.images(dir, 3, 18);
        Path jpg;
        try (var s = Files.list(images)) {
            jpg = s.filter(p -> p.toString().endsWith(".jpg")).findFirst().orElseThrow();
        }
        Files.copy(jpg, jpg.resolveSibling(jpg.getFileName().toString().replace(".jpg", ".png")));
        Path out = dir.resolve("out");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> predict(
                SparkFixture.onnxModel(), images, Optional.of(out), SparkPreAnnotator.Options.defaults()));

        assertTrue(e.getMessage().startsWith("images would overwrite each other's annotation files:"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void run_withADatasetLevelFormat_isRefusedNamingIt_yoloIsTaken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkPreAnnotator.writableFormat("coco"));
        assertEquals("format coco is a dataset-level format; the job writes one file per image", e.getMessage());
        assertEquals("yolo", SparkPreAnnotator.writableFormat("yolo").name());
    }
}
