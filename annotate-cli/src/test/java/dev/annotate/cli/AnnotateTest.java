package dev.annotate.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.onnx.Fixtures;
import dev.annotate.voc.Voc;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each command's happy path and its exit codes, run in process. */
final class AnnotateTest {

    @TempDir
    static Path root;

    static Path data;
    static Path model;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Annotate.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void dataset() throws IOException {
        data = root.resolve("data");
        Run g = run("generate", "--out", data.toString(), "--images", "6", "--seed", "3");
        assertEquals(0, g.code(), g.err());
        model = Files.write(root.resolve("fixture.onnx"), Fixtures.yolov8(640));
    }

    @Test
    void generate_writesImagesVocFilesAndALabelMap() {
        assertTrue(Files.isRegularFile(data.resolve("000005.jpg")));
        assertTrue(Files.isRegularFile(data.resolve("000005.xml")));
        assertTrue(Files.isRegularFile(data.resolve("label_map.pbtxt")));
    }

    @Test
    void generate_photographicStyle_writesAnotherDataset_andAnUnknownStyleIsNamed() throws IOException {
        Path photo = root.resolve("photographic");
        Run g = run("generate", "--out", photo.toString(), "--images", "2", "--seed", "3", "--style",
                "photographic");
        assertEquals(0, g.code(), g.err());
        assertTrue(Files.isRegularFile(photo.resolve("000001.xml")));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(data.resolve("000000.jpg")),
                Files.readAllBytes(photo.resolve("000000.jpg"))), "the same seed in another style draws another scene");

        Run bad = run("generate", "--out", root.resolve("bad").toString(), "--style", "oil");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'oil' is not a style; use drawn or photographic"), bad.err());
    }

    @Test
    void predict_intoAMirroredTree_writesOneFilePerImage() throws IOException {
        Path out = root.resolve("predicted");
        Run r = run("predict", "--model", model.toString(), "--images", data.toString(), "--out", out.toString(),
                "--min-score", "0.3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("6 images: 6 written, 0 skipped (existing), 0 failed"), r.out());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(6, s.filter(p -> p.toString().endsWith(".xml")).count());
        }
        Run again = run("evaluate", "--truth", data.toString(), "--predicted", out.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("precision") && again.out().contains("review effort"), again.out());
    }

    @Test
    void predict_sliced_writesOneFilePerImage() throws IOException {
        Path out = root.resolve("sliced");
        Run r = run("predict", "--model", model.toString(), "--images", data.toString(), "--out", out.toString(),
                "--min-score", "0.3", "--slice", "256");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("6 images: 6 written, 0 skipped (existing), 0 failed"), r.out());
    }

    @Test
    void predict_withPreview_drawsEveryImage_andAContactSheet() throws IOException {
        Path out = root.resolve("predicted-preview");
        Path preview = root.resolve("preview");
        Run r = run("predict", "--model", model.toString(), "--images", data.toString(), "--out", out.toString(),
                "--min-score", "0.3", "--preview", preview.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(preview.resolve("000004.jpg.png")));
        String index = Files.readString(preview.resolve("index.html"));
        assertTrue(index.contains("<h1>6 pre-annotated images</h1>") && index.contains("src=\"000000.jpg.png\""),
                index);
        try (Stream<Path> s = Files.list(out)) {
            assertTrue(s.allMatch(p -> p.toString().endsWith(".xml")), "the output tree holds annotations only");
        }
    }

    @Test
    void predict_withReport_writesTheJsonSummary_outsideTheOutputTree() throws IOException {
        Path batch = Files.createDirectories(root.resolve("report-batch"));
        for (String name : new String[] {"000000.jpg", "000001.jpg", "000002.jpg"}) {
            Files.copy(data.resolve(name), batch.resolve(name));
        }
        Files.writeString(batch.resolve("bad.jpg"), "not a jpeg");
        Path out = root.resolve("report-out");
        Path report = root.resolve("reports/run.json");
        Run r = run("predict", "--model", model.toString(), "--images", batch.toString(), "--out", out.toString(),
                "--min-score", "0.3", "--threads", "2", "--report", report.toString());
        assertEquals(Annotate.SOME_FAILED, r.code(), r.err());
        assertTrue(r.out().contains("report: " + report.toAbsolutePath()), r.out());

        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertEquals(JsonParser.parseString("{\"total\": 4, \"written\": 3, \"skipped\": 0, \"failed\": 1}"),
                json.get("counts"));
        assertEquals(batch.toAbsolutePath().toString(), json.getAsJsonObject("run").get("images").getAsString());
        assertEquals(0.3, json.getAsJsonObject("run").get("min_score").getAsDouble());
        JsonObject failure = json.getAsJsonArray("failures").get(0).getAsJsonObject();
        assertEquals(batch.resolve("bad.jpg").toAbsolutePath().toString(), failure.get("path").getAsString());
        assertFalse(failure.get("reason").getAsString().isBlank());
        JsonObject timings = json.getAsJsonObject("timings");
        assertTrue(timings.get("detecting_seconds").getAsDouble() > 0, timings.toString());
        assertEquals(2, timings.get("threads").getAsInt());

        long detections = json.getAsJsonObject("detections_per_class").entrySet().stream()
                .mapToLong(e -> e.getValue().getAsLong()).sum();
        long written = 0;
        try (Stream<Path> files = Files.list(out)) {
            for (Path xml : files.toList()) {
                assertTrue(xml.toString().endsWith(".xml"), "the output tree holds annotations only: " + xml);
                written += Voc.read(xml).image().orElseThrow().annotations().size();
            }
        }
        assertTrue(detections > 0);
        assertEquals(written, detections, "detections per class count what was written");
        assertEquals(3, json.getAsJsonArray("review_first").size(), "every written image with detections is ranked");
        double previous = 0;
        for (var e : json.getAsJsonArray("review_first")) {
            double score = e.getAsJsonObject().get("lowest_score").getAsDouble();
            assertTrue(score >= previous && score >= 0.3, json.get("review_first").toString());
            previous = score;
        }
    }

    @Test
    void predict_besideTheImages_skipsThePersonsFiles() {
        Run r = run("predict", "--model", model.toString(), "--images", data.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("6 images: 0 written, 6 skipped (existing)"), r.out());
    }

    @Test
    void predict_withABrokenImage_exitsOne_andListsIt() throws IOException {
        Path batch = Files.createDirectories(root.resolve("batch"));
        Files.copy(data.resolve("000000.jpg"), batch.resolve("good.jpg"));
        Files.writeString(batch.resolve("bad.jpg"), "not a jpeg");
        Run r = run("predict", "--model", model.toString(), "--images", batch.toString());
        assertEquals(Annotate.SOME_FAILED, r.code());
        assertTrue(r.err().contains("failed: " + batch.resolve("bad.jpg")), r.err());
    }

    @Test
    void tfrecord_convertsTheDataset() {
        Path base = root.resolve("records/ds");
        Run r = run("tfrecord", "--voc", data.toString(), "--labels", data.resolve("label_map.pbtxt").toString(),
                "--out", base.toString(), "--val-fraction", "0.3");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(root.resolve("records/ds_train.record")));
        Run inspect = run("inspect", root.resolve("records/ds_train.record").toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("records in"), inspect.out());
    }

    @Test
    void evaluate_aModel_printsApPerClass() {
        Run r = run("evaluate", "--truth", data.toString(), "--model", model.toString(), "--metric", "voc07");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("VOC07 mAP "), r.out());
    }

    @Test
    void inspect_labelMapAndModel() {
        Run map = run("inspect", data.resolve("label_map.pbtxt").toString());
        assertEquals(0, map.code(), map.err());
        assertTrue(map.out().contains("name: \"race car\""), map.out());
        Run m = run("inspect", model.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("YOLOV8"), m.out());
    }

    @Test
    void convert_listsFormats_andConvertsVocToVoc() {
        Run list = run("convert", "--list");
        assertEquals(0, list.code(), list.err());
        assertEquals(java.util.List.of("coco", "cvat", "labelstudio", "voc", "yolo"),
                list.out().lines().map(l -> l.split(" ")[0]).toList(), list.out());
        Run r = run("convert", "--from", "voc", "--to", "voc", "--in", data.toString(), "--out",
                root.resolve("copy").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(root.resolve("copy/000003.xml")));
    }

    @Test
    void convert_vocToCocoAndBack_keepsTheBoxesAndTheFolders() throws IOException {
        Path nested = Files.createDirectories(root.resolve("nested/sub"));
        for (String name : new String[] {"000001.jpg", "000001.xml", "000002.jpg", "000002.xml"}) {
            Files.copy(data.resolve(name), nested.resolve(name));
        }
        Path tree = nested.getParent();
        Run toCoco = run("convert", "--from", "voc", "--to", "coco", "--in", tree.toString(), "--out", tree.toString());
        assertEquals(0, toCoco.code(), toCoco.err());
        assertTrue(toCoco.out().startsWith("2 converted"), toCoco.out());
        String json = Files.readString(tree.resolve("annotations.json"));
        assertTrue(json.contains("\"file_name\":\"sub/000001.jpg\""), json);

        Path back = root.resolve("back");
        Run toVoc = run("convert", "--from", "coco", "--to", "voc", "--in", tree.resolve("annotations.json").toString(),
                "--out", back.toString());
        assertEquals(0, toVoc.code(), toVoc.err());
        for (String name : new String[] {"000001.xml", "000002.xml"}) {
            AnnotatedImage original = Voc.read(nested.resolve(name)).image().orElseThrow();
            AnnotatedImage converted = Voc.read(back.resolve("sub").resolve(name)).image().orElseThrow();
            assertEquals(original.annotations().stream().map(a -> a.label() + " " + a.box()).toList(),
                    converted.annotations().stream().map(a -> a.label() + " " + a.box()).toList());
            assertEquals(original.fileName(), converted.fileName());
        }
    }

    /** A CVAT project export: the same file name in three subsets, each image under images/SUBSET/. */
    private static Path cvatProjectExport(String name) throws IOException {
        Path export = root.resolve(name);
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n"
                + "  <version>1.1</version>\n");
        String[] subsets = {"Train", "Validation", "Test"};
        for (int s = 0; s < subsets.length; s++) {
            Path images = Files.createDirectories(export.resolve("images").resolve(subsets[s]));
            AnnotatedImage size = Voc.read(data.resolve("00000" + (s + 1) + ".xml")).image().orElseThrow();
            Files.copy(data.resolve("00000" + (s + 1) + ".jpg"), images.resolve("img0.jpg"));
            xml.append("  <image id=\"").append(s).append("\" name=\"img0.jpg\" subset=\"").append(subsets[s])
                    .append("\" width=\"").append(size.width()).append("\" height=\"").append(size.height())
                    .append("\">\n    <box label=\"").append(subsets[s].toLowerCase(java.util.Locale.ROOT))
                    .append("\" source=\"manual\" occluded=\"0\" xtl=\"10\" ytl=\"").append(10 + s)
                    .append("\" xbr=\"50\" ybr=\"40\" z_order=\"0\"></box>\n  </image>\n");
        }
        Files.writeString(export.resolve("annotations.xml"), xml.append("</annotations>\n"));
        return export;
    }

    @Test
    void convert_aCvatProjectExport_keepsEverySubsetsImage_andRefusesToOverwrite() throws IOException {
        Path export = cvatProjectExport("cvat-project");
        Path voc = root.resolve("cvat-project-voc");
        Run toVoc = run("convert", "--from", "cvat", "--to", "voc", "--in", export.resolve("annotations.xml").toString(),
                "--out", voc.toString());
        assertEquals(0, toVoc.code(), toVoc.err());
        assertTrue(toVoc.out().startsWith("3 converted, 0 unreadable"), toVoc.out());
        String[] subsets = {"Train", "Validation", "Test"};
        for (int s = 0; s < subsets.length; s++) {
            AnnotatedImage image = Voc.read(voc.resolve("images").resolve(subsets[s]).resolve("img0.xml")).image()
                    .orElseThrow();
            assertEquals(java.util.List.of(subsets[s].toLowerCase(java.util.Locale.ROOT)),
                    image.annotations().stream().map(a -> a.label()).toList(), "each subset's own boxes");
        }

        Run toCoco = run("convert", "--from", "cvat", "--to", "coco", "--in", export.toString(), "--out",
                root.resolve("cvat-project-coco").toString());
        assertEquals(0, toCoco.code(), toCoco.err());
        assertTrue(toCoco.out().startsWith("3 converted"), toCoco.out());

        Path labels = Files.writeString(root.resolve("cvat-project.pbtxt"), "item { id: 1 name: 'train' }\n"
                + "item { id: 2 name: 'validation' }\nitem { id: 3 name: 'test' }\n");
        Run records = run("tfrecord", "--data", export.resolve("annotations.xml").toString(), "--format", "cvat",
                "--labels", labels.toString(), "--out", root.resolve("cvat-project-records/ds").toString());
        assertEquals(0, records.code(), records.err() + records.out());

        // the same name twice without subsets: one target, so the second is refused, not reported converted
        Path twice = Files.createDirectories(root.resolve("cvat-twice"));
        Files.writeString(twice.resolve("annotations.xml"), Files.readString(export.resolve("annotations.xml"))
                .replaceAll(" subset=\"[A-Za-z]+\"", ""));
        Path out = root.resolve("cvat-twice-voc");
        Run clash = run("convert", "--from", "cvat", "--to", "voc", "--in", twice.toString(), "--out", out.toString());
        assertEquals(Annotate.SOME_FAILED, clash.code(), clash.err());
        assertTrue(clash.out().startsWith("1 converted, 2 unreadable or refused"), clash.out());
        assertTrue(clash.err().contains("would be written as 'img0.jpg' where the earlier image"), clash.err());
        assertEquals(java.util.List.of("train"), Voc.read(out.resolve("img0.xml")).image().orElseThrow()
                .annotations().stream().map(a -> a.label()).toList(), "the first image's file, not overwritten");
    }

    @Test
    void convert_vocToLabelStudioAndBack_keepsTheBoxesToThePixel() throws IOException {
        Path tree = Files.createDirectories(root.resolve("studio/batch"));
        for (String name : new String[] {"000001.jpg", "000001.xml", "000002.jpg", "000002.xml"}) {
            Files.copy(data.resolve(name), tree.resolve(name));
        }
        Path studio = tree.getParent();
        Run toStudio = run("convert", "--from", "voc", "--to", "labelstudio", "--in", studio.toString(), "--out",
                studio.toString());
        assertEquals(0, toStudio.code(), toStudio.err());
        String json = Files.readString(studio.resolve("tasks.json"));
        assertTrue(json.contains("\"image\": \"/data/local-files/?d=batch/000001.jpg\""), json);

        Path back = root.resolve("studio-back");
        Run toVoc = run("convert", "--from", "labelstudio", "--to", "voc", "--in", studio.toString(), "--out",
                back.toString());
        assertEquals(0, toVoc.code(), toVoc.err());
        for (String name : new String[] {"000001.xml", "000002.xml"}) {
            AnnotatedImage original = Voc.read(tree.resolve(name)).image().orElseThrow();
            AnnotatedImage converted = Voc.read(back.resolve("batch").resolve(name)).image().orElseThrow();
            assertEquals(original.annotations().stream().map(a -> a.label() + " " + a.box()).toList(),
                    converted.annotations().stream().map(a -> a.label() + " " + a.box()).toList());
        }
    }

    @Test
    void aBug_exitsThree_withOneLineNamingTheException_andTheFileHoldingItsStackTrace() throws IOException {
        Path bug = Files.writeString(root.resolve("bug.fixture"), "!bug\n");
        Run r = run("predict", "--model", bug.toString(), "--images", data.toString());
        assertEquals(Annotate.INTERNAL_ERROR, r.code(), r.err());
        Matcher m = Pattern.compile("annotate: internal error: java.lang.NullPointerException: a simulated bug in the"
                + " fixture backend \\(a bug in annotate; the stack trace is in (.+), or run again with --verbose\\)\n")
                .matcher(r.err());
        assertTrue(m.matches(), r.err());
        Path trace = Path.of(m.group(1));
        try {
            assertTrue(Files.readString(trace).contains("at dev.annotate.core.spi.FixtureDetectorProvider.open"));
        } finally {
            Files.delete(trace);
        }
    }

    @Test
    void aBug_withVerbose_printsTheStackTrace() throws IOException {
        Path bug = Files.writeString(root.resolve("bug.fixture"), "!bug\n");
        Run r = run("predict", "--model", bug.toString(), "--images", data.toString(), "--verbose");
        assertEquals(Annotate.INTERNAL_ERROR, r.code(), r.err());
        assertTrue(r.err().startsWith("annotate: internal error: java.lang.NullPointerException: a simulated bug in the"
                + " fixture backend (a bug in annotate)\njava.lang.NullPointerException: "), r.err());
        assertTrue(r.err().contains("at dev.annotate.core.spi.FixtureDetectorProvider.open"), r.err());
    }

    @Test
    void aFailingRuntime_exitsThree_andIsNotCalledABug() throws IOException {
        Path broken = Files.writeString(root.resolve("broken.fixture"), "!runtime-failure\n");
        Run r = run("evaluate", "--model", broken.toString(), "--truth", data.toString(), "--verbose");
        assertEquals(Annotate.INTERNAL_ERROR, r.code(), r.err());
        assertTrue(r.err().startsWith("annotate: internal error: dev.annotate.core.DetectorException: a simulated native"
                + " runtime failure of " + broken + " (the model or its runtime failed)\n"), r.err());
    }

    @Test
    void badUsage_exitsTwo_withAMessage() {
        assertEquals(Annotate.BAD_INPUT, run("predict", "--images", data.toString()).code());
        assertEquals(Annotate.BAD_INPUT, run("predict", "--nonsense").code());
        assertEquals(Annotate.BAD_INPUT, run().code());
        Run missing = run("predict", "--model", root.resolve("nope.onnx").toString(), "--images", data.toString());
        assertEquals(Annotate.BAD_INPUT, missing.code());
        assertEquals("annotate: error: " + root.resolve("nope.onnx") + ": no such file (no model file or directory)\n",
                missing.err());
        Run policy = run("predict", "--model", model.toString(), "--images", data.toString(), "--existing", "maybe");
        assertEquals("annotate: error: --existing maybe is not one of skip, skip-verified, refresh, overwrite\n", policy.err());
    }
}
