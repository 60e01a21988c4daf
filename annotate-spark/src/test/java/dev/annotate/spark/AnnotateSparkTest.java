package dev.annotate.spark;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.annotate.onnx.graph.Attribute;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import dev.annotate.onnx.graph.Tensor;
import dev.annotate.synthetic.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code AnnotateSpark} command line, in the test JVM's Spark session: output, exit codes, messages. */
final class AnnotateSparkTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        SparkFixture.spark(); // the commands use the JVM's session, as under spark-submit
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AnnotateSpark.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void predict_writesTheCommandLinesTreeAndAReport() throws IOException {
        Path images = SparkFixture.images(dir, 6, 31);
        Path cli = dir.resolve("cli");
        SparkPreAnnotatorTest.predictLikeTheCli(SparkFixture.onnxModel(), images, cli);
        Path report = dir.resolve("reports/run.json");

        Run r = run("predict", "--model", SparkFixture.onnxModel().toString(), "--images", images.toString(),
                "--out", dir.resolve("spark").toString(),
                "--min-score", String.valueOf(SparkPreAnnotatorTest.MIN_SCORE),
                "--partitions", "3", "--report", report.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("6 images: 6 written, 0 skipped (existing), 0 failed in "), r.out());
        assertTrue(r.out().contains("(3 partitions)"), r.out());
        Map<String, String> want = SparkFixture.files(cli);
        assertEquals(want, SparkFixture.files(dir.resolve("spark")));
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertEquals(6, json.getAsJsonObject("counts").get("written").getAsInt());
        assertEquals("voc", json.getAsJsonObject("run").get("format").getAsString());
        try (var s = Files.list(report.getParent())) {
            assertEquals(1, s.count(), "only the report, no temporary or checksum file");
        }
    }

    @Test
    void predict_withABrokenImage_exitsOneAndNamesIt() throws IOException {
        Path images = SparkFixture.images(dir, 3, 32);
        Path broken = Files.write(images.resolve("broken.png"), new byte[] {1, 2, 3});

        Run r = run("predict", "--model", SparkFixture.onnxModel().toString(), "--images", images.toString(),
                "--out", dir.resolve("out").toString());

        assertEquals(AnnotateSpark.SOME_FAILED, r.code(), r.err());
        assertTrue(r.err().startsWith("failed: " + broken), r.err());
    }

    /**
     * A model that loads but fails at inference is a backend failure: it fails the task (Spark retries it, here
     * on local[2] none are allowed) and the job, exit 3, rather than becoming a failed row per image.
     */
    @Test
    void predict_withAModelFailingAtInference_failsTheJobWithExitThree() throws IOException {
        Path model = dir.resolve("fails.onnx");
        // TF OD API outputs; the boxes reshape the image itself to [1, 5, 4], which no image fits
        Files.write(model, OnnxGraph.builder("fails_at_inference")
                .input("input_tensor", ElementType.UINT8, 1, -1, -1, 3)
                .initializer("box_shape", Tensor.longs(new long[] {1, 5, 4}, 3))
                .node("Cast", List.of("input_tensor"), List.of("pixels"), Attribute.i("to", ElementType.FLOAT.onnx()))
                .node("Reshape", List.of("pixels", "box_shape"), List.of("detection_boxes"))
                .node("Constant", List.of(), List.of("detection_scores"),
                        Attribute.tensor("value", Tensor.floats(new float[] {0.9f, 0.9f, 0.9f, 0.9f, 0.9f}, 1, 5)))
                .node("Constant", List.of(), List.of("detection_classes"),
                        Attribute.tensor("value", Tensor.floats(new float[] {1, 1, 1, 1, 1}, 1, 5)))
                .node("Constant", List.of(), List.of("num_detections"),
                        Attribute.tensor("value", Tensor.floats(new float[] {5}, 1)))
                .output("detection_boxes", ElementType.FLOAT, 1, 5, 4)
                .output("detection_scores", ElementType.FLOAT, 1, 5)
                .output("detection_classes", ElementType.FLOAT, 1, 5)
                .output("num_detections", ElementType.FLOAT, 1).toBytes());
        Path images = SparkFixture.images(dir, 3, 34);
        Path out = dir.resolve("out");

        Run r = run("predict", "--model", model.toString(), "--images", images.toString(), "--out", out.toString(),
                "--labels", SparkFixture.root().resolve("model/label_map.pbtxt").toString());

        assertEquals(AnnotateSpark.INTERNAL_ERROR, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("annotate-spark: internal error: org.apache.spark.SparkException"), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(the model or its runtime failed; the stack"
                + " trace is in (.+), or run again with --verbose\\)").matcher(r.err());
        assertTrue(m.find(), r.err());
        Path trace = Path.of(m.group(1));
        try {
            assertTrue(Files.readString(trace).contains("dev.annotate.core.DetectorException"), trace.toString());
        } finally {
            Files.delete(trace);
        }
        assertTrue(SparkFixture.files(out).isEmpty(), "no annotation file is written for a failing backend");
    }

    @Test
    void predict_withAMissingModel_exitsTwoNamingIt() {
        Path missing = dir.resolve("none.onnx");
        Run r = run("predict", "--model", missing.toString(), "--images", dir.toString());
        assertEquals(AnnotateSpark.BAD_INPUT, r.code());
        assertEquals("annotate-spark: error: file:" + missing + ": no such file (no model file or directory)",
                r.err().strip());
    }

    @Test
    void predict_withAnUnknownPolicy_exitsTwoListingTheChoices() {
        Run r = run("predict", "--model", SparkFixture.onnxModel().toString(), "--images", dir.toString(),
                "--existing", "sometimes");
        assertEquals(AnnotateSpark.BAD_INPUT, r.code());
        assertEquals("annotate-spark: error: --existing sometimes is not one of skip, skip-verified, refresh, overwrite",
                r.err().strip());
    }

    @Test
    void tfrecord_writesShardsAndTheLabelMap() throws IOException {
        Path voc = dir.resolve("voc");
        SyntheticDataset.generate(voc, SyntheticDataset.Options.defaults(6, 33).withSides(160, 300).withExifShare(0));

        Run r = run("tfrecord", "--voc", voc.toString(), "--labels", voc.resolve("label_map.pbtxt").toString(),
                "--out", dir.resolve("records/ds").toString(), "--shards", "2", "--val-fraction", "0.5");

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches(
                "(?s)\\d+ training and \\d+ validation records, \\d+ boxes, 0 rotated, 0 skipped\n.*"),
                r.out());
        try (var s = Files.list(dir.resolve("records"))) {
            assertEquals(5, s.count());
        }
    }

    @Test
    void tfrecord_withDifferentShardsAndPartitions_exitsTwo() {
        Run r = run("tfrecord", "--voc", dir.toString(), "--labels", "x.pbtxt", "--out", "o", "--shards", "2",
                "--partitions", "3");
        assertEquals(AnnotateSpark.BAD_INPUT, r.code());
        assertTrue(r.err().contains("--shards 2 and --partitions 3 differ"), r.err());
    }
}
