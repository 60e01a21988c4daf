package dev.annotate.formats;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class CvatFormatTest {

    private final CvatFormat format = new CvatFormat();

    @TempDir
    Path dir;

    private static List<ReadResult> read(CvatFormat format, Path location, LabelMap labels) throws IOException {
        List<ReadResult> out = new ArrayList<>();
        format.read(location, labels, out::add);
        return out;
    }

    @Test
    void isInstalledAsCvat_andItsFileIsAnnotationsXml() {
        assertInstanceOf(CvatFormat.class, AnnotationFormats.byName("cvat"));
        assertEquals(dir.resolve("annotations.xml"), format.datasetFile(dir));
        assertEquals(dir.resolve("task.XML"), format.datasetFile(dir.resolve("task.XML")));
    }

    @Test
    void write_givesCvatForImages11_withAutoBoxesScoresAndTheLabelsUsed() throws IOException {
        AnnotatedImage machine = AnnotatedImage.of("a.jpg", 640, 480, 3, List.of(
                Annotation.predicted("car", BoundingBox.of(10, 20, 110.5, 220), 0.875)))
                .withPredictedBy(Optional.of("round-1/model.onnx"));
        AnnotatedImage person = AnnotatedImage.of("b c.jpg", 100, 50, 3, List.of(
                Annotation.of("person", BoundingBox.of(1, 2, 30, 40)).withFlags(true, true).withPose("Left")));
        try (DatasetWriter w = format.openWriter(dir, LabelMap.fromNames(List.of("car", "bus")))) {
            w.write("a.jpg", machine);
            w.write("sub/b c.jpg", person);
        }
        String xml = Files.readString(dir.resolve("annotations.xml"));
        assertTrue(xml.startsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n"
                + "  <version>1.1</version>\n  <meta>\n"), xml);
        assertTrue(xml.contains("<image id=\"0\" name=\"a.jpg\" width=\"640\" height=\"480\" annotate_mark=\""
                + "annotate pre-annotation; model=round-1/model.onnx; boxes="), xml);
        assertTrue(xml.contains("<box label=\"car\" source=\"auto\" occluded=\"0\" xtl=\"10.00\" ytl=\"20.00\""
                + " xbr=\"110.5\" ybr=\"220.00\" z_order=\"0\">"), xml);
        assertTrue(xml.contains("<attribute name=\"score\">0.875</attribute>"), xml);
        assertTrue(xml.contains("<image id=\"1\" name=\"sub/b c.jpg\" width=\"100\" height=\"50\">"), xml);
        assertTrue(xml.contains("<box label=\"person\" source=\"manual\" occluded=\"0\""), xml);
        assertTrue(xml.contains("<attribute name=\"difficult\">true</attribute>"), xml);
        assertTrue(xml.contains("<attribute name=\"pose\">Left</attribute>"), xml);
        // the label map's labels first, in id order, then the others used
        int car = xml.indexOf("<name>car</name>");
        int bus = xml.indexOf("<name>bus</name>");
        int personLabel = xml.indexOf("<name>person</name>");
        assertTrue(car > 0 && car < bus && bus < personLabel, xml);
        assertTrue(xml.endsWith("  </image>\n</annotations>\n"), xml);
        // no spill file left
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("annotations.xml"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** A CVAT export as CVAT writes one, with what this library does not model. */
    private static final String EXPORT = """
            <?xml version="1.0" encoding="utf-8"?>
            <annotations>
              <version>1.1</version>
              <meta>
                <task><id>7</id><name>street</name><size>2</size><mode>annotation</mode>
                  <labels><label><name>car</name><color>#fa3253</color><type>rectangle</type><attributes/></label>
                  </labels></task>
                <dumped>2026-11-30 10:00:00.000000+00:00</dumped>
              </meta>
              <image id="0" name="street/1.jpg" width="1920" height="1080" subset="train" task_id="7">
                <box label="car" source="manual" occluded="1" xtl="100.25" ytl="200.00" xbr="300.75" ybr="400.00" z_order="2">
                  <attribute name="color">red</attribute>
                  <attribute name="score">0.5</attribute>
                </box>
                <box label="car" source="semi-auto" occluded="0" xtl="10.00" ytl="20.00" xbr="30.00" ybr="40.00" z_order="0" group_id="3">
                </box>
                <box label="car" source="manual" occluded="0" xtl="1.00" ytl="1.00" xbr="50.00" ybr="50.00" rotation="15.0" z_order="0">
                </box>
                <polygon label="road" source="manual" occluded="0" points="0.00,0.00;10.00,0.00;10.00,10.00" z_order="0">
                </polygon>
                <tag label="sunny" source="manual">
                </tag>
              </image>
              <image id="1" name="street/2.jpg" width="800" height="600">
              </image>
            </annotations>
            """;

    @Test
    void read_aCvatExport_keepsWhatItDoesNotModel_andWritesItBack() throws IOException {
        Path file = Files.writeString(dir.resolve("export.xml"), EXPORT);
        List<ReadResult> results = read(format, file, LabelMap.empty());
        assertEquals(2, results.size());
        ReadResult first = results.get(0);
        assertEquals(1, first.problems().size(), first.problems().toString());
        assertTrue(first.problems().get(0).toString().endsWith("line 10, image 'street/1.jpg', box 3: is rotated by"
                + " 15.0 degrees; kept as it is, not used as a box"), first.problems().toString());
        AnnotatedImage image = first.image().orElseThrow();
        assertEquals("1.jpg", image.fileName());
        assertEquals(dir.resolve("street/1.jpg").toString(), image.path().orElseThrow());
        assertEquals(1920, image.width());
        assertTrue(image.checked());
        assertEquals(2, image.annotations().size());
        Annotation a = image.annotations().get(0);
        assertEquals(BoundingBox.of(100.25, 200, 300.75, 400), a.box());
        assertEquals(OptionalDouble.of(0.5), a.confidence());
        assertEquals(Map.of("cvat:@occluded", "1", "cvat:@z_order", "2", "cvat:attribute:color", "red"), a.extras());
        assertEquals("semi-auto", image.annotations().get(1).extras().get("cvat:@source"));
        assertEquals("3", image.annotations().get(1).extras().get("cvat:@group_id"));
        assertEquals("train", image.extras().get("cvat:@subset"));
        assertTrue(image.extras().get("cvat:elements").contains("rotation=\"15.0\""), image.extras().toString());
        assertTrue(image.extras().get("cvat:elements").contains("<polygon"), image.extras().toString());
        assertTrue(results.get(1).isClean());

        // written back and read again: the same images, the kept parts included
        Path copy = dir.resolve("copy/annotations.xml");
        try (DatasetWriter w = format.openWriter(copy, LabelMap.empty())) {
            w.write("street/1.jpg", image);
            w.write("street/2.jpg", results.get(1).image().orElseThrow());
        }
        List<ReadResult> again = read(format, copy, LabelMap.empty());
        assertEquals(image.withPath(dir.resolve("copy/street/1.jpg").toString()), again.get(0).image().orElseThrow());
        String xml = Files.readString(copy);
        assertTrue(xml.contains("points=\"0.00,0.00;10.00,0.00;10.00,10.00\""), xml);
        assertTrue(xml.contains("<tag label=\"sunny\" source=\"manual\""), xml);
        assertTrue(xml.contains("subset=\"train\""), xml);
        assertTrue(xml.contains("source=\"semi-auto\""), xml);
    }

    @Test
    void aMachineImageEditedByHand_isAPersons_andKeepsItsMarkText() throws IOException {
        AnnotatedImage machine = AnnotatedImage.of("a.jpg", 64, 48, 3, List.of(
                Annotation.predicted("car", BoundingBox.of(1, 2, 30, 40), 0.9))).withPredictedBy(Optional.of("m"));
        try (DatasetWriter w = format.openWriter(dir, LabelMap.empty())) {
            w.write("a.jpg", machine);
        }
        Path file = dir.resolve("annotations.xml");
        AnnotatedImage back = read(format, file, LabelMap.empty()).get(0).image().orElseThrow();
        assertEquals(Optional.of("m"), back.predictedBy());
        assertEquals(machine.fitted().annotations(), back.annotations(), "as written: truncated at the border");

        Files.writeString(file, Files.readString(file).replace("xbr=\"30.00\"", "xbr=\"35.00\""));
        AnnotatedImage edited = read(format, file, LabelMap.empty()).get(0).image().orElseThrow();
        assertTrue(edited.checked());
        assertTrue(edited.extras().get("cvat:@annotate_mark").startsWith("annotate pre-annotation; model=m;"));
        assertEquals("auto", edited.annotations().get(0).extras().get("cvat:@source"));
    }

    @Test
    void read_problems_nameTheFileAndThePlace() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.xml"), """
                <annotations>
                  <version>2.0</version>
                  <image id="0" name="a.jpg" width="0" height="10"/>
                  <image id="1" name="b.jpg" width="10" height="10">
                    <box label="car" xtl="x" ytl="1" xbr="2" ybr="2"/>
                    <box label="car" xtl="5" ytl="1" xbr="2" ybr="2"/>
                    <box label="bus" xtl="1" ytl="1" xbr="2" ybr="2"><attribute name="score">7</attribute></box>
                  </image>
                  <track id="0" label="car"/>
                </annotations>
                """);
        List<String> lines = new ArrayList<>();
        for (ReadResult r : read(format, file, LabelMap.fromNames(List.of("car")))) {
            r.problems().forEach(p -> lines.add(p.toString().replace(file.toString(), "bad.xml")));
        }
        assertEquals(List.of(
                "bad.xml: line 2: CVAT XML version '2.0' is not 1.x; read as 1.1",
                "bad.xml: line 3, image 'a.jpg': width '0' is not a whole number of pixels; the image is left out",
                "bad.xml: line 4, image 'b.jpg', box 1: xtl 'x' is not a number; kept as it is, not used as a box",
                "bad.xml: line 4, image 'b.jpg', box 2: corners (5, 1, 2, 2) are not a box: xmin (5.0) must be <="
                        + " xmax (2.0); kept as it is, not used as a box",
                "bad.xml: line 4, image 'b.jpg', box 3: score '7' is not a number from 0 to 1; kept as an attribute",
                "bad.xml: line 4, image 'b.jpg', box 3: label 'bus' is not in the label map [car]; kept",
                "bad.xml: 1 <track>s (CVAT for video) are not read: export the task as CVAT for images"), lines);
    }

    @Test
    void read_aDoctypeOrBrokenXml_isOneFailedResult_afterTheImagesBeforeIt() throws IOException {
        Path entity = Files.writeString(dir.resolve("entity.xml"), "<?xml version=\"1.0\"?>\n<!DOCTYPE annotations ["
                + "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<annotations><image name=\"&x;\"/></annotations>");
        List<ReadResult> r = read(format, entity, LabelMap.empty());
        assertEquals(1, r.size());
        assertTrue(r.get(0).problems().get(0).message().startsWith("not well-formed XML: "), r.toString());

        Path cut = Files.writeString(dir.resolve("cut.xml"), "<annotations><image name=\"a.jpg\" width=\"5\""
                + " height=\"5\"/><image name=\"b.jpg\" wid");
        List<ReadResult> partial = read(format, cut, LabelMap.empty());
        assertEquals(2, partial.size());
        assertTrue(partial.get(0).isClean());
        assertTrue(partial.get(1).problems().get(0).message().endsWith("; the image before it was read"),
                partial.toString());
    }

    // ------------------------------------------------------------------ properties

    /**
     * Any double box comes back exactly as written (fitted to the image): the writer keeps every digit of a
     * coordinate that is not whole.
     */
    @Property(tries = 100)
    void anyBox_comesBackExactly(@ForAll("anyBoxes") AnnotatedImage image) throws IOException {
        Path root = Files.createTempDirectory("cvat-exact");
        try {
            try (DatasetWriter w = format.openWriter(root, LabelMap.empty())) {
                w.write("x.jpg", image);
            }
            AnnotatedImage back = read(format, root, LabelMap.empty()).get(0).image().orElseThrow();
            assertEquals(image.fitted().withPath(root.toAbsolutePath().resolve("x.jpg").toString()), back);
        } finally {
            TestFiles.deleteTree(root);
        }
    }

    @Provide
    Arbitrary<AnnotatedImage> anyBoxes() {
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 10000);
        return Combinators.combine(side, side, Arbitraries.of(true, false)).flatAs((w, h, machine) ->
                Combinators.combine(Arbitraries.doubles().between(0, w), Arbitraries.doubles().between(0, w),
                                Arbitraries.doubles().between(0, h), Arbitraries.doubles().between(0, h),
                                Arbitraries.doubles().between(0, 1))
                        .as((xa, xb, ya, yb, s) -> {
                            BoundingBox b = BoundingBox.of(Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb),
                                    Math.max(ya, yb));
                            return machine ? Annotation.predicted("car", b, s) : Annotation.of("car", b);
                        })
                        .list().ofMaxSize(5).map(boxes -> new AnnotatedImage("x.jpg", Optional.empty(), w, h, 3,
                                boxes, false, Map.of(), machine ? Optional.of("m") : Optional.empty())));
    }

    @Provide
    Arbitrary<String> garbage() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
                Arbitraries.strings().withChars("<>/=\"' annotationsimgboxlabelxtlybr0123456789.-&;!").ofMaxLength(200),
                Arbitraries.of("<annotations><image name=\"a.jpg\" width=\"1e309\" height=\"-1\"/></annotations>",
                        "<annotations><image name=\"\" width=\"5\" height=\"5\"/></annotations>",
                        "<annotations><image name=\"a&#0;.jpg\" width=\"5\" height=\"5\"/></annotations>",
                        "<annotations><image name=\"a.jpg\" width=\"5\" height=\"5\"><box label=\"&#1;\" xtl=\"1\""
                                + " ytl=\"1\" xbr=\"2\" ybr=\"2\"/></image></annotations>",
                        "<annotations><image name=\"a.jpg\" width=\"5\" height=\"5\"><box label=\"a\" xtl=\"NaN\""
                                + " ytl=\"1\" xbr=\"Infinity\" ybr=\"2\" rotation=\"x\"/></image></annotations>",
                        "<annotations>" + "<meta>".repeat(500) + "</annotations>"));
    }

    @Property(tries = 300)
    void read_garbage_neverThrows(@ForAll("garbage") String text) throws IOException {
        Path file = Files.createTempFile("garbage", ".xml");
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
