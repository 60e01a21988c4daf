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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class CocoFormatTest {

    @TempDir
    Path dir;

    private final CocoFormat coco = new CocoFormat();

    /** A file shaped like the COCO 2017 instances files, trimmed: what pycocotools and Detectron2 read. */
    private static final String OFFICIAL_SHAPE = """
            {"info": {"description": "COCO 2017 Dataset", "version": "1.0"},
             "licenses": [{"url": "http://creativecommons.org/licenses/by-nc-sa/2.0/", "id": 1, "name": "x"}],
             "images": [
              {"license": 3, "file_name": "000000397133.jpg", "coco_url": "http://images.cocodataset.org/x.jpg",
               "height": 427, "width": 640, "date_captured": "2013-11-14 17:02:52", "id": 397133},
              {"license": 1, "file_name": "sub/000000037777.jpg", "height": 230, "width": 352, "id": 37777}],
             "annotations": [
              {"segmentation": [[510.66, 423.01, 511.72, 420.03, 510.45, 423.01]], "area": 702.1057,
               "iscrowd": 0, "image_id": 397133, "bbox": [473.07, 395.93, 38.65, 28.67], "category_id": 18,
               "id": 1768},
              {"segmentation": {"counts": [179, 27], "size": [427, 640]}, "area": 220834, "iscrowd": 1,
               "image_id": 397133, "bbox": [0, 34, 639, 388], "category_id": 1, "id": 900100397133},
              {"segmentation": [], "area": 100.5, "iscrowd": 0, "image_id": 37777,
               "bbox": [10, 20, 30.5, 40], "category_id": 1, "id": 7}],
             "categories": [{"supercategory": "person", "id": 1, "name": "person"},
                            {"supercategory": "animal", "id": 18, "name": "dog"}]}
            """;

    private List<ReadResult> read(Path dataset, LabelMap labels) throws IOException {
        List<ReadResult> results = new ArrayList<>();
        coco.read(dataset, labels, results::add);
        return results;
    }

    @Test
    void read_officialShape_givesPixelBoxesNamesAndKeepsWhatItDoesNotModel() throws IOException {
        Path file = Files.writeString(dir.resolve("instances_val2017.json"), OFFICIAL_SHAPE);

        List<ReadResult> results = read(file, LabelMap.empty());

        assertEquals(2, results.size());
        results.forEach(r -> assertTrue(r.isClean(), r.problems().toString()));
        AnnotatedImage first = results.get(0).image().orElseThrow();
        assertEquals("000000397133.jpg", first.fileName());
        assertEquals(640, first.width());
        assertEquals(427, first.height());
        assertEquals("dog", first.annotations().get(0).label());
        assertEquals(BoundingBox.of(473.07, 395.93, 473.07 + 38.65, 395.93 + 28.67), first.annotations().get(0).box());
        assertEquals("person", first.annotations().get(1).label());
        assertEquals("1", first.annotations().get(1).extras().get("coco:iscrowd"));
        assertTrue(first.annotations().get(1).extras().get("coco:segmentation").contains("counts"));
        assertEquals("3", first.extras().get("coco:license"));
        assertEquals("\"2013-11-14 17:02:52\"", first.extras().get("coco:date_captured"));
        AnnotatedImage second = results.get(1).image().orElseThrow();
        assertEquals("000000037777.jpg", second.fileName());
        assertEquals(dir.toAbsolutePath().resolve("sub/000000037777.jpg").toString(), second.path().orElseThrow());
        assertEquals(Map.of(), second.annotations().get(0).extras(), "empty segmentation and iscrowd 0 are defaults");
    }

    @Test
    void machineFiles_stayTheMachines_untilTheirBoxesChange() throws IOException {
        AnnotatedImage predicted = new AnnotatedImage("a.jpg", java.util.Optional.empty(), 640, 480, 3,
                List.of(Annotation.predicted("dog", BoundingBox.of(10, 20, 110, 220), 0.75)), false, Map.of(),
                java.util.Optional.of("round-1/model.onnx"));
        AnnotatedImage person = AnnotatedImage.of("b.jpg", 640, 480, 3,
                List.of(Annotation.of("dog", BoundingBox.of(1, 2, 3, 4))));
        Path out = dir.resolve("marked.json");
        try (DatasetWriter w = coco.openWriter(out, LabelMap.empty())) {
            w.write("a.jpg", predicted);
            w.write("b.jpg", person);
        }
        JsonObject json = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertTrue(json.getAsJsonArray("images").get(0).getAsJsonObject().get(CocoFormat.MARK_MEMBER).getAsString()
                .startsWith("annotate pre-annotation; model=round-1/model.onnx; boxes="), json.toString());
        assertFalse(json.getAsJsonArray("images").get(1).getAsJsonObject().has(CocoFormat.MARK_MEMBER));

        List<ReadResult> back = read(out, LabelMap.empty());
        AnnotatedImage a = back.get(0).image().orElseThrow();
        assertEquals(java.util.Optional.of("round-1/model.onnx"), a.predictedBy());
        assertFalse(a.checked());
        assertEquals(Map.of(), a.extras(), "the mark is not left among the extras");
        assertEquals(0.75, a.annotations().get(0).confidence().getAsDouble());
        assertTrue(back.get(1).image().orElseThrow().checked());

        Path rewritten = dir.resolve("again.json");
        try (DatasetWriter w = coco.openWriter(rewritten, LabelMap.empty())) {
            w.write("a.jpg", a);
        }
        assertEquals(a, read(rewritten, LabelMap.empty()).get(0).image().orElseThrow(), "a machine file stays one");

        String edited = Files.readString(out).replace("[10.0,20.0,100.0,200.0]", "[10.0,20.0,120.0,200.0]");
        assertTrue(!edited.equals(Files.readString(out)), "the test edits a box: " + Files.readString(out));
        AnnotatedImage changed = read(Files.writeString(dir.resolve("edited.json"), edited), LabelMap.empty()).get(0)
                .image().orElseThrow();
        assertTrue(changed.checked(), "a box changed since the machine wrote it: a person's file");
        assertTrue(changed.extras().containsKey("coco:" + CocoFormat.MARK_MEMBER), "the stale mark is kept");
    }

    @Test
    void rewrite_ofAReadFile_keepsBoxesNamesAndUnmodelledMembers() throws IOException {
        Path file = Files.writeString(dir.resolve("in.json"), OFFICIAL_SHAPE);
        List<ReadResult> first = read(file, LabelMap.empty());
        Path out = dir.resolve("out.json");

        try (DatasetWriter w = coco.openWriter(out, LabelMap.empty())) {
            for (ReadResult r : first) {
                AnnotatedImage image = r.image().orElseThrow();
                w.write(dir.toAbsolutePath().relativize(Path.of(image.path().orElseThrow())).toString(), image);
            }
        }

        List<ReadResult> second = read(out, LabelMap.empty());
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            // as read, but fitted as every writer writes (the crowd box reaching the left edge is truncated)
            assertEquals(first.get(i).image().orElseThrow().fitted(), second.get(i).image().orElseThrow());
        }
        JsonObject json = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        JsonObject crowd = json.getAsJsonArray("annotations").get(1).getAsJsonObject();
        assertEquals(1, crowd.get("iscrowd").getAsInt());
        assertTrue(crowd.get("segmentation").isJsonObject());
    }

    @Test
    void write_givesTheCocoShape_withLabelMapIds_andNewLabelsAfterThemInNameOrder() throws IOException {
        LabelMap labels = LabelMap.of(List.of(LabelMap.Entry.of(3, "cat"), LabelMap.Entry.of(7, "race car")));
        AnnotatedImage b = AnnotatedImage.of("b.jpg", 640, 480, 3, List.of(
                Annotation.predicted("race car", BoundingBox.of(10.5, 20, 110.5, 70), 0.75),
                Annotation.of("zebra", BoundingBox.of(0, 0, 5, 5)).withFlags(true, false).withPose("Left"),
                Annotation.of("ant", BoundingBox.of(1, 2, 3, 4))));
        AnnotatedImage a = AnnotatedImage.of("a.jpg", 100, 50, 3, List.of());

        try (DatasetWriter w = coco.openWriter(dir, labels)) {
            w.write("train/b.jpg", b);
            w.write("a.jpg", a);
        }

        JsonObject json = JsonParser.parseString(Files.readString(dir.resolve(CocoFormat.DEFAULT_FILE_NAME)))
                .getAsJsonObject();
        JsonArray images = json.getAsJsonArray("images");
        assertEquals("a.jpg", images.get(0).getAsJsonObject().get("file_name").getAsString(), "sorted by path");
        assertEquals(JsonParser.parseString("{\"id\":2,\"file_name\":\"train/b.jpg\",\"width\":640,\"height\":480}"),
                images.get(1));
        assertEquals(JsonParser.parseString("""
                [{"id":3,"name":"cat","supercategory":"none"},{"id":7,"name":"race car","supercategory":"none"},
                 {"id":8,"name":"ant","supercategory":"none"},{"id":9,"name":"zebra","supercategory":"none"}]"""),
                json.getAsJsonArray("categories"));
        JsonArray annotations = json.getAsJsonArray("annotations");
        assertEquals(JsonParser.parseString("""
                {"id":1,"image_id":2,"category_id":7,"bbox":[10.5,20.0,100.0,50.0],"area":5000.0,"iscrowd":0,
                 "score":0.75}"""), annotations.get(0));
        assertEquals(JsonParser.parseString("{\"difficult\":true,\"truncated\":true,\"pose\":\"Left\"}"),
                annotations.get(1).getAsJsonObject().get("attributes"), "at the border: truncated, as in VOC");
        assertEquals(8, annotations.get(2).getAsJsonObject().get("category_id").getAsInt());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve(CocoFormat.DEFAULT_FILE_NAME)), files.toList(), "no temporary file left");
        }
    }

    @Test
    void writer_refusesPathsOutsideTheFolder_andTwoImagesForOnePath() throws IOException {
        AnnotatedImage a = AnnotatedImage.of("a.jpg", 10, 10, 3, List.of());
        try (DatasetWriter w = coco.openWriter(dir.resolve("d.json"), LabelMap.empty())) {
            assertThrows(IllegalArgumentException.class, () -> w.write("../a.jpg", a));
            assertThrows(IllegalArgumentException.class, () -> w.write("/etc/a.jpg", a));
            w.write("x/a.jpg", a);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.write("x/./a.jpg", a));
            assertTrue(e.getMessage().contains("x/a.jpg"), e.getMessage());
        }
    }

    @Test
    void read_brokenEntries_areProblemsNamingFileAndPosition_theRestIsKept() throws IOException {
        Path file = Files.writeString(dir.resolve("d.json"), """
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10},
                            {"id": 2, "file_name": "b.jpg", "width": -4, "height": 10},
                            {"id": 1, "file_name": "c.jpg", "width": 10, "height": 10}],
                 "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]},
                                 {"image_id": 1, "category_id": 1, "bbox": [1, 1, -2, 2]},
                                 {"image_id": 9, "category_id": 1, "bbox": [1, 1, 2, 2]},
                                 {"image_id": 1, "category_id": 5, "bbox": [1, 1, 2, 2]}],
                 "categories": [{"id": 1, "name": "cat"}]}""");

        List<ReadResult> results = read(file, LabelMap.empty());

        ReadResult a = results.stream().filter(r -> r.image().isPresent()).findFirst().orElseThrow();
        assertEquals(List.of("cat", "id 5"), a.image().get().annotations().stream().map(Annotation::label).toList());
        assertEquals(List.of("annotations[1]", "annotations[3]"), a.problems().stream().map(p -> p.position()).toList());
        assertTrue(a.problems().get(0).message().contains("negative"), a.problems().get(0).message());
        List<String> failed = results.stream().filter(r -> r.image().isEmpty())
                .map(r -> r.problems().get(0).toString()).toList();
        assertEquals(3, failed.size(), failed.toString());
        assertTrue(failed.stream().allMatch(m -> m.startsWith(file + ": ")), failed.toString());
        assertTrue(failed.stream().anyMatch(m -> m.contains("annotations[2]") && m.contains("image_id 9")));
        assertTrue(failed.stream().anyMatch(m -> m.contains("images[1]") && m.contains("-4x10")));
        assertTrue(failed.stream().anyMatch(m -> m.contains("images[2]") && m.contains("id 1")));
    }

    @Test
    void read_categoryIdsFallBackToTheLabelMap_whenTheFileHasNoCategories() throws IOException {
        Path file = Files.writeString(dir.resolve("d.json"), """
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
                 "annotations": [{"image_id": 1, "category_id": 2, "bbox": [1, 1, 2, 2]}]}""");
        ReadResult r = read(file, LabelMap.fromNames(List.of("cat", "dog"))).get(0);
        assertTrue(r.isClean(), r.problems().toString());
        assertEquals("dog", r.image().get().annotations().get(0).label());
    }

    @Test
    void read_notJson_orNotCoco_isOneFailedResultNamingTheFile() throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"images\": [\n{\"id\": 1,,}]}");
        List<ReadResult> results = read(broken, LabelMap.empty());
        assertEquals(1, results.size());
        String message = results.get(0).problems().get(0).toString();
        assertTrue(message.startsWith(broken + ": not valid JSON") && message.contains("line 2"), message);

        Path other = Files.writeString(dir.resolve("other.json"), "[1, 2]");
        assertTrue(read(other, LabelMap.empty()).get(0).problems().get(0).message().contains("\"images\""));
        assertThrows(IOException.class, () -> read(dir.resolve("missing.json"), LabelMap.empty()));
    }

    @Test
    void isInstalledAsCoco() {
        assertInstanceOf(CocoFormat.class, AnnotationFormats.byName("coco"));
    }

    @Property(tries = 300)
    void readingArbitraryText_neverThrows(@ForAll String text) throws IOException {
        assertReadsWithResults(text);
    }

    /** Valid COCO with one member replaced by an arbitrary JSON value: problems, never an exception. */
    @Property(tries = 300)
    void readingMutatedFiles_neverThrows(@ForAll("mutations") String json) throws IOException {
        assertReadsWithResults(json);
    }

    /** Reading a file holding {@code content} gives at least one result and throws nothing. */
    private void assertReadsWithResults(String content) throws IOException {
        Path d = Files.createTempDirectory("coco-prop");
        Path file = Files.writeString(d.resolve("x.json"), content);
        try {
            List<ReadResult> results = new ArrayList<>();
            coco.read(file, LabelMap.empty(), results::add);
            assertFalse(results.isEmpty(), content);
        } finally {
            Files.delete(file);
            Files.delete(d);
        }
    }

    /** Reading in many passes (one image per chunk) gives exactly what one pass gives, broken files included. */
    @Property(tries = 200)
    void readingInChunks_givesWhatOnePassGives(@ForAll("mutations") String json) throws IOException {
        assertChunkedReadEqualsOnePass(json);
    }

    /** The same with annotations in any order, not grouped by image, as COCO files hold them. */
    @Property(tries = 100)
    void readingInChunks_withAnnotationsInAnyOrder_givesWhatOnePassGives(
            @ForAll("datasets") List<AnnotatedImage> images, @ForAll long seed) throws IOException {
        Path d = Files.createTempDirectory("coco-chunks");
        try {
            Path file = d.resolve("x.json");
            try (DatasetWriter w = coco.openWriter(file, LabelMap.empty())) {
                for (int i = 0; i < images.size(); i++) {
                    w.write("f" + i + "/" + images.get(i).fileName(), images.get(i));
                }
            }
            JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            List<com.google.gson.JsonElement> annotations = new ArrayList<>(root.getAsJsonArray("annotations")
                    .asList());
            java.util.Collections.shuffle(annotations, new java.util.Random(seed));
            JsonArray shuffled = new JsonArray();
            annotations.forEach(shuffled::add);
            root.add("annotations", shuffled);
            assertChunkedReadEqualsOnePass(root.toString());
        } finally {
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(d);
        }
    }

    private void assertChunkedReadEqualsOnePass(String json) throws IOException {
        Path d = Files.createTempDirectory("coco-chunks");
        Path file = Files.writeString(d.resolve("x.json"), json);
        try {
            List<ReadResult> onePass = new ArrayList<>();
            coco.read(file, LabelMap.empty(), onePass::add);
            List<ReadResult> chunked = new ArrayList<>();
            new CocoFormat(1).read(file, LabelMap.empty(), chunked::add);
            assertEquals(onePass, chunked, json);
        } finally {
            Files.delete(file);
            Files.delete(d);
        }
    }

    @Provide
    Arbitrary<String> mutations() {
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.of("null", "true", "-1", "0", "1e308", "2.5", "\"\"",
                "\"x\"", "[]", "{}", "[1,2,3,4]", "[1,2,-3,4]", "[\"a\",1,2,3]", "9007199254740993", "-0.0"));
        Arbitrary<String> member = Arbitraries.of("images", "annotations", "categories", "id", "file_name", "width",
                "height", "image_id", "category_id", "bbox", "name", "iscrowd", "area");
        return Combinators.combine(member, value).as((m, v) -> OFFICIAL_SHAPE.replaceFirst(
                "\"" + m + "\": [^,}\\]]+(?=[,}])", "\"" + m + "\": " + java.util.regex.Matcher.quoteReplacement(v)));
    }

    @Provide
    Arbitrary<List<AnnotatedImage>> datasets() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMinLength(1).ofMaxLength(12);
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 5000);
        Arbitrary<AnnotatedImage> image = Combinators.combine(side, side).flatAs((w, h) -> {
            Arbitrary<Annotation> annotation = Combinators.combine(label,
                    Arbitraries.doubles().between(-w, 2.0 * w), Arbitraries.doubles().between(0, w),
                    Arbitraries.doubles().between(-h, 2.0 * h), Arbitraries.doubles().between(0, h),
                    Arbitraries.doubles().between(0, 1).optional(), Arbitraries.integers().between(0, 3),
                    Arbitraries.of(Annotation.UNSPECIFIED_POSE, "Left", "\"quoted\""))
                    .as((name, x, bw, y, bh, score, flags, pose) -> new Annotation(name, BoundingBox.ofSize(x, y, bw, bh),
                            score.map(OptionalDouble::of).orElse(OptionalDouble.empty()), (flags & 1) != 0,
                            (flags & 2) != 0, pose, Map.of()));
            return annotation.list().ofMaxSize(8).map(list -> AnnotatedImage.of("i.jpg", w, h, 3, list));
        });
        return image.list().ofMaxSize(6);
    }

    @Property(tries = 200)
    void writeThenRead_givesTheImagesBack(@ForAll("datasets") List<AnnotatedImage> images,
                                          @ForAll boolean withLabelMap) throws IOException {
        Path d = Files.createTempDirectory("coco-prop");
        Path file = d.resolve("x.json");
        LabelMap labels = withLabelMap ? LabelMap.fromNames(List.of("a", "b")) : LabelMap.empty();
        Map<String, AnnotatedImage> written = new LinkedHashMap<>();
        try {
            try (DatasetWriter w = coco.openWriter(file, labels)) {
                for (int i = 0; i < images.size(); i++) {
                    String name = String.format("f%02d/i%02d.jpg", i % 2, i);
                    w.write(name, images.get(i));
                    written.put(name, images.get(i));
                }
            }
            List<ReadResult> results = new ArrayList<>();
            coco.read(file, LabelMap.empty(), results::add);
            List<String> names = new ArrayList<>(written.keySet());
            names.sort(null);
            assertEquals(names.size(), results.size());
            for (int i = 0; i < names.size(); i++) {
                ReadResult r = results.get(i);
                assertTrue(r.isClean(), r.problems().toString());
                AnnotatedImage in = written.get(names.get(i)).fitted(); // as every writer writes it
                AnnotatedImage out = r.image().get();
                assertEquals(d.toAbsolutePath().resolve(names.get(i)).toString(), out.path().orElseThrow());
                assertEquals(in.width(), out.width());
                assertEquals(in.height(), out.height());
                assertEquals(in.annotations().size(), out.annotations().size());
                for (int k = 0; k < in.annotations().size(); k++) {
                    Annotation a = in.annotations().get(k);
                    Annotation b = out.annotations().get(k);
                    // x + w in binary floating point is within an ulp or two of the xmax it came from
                    assertEquals(a.box().xmin(), b.box().xmin());
                    assertEquals(a.box().ymin(), b.box().ymin());
                    assertEquals(a.box().xmax(), b.box().xmax(), 1e-12 * Math.max(1, Math.abs(a.box().xmax())));
                    assertEquals(a.box().ymax(), b.box().ymax(), 1e-12 * Math.max(1, Math.abs(a.box().ymax())));
                    assertEquals(a.withBox(b.box()), b);
                }
            }
        } finally {
            TestFiles.deleteTree(d);
        }
    }

    @Test
    void datasetPath_folderMeansItsDefaultFile() {
        assertEquals(dir.resolve("annotations.json"), new CocoFormat().datasetFile(dir));
        assertEquals(dir.resolve("x.JSON"), new CocoFormat().datasetFile(dir.resolve("x.JSON")));
    }
}
