package dev.annotate.formats;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.TestFiles;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.ReadResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class LabelStudioFormatTest {

    @TempDir
    Path dir;

    private final LabelStudioFormat format = new LabelStudioFormat();

    private static List<ReadResult> read(LabelStudioFormat f, Path dataset, LabelMap labels) throws IOException {
        List<ReadResult> results = new ArrayList<>();
        f.read(dataset, labels, results::add);
        return results;
    }

    @Test
    void isInstalledAsLabelstudio() {
        assertInstanceOf(LabelStudioFormat.class, AnnotationFormats.byName("labelstudio"));
    }

    @Test
    void write_givesTasksLabelStudioImports_predictionsForTheMachineAndAnnotationsForAPerson() throws IOException {
        AnnotatedImage machine = new AnnotatedImage("0001.jpg", Optional.empty(), 600, 403, 3,
                List.of(Annotation.predicted("race car", BoundingBox.of(29.88, 51.66, 225, 232.65), 0.87),
                        Annotation.predicted("tree", BoundingBox.of(300, 10, 360, 110), 0.41)),
                false, Map.of(), Optional.of("round-1/model.onnx"));
        AnnotatedImage person = AnnotatedImage.of("b c.jpg", 100, 50, 3,
                List.of(Annotation.of("tree", BoundingBox.of(10, 5, 60, 45))));
        try (DatasetWriter w = format.openWriter(dir, LabelMap.empty())) {
            w.write("batch/0001.jpg", machine);
            w.write("batch/b c.jpg", person);
        }
        JsonArray tasks = JsonParser.parseString(Files.readString(dir.resolve("tasks.json"))).getAsJsonArray();
        JsonObject first = tasks.get(0).getAsJsonObject();
        assertEquals("/data/local-files/?d=batch/0001.jpg", first.getAsJsonObject("data").get("image").getAsString());
        JsonObject prediction = first.getAsJsonArray("predictions").get(0).getAsJsonObject();
        assertEquals("round-1/model.onnx", prediction.get("model_version").getAsString());
        assertEquals(0.41, prediction.get("score").getAsDouble(), "the task's lowest score");
        JsonObject region = prediction.getAsJsonArray("result").get(0).getAsJsonObject();
        assertEquals("rectanglelabels", region.get("type").getAsString());
        assertEquals("label", region.get("from_name").getAsString());
        assertEquals("image", region.get("to_name").getAsString());
        assertEquals(600, region.get("original_width").getAsInt());
        assertEquals(403, region.get("original_height").getAsInt());
        assertEquals(0, region.get("image_rotation").getAsInt());
        assertEquals(0.87, region.get("score").getAsDouble());
        JsonObject value = region.getAsJsonObject("value");
        assertEquals(4.98, value.get("x").getAsDouble(), 1e-9);
        assertEquals(12.818858560794045, value.get("y").getAsDouble(), 1e-9);
        assertEquals(32.52, value.get("width").getAsDouble(), 1e-9);
        assertEquals(0, value.get("rotation").getAsInt());
        assertEquals("race car", value.getAsJsonArray("rectanglelabels").get(0).getAsString());
        List<String> ids = new ArrayList<>();
        tasks.forEach(t -> t.getAsJsonObject().entrySet().stream().filter(e -> e.getKey().endsWith("ions"))
                .forEach(e -> e.getValue().getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("result")
                        .forEach(r -> ids.add(r.getAsJsonObject().get("id").getAsString()))));
        assertEquals(3, ids.stream().distinct().count(), "region ids are unique: " + ids);
        JsonObject second = tasks.get(1).getAsJsonObject();
        assertEquals("/data/local-files/?d=batch/b%20c.jpg", second.getAsJsonObject("data").get("image")
                .getAsString());
        assertTrue(second.has("annotations") && !second.has("predictions"), second.toString());
    }

    @Provide
    Arbitrary<List<AnnotatedImage>> datasets() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('!', '~').withChars(' ', 'é', '車')
                .ofMinLength(1).ofMaxLength(10).filter(s -> !s.isBlank());
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 5000);
        Arbitrary<AnnotatedImage> image = Combinators.combine(side, side, Arbitraries.of(true, false))
                .flatAs((w, h, machine) -> {
                    Arbitrary<Annotation> box = Combinators.combine(label, Arbitraries.doubles().between(0, w),
                            Arbitraries.doubles().between(0, w), Arbitraries.doubles().between(0, h),
                            Arbitraries.doubles().between(0, h), Arbitraries.doubles().between(0, 1))
                            .as((l, xa, xb, ya, yb, score) -> {
                                BoundingBox b = BoundingBox.of(Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb),
                                        Math.max(ya, yb));
                                return machine ? Annotation.predicted(l, b, score) : Annotation.of(l, b);
                            });
                    return box.list().ofMinSize(1).ofMaxSize(8).map(boxes -> new AnnotatedImage("x.jpg",
                            Optional.empty(), w, h, 3, boxes, false, Map.of(),
                            machine ? Optional.of("model " + w) : Optional.empty()));
                });
        return image.list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 100)
    void writeThenRead_givesTheImagesBack(@ForAll("datasets") List<AnnotatedImage> images) throws IOException {
        Path root = Files.createTempDirectory("labelstudio");
        try {
            try (DatasetWriter w = format.openWriter(root, LabelMap.empty())) {
                for (int i = 0; i < images.size(); i++) {
                    w.write("sub dir/" + i + ".jpg", images.get(i));
                }
            }
            List<ReadResult> back = read(format, root, LabelMap.empty());
            assertEquals(images.size(), back.size());
            for (int i = 0; i < images.size(); i++) {
                AnnotatedImage in = images.get(i);
                ReadResult r = back.get(i);
                assertEquals(List.of(), r.problems());
                AnnotatedImage out = r.image().orElseThrow();
                assertEquals(i + ".jpg", out.fileName());
                assertEquals(root.toAbsolutePath().resolve("sub dir/" + i + ".jpg").toString(),
                        out.path().orElseThrow());
                assertEquals(in.width(), out.width());
                assertEquals(in.height(), out.height());
                assertEquals(in.predictedBy(), out.predictedBy());
                assertEquals(in.annotations().size(), out.annotations().size());
                for (int k = 0; k < in.annotations().size(); k++) {
                    Annotation a = in.annotations().get(k);
                    Annotation b = out.annotations().get(k);
                    assertEquals(a.label(), b.label());
                    assertEquals(a.confidence(), b.confidence());
                    double tolerance = 1e-9 * Math.max(in.width(), in.height());
                    assertEquals(a.box().xmin(), b.box().xmin(), tolerance);
                    assertEquals(a.box().ymin(), b.box().ymin(), tolerance);
                    assertEquals(a.box().xmax(), b.box().xmax(), tolerance);
                    assertEquals(a.box().ymax(), b.box().ymax(), tolerance);
                }
            }
        } finally {
            TestFiles.deleteTree(root);
        }
    }

    @Property(tries = 200)
    void wholePixelBoxes_comeBackExactly(@ForAll("wholePixelBoxes") AnnotatedImage image) throws IOException {
        Path root = Files.createTempDirectory("labelstudio-whole");
        try {
            try (DatasetWriter w = format.openWriter(root, LabelMap.empty())) {
                w.write("x.jpg", image);
            }
            AnnotatedImage back = read(format, root, LabelMap.empty()).get(0).image().orElseThrow();
            for (int k = 0; k < image.annotations().size(); k++) {
                assertEquals(image.annotations().get(k).box(), back.annotations().get(k).box());
            }
        } finally {
            TestFiles.deleteTree(root);
        }
    }

    @Provide
    Arbitrary<AnnotatedImage> wholePixelBoxes() {
        Arbitrary<Integer> side = Arbitraries.integers().between(2, 10000);
        return Combinators.combine(side, side).flatAs((w, h) -> Combinators.combine(
                        Arbitraries.integers().between(0, w - 1), Arbitraries.integers().between(0, h - 1),
                        Arbitraries.integers().between(1, w), Arbitraries.integers().between(1, h))
                .as((x, y, bw, bh) -> Annotation.of("car", BoundingBox.of(x, y, Math.min(w, x + bw),
                        Math.min(h, y + bh))))
                .list().ofMinSize(1).ofMaxSize(10)
                .map(boxes -> AnnotatedImage.of("x.jpg", w, h, 3, boxes)));
    }

    @Test
    void read_anExport_takesAnAnnotationNotCancelled_elsePredictions_andReportsWhatItLeavesOut()
            throws IOException {
        ImageIO.write(new BufferedImage(80, 60, BufferedImage.TYPE_3BYTE_BGR), "png",
                dir.resolve("empty.png").toFile());
        String export = """
                [{"id": 1, "data": {"image": "/data/local-files/?d=a.jpg"},
                  "annotations": [
                    {"was_cancelled": false, "result": [{"type": "rectanglelabels", "original_width": 200,
                      "original_height": 100, "value": {"x": 10, "y": 20, "width": 50, "height": 30,
                      "rotation": 0, "rectanglelabels": ["old"]}}]},
                    {"was_cancelled": false, "result": [
                      {"type": "rectanglelabels", "original_width": 200, "original_height": 100,
                       "value": {"x": 10, "y": 20, "width": 50, "height": 30, "rotation": 0,
                                 "rectanglelabels": ["car"]}},
                      {"type": "rectanglelabels", "original_width": 200, "original_height": 100,
                       "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 30,
                                 "rectanglelabels": ["car"]}},
                      {"type": "polygonlabels", "original_width": 200, "original_height": 100,
                       "value": {"points": [[1, 2], [3, 4]], "polygonlabels": ["car"]}},
                      {"type": "rectanglelabels", "original_width": 200, "original_height": 100,
                       "value": {"x": 5, "y": 5, "width": 5, "height": 5, "rectanglelabels": ["zebra"]}}]},
                    {"was_cancelled": true, "result": []}],
                  "predictions": [{"model_version": "m", "result": []}]},
                 {"id": 2, "data": {"image": "s3://bucket/b.jpg"},
                  "predictions": [{"model_version": "round-2", "score": 0.3, "result": [
                    {"type": "rectanglelabels", "original_width": 640, "original_height": 480, "score": 0.3,
                     "value": {"x": 50, "y": 50, "width": 25, "height": 25, "rectanglelabels": ["car"]}}]}]},
                 {"id": 3, "data": {"image": "empty.png"}},
                 {"id": 4, "data": {"text": "no image"}},
                 "not a task"]
                """;
        Path file = Files.writeString(dir.resolve("export.json"), export);
        List<ReadResult> results = read(format, file, LabelMap.fromNames(List.of("car")));

        assertEquals(5, results.size());
        AnnotatedImage a = results.get(0).image().orElseThrow();
        assertTrue(a.checked());
        assertEquals(List.of("car", "zebra"), a.annotations().stream().map(Annotation::label).toList());
        assertEquals(BoundingBox.of(20, 20, 120, 50), a.annotations().get(0).box());
        List<String> problems = results.get(0).problems().stream().map(p -> p.position() + ": " + p.message())
                .toList();
        assertEquals(List.of(
                "task 1 (id 1), region 2: is rotated by 30.0 degrees, which a box cannot hold; left out",
                "task 1 (id 1), region 3: type 'polygonlabels' is not rectanglelabels; left out",
                "task 1 (id 1), region 4: label 'zebra' is not in the label map [car]; kept"), problems);

        AnnotatedImage b = results.get(1).image().orElseThrow();
        assertEquals(Optional.of("round-2"), b.predictedBy());
        assertEquals("s3://bucket/b.jpg", b.path().orElseThrow());
        assertEquals(0.3, b.annotations().get(0).confidence().getAsDouble());
        assertEquals(BoundingBox.of(320, 240, 480, 360), b.annotations().get(0).box());

        AnnotatedImage empty = results.get(2).image().orElseThrow();
        assertEquals(80, empty.width(), "no region: the size comes from the image beside the file");
        assertTrue(empty.annotations().isEmpty());

        assertTrue(results.get(3).image().isEmpty());
        assertEquals("task 4 (id 4)", results.get(3).problems().get(0).position());
        assertTrue(results.get(3).problems().get(0).message().startsWith("has no data.image"));
        assertTrue(results.get(4).problems().get(0).message().startsWith("is not a JSON object"));
    }

    /** One annotation or prediction whose only box carries {@code label}, with the given extra members. */
    private static String labelled(String label, String members) {
        return "{" + members + (members.isEmpty() ? "" : ", ") + "\"result\": [{\"type\": \"rectanglelabels\","
                + " \"original_width\": 100, \"original_height\": 100, \"value\": {\"x\": 10, \"y\": 10,"
                + " \"width\": 20, \"height\": 20, \"rectanglelabels\": [\"" + label + "\"]}}]}";
    }

    @Test
    void read_severalAnnotations_takesTheMostRecentByUpdatedThenCreated_notTheLastInTheList() throws IOException {
        String export = "["
                // updated_at decides over list order and over created_at; a cancelled newer one does not count
                + "{\"data\": {\"image\": \"a.jpg\"}, \"annotations\": ["
                + labelled("newest", "\"created_at\": \"2024-01-01T00:00:00.000000Z\","
                        + " \"updated_at\": \"2024-03-01T12:00:00.500000Z\"") + ", "
                + labelled("older", "\"created_at\": \"2024-02-01T00:00:00Z\","
                        + " \"updated_at\": \"2024-03-01T12:00:00.400000Z\"") + ", "
                + labelled("cancelled", "\"was_cancelled\": true, \"updated_at\": \"2025-01-01T00:00:00Z\"")
                + "]},"
                // created_at alone, an offset, and one without any time: the timed one wins
                + "{\"data\": {\"image\": \"b.jpg\"}, \"annotations\": ["
                + labelled("created", "\"created_at\": \"2024-05-01T10:00:00+02:00\"") + ", "
                + labelled("untimed", "") + ", "
                + labelled("earlier", "\"created_at\": \"2024-05-01T07:59:59Z\"") + "]},"
                // no times at all: the last in the list, as before
                + "{\"data\": {\"image\": \"c.jpg\"}, \"annotations\": ["
                + labelled("first", "") + ", " + labelled("last", "") + "]},"
                // predictions by the same rule when nobody annotated
                + "{\"data\": {\"image\": \"d.jpg\"}, \"predictions\": ["
                + labelled("round-2", "\"model_version\": \"2\", \"created_at\": \"2024-06-02T00:00:00\"")
                + ", " + labelled("round-1", "\"model_version\": \"1\", \"created_at\": \"2024-06-01T00:00:00\"")
                + "]}]";
        Path file = Files.writeString(dir.resolve("recent.json"), export);
        List<ReadResult> results = read(format, file, LabelMap.empty());

        assertEquals(List.of("newest", "created", "last", "round-2"), results.stream()
                .map(r -> r.image().orElseThrow().annotations().get(0).label()).toList());
        assertEquals(List.of(true, true, true, false), results.stream()
                .map(r -> r.image().orElseThrow().checked()).toList());
        assertEquals(Optional.of("2"), results.get(3).image().orElseThrow().predictedBy());
    }

    @Test
    void read_notATasksFile_isOneFailedResultNamingTheFile() throws IOException {
        Path object = Files.writeString(dir.resolve("o.json"), "{\"images\": []}");
        List<ReadResult> r = read(format, object, LabelMap.empty());
        assertEquals(1, r.size());
        assertTrue(r.get(0).problems().get(0).toString().startsWith(object + ": not a Label Studio tasks file"));

        Path broken = Files.writeString(dir.resolve("b.json"), "[{\"data\": {\"image\": \"x.jpg\"}}, {\"data\": ");
        r = read(format, broken, LabelMap.empty());
        assertTrue(r.get(r.size() - 1).problems().get(0).message().startsWith("not valid JSON"), r.toString());

        Path binary = Files.write(dir.resolve("bin.json"), new byte[] {'[', (byte) 0xC3, (byte) 0x28, ']'});
        r = read(format, binary, LabelMap.empty());
        assertTrue(r.get(0).problems().get(0).message().startsWith("not"), r.toString());
    }

    @Test
    void anotherPrefix_isWrittenAsGiven_andTakenOffOnReading() throws IOException {
        LabelStudioFormat s3 = new LabelStudioFormat(new LabelStudioFormat.Settings("s3://bucket/root/", "img",
                "boxes", "photo"));
        AnnotatedImage image = AnnotatedImage.of("p.jpg", 10, 10, 3,
                List.of(Annotation.of("car", BoundingBox.of(1, 1, 5, 5))));
        try (DatasetWriter w = s3.openWriter(dir.resolve("s3.json"), LabelMap.empty())) {
            w.write("x/p.jpg", image);
        }
        String text = Files.readString(dir.resolve("s3.json"), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"img\": \"s3://bucket/root/x/p.jpg\""), text);
        assertTrue(text.contains("\"from_name\": \"boxes\"") && text.contains("\"to_name\": \"photo\""), text);
        AnnotatedImage back = read(s3, dir.resolve("s3.json"), LabelMap.empty()).get(0).image().orElseThrow();
        assertEquals(dir.toAbsolutePath().resolve("x/p.jpg").toString(), back.path().orElseThrow());
    }

    @Provide
    Arbitrary<String> garbage() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
                Arbitraries.strings().withChars("[]{}\":,0123456789.-eE truefalsn").ofMaxLength(200),
                Arbitraries.of("[{\"data\":{\"image\":\"a.jpg\"},\"predictions\":[{\"result\":[{\"type\":"
                        + "\"rectanglelabels\",\"original_width\":1e309,\"original_height\":-1,\"value\":{}}]}]}]",
                        "[{\"data\":{\"image\":\"\"}}]", "[{\"data\":{\"image\":\"/\"}}]", "[[]]", "[null]",
                        "[{\"data\":{\"image\":\"a\\u0000.jpg\"},\"annotations\":[{\"result\":[{\"type\":"
                                + "\"rectanglelabels\",\"original_width\":5,\"original_height\":5,\"value\":"
                                + "{\"x\":1,\"y\":1,\"width\":1,\"height\":1,"
                                + "\"rectanglelabels\":[\"\\u0001\"]}}]}]}]"));
    }

    @Property(tries = 300)
    void read_garbage_neverThrows(@ForAll("garbage") String text) throws IOException {
        Path file = Files.createTempFile("garbage", ".json");
        try {
            Files.writeString(file, text);
            for (ReadResult r : read(format, file, LabelMap.empty())) {
                assertTrue(r.image().isPresent() || !r.problems().isEmpty());
            }
        } finally {
            Files.delete(file);
        }
    }
}
