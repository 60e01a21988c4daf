package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.ReadResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Provenance in VOC files: what the machine writes, what a person's save in LabelImg leaves, what a hand edit does. */
final class VocMachineMarkTest {

    private static final Path SOURCE = Path.of("machine", "a.xml");

    @Provide
    Arbitrary<AnnotatedImage> predicted() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('!', '~').withChars(' ', 'é', 'ß', '車')
                .ofMinLength(1).ofMaxLength(12).filter(s -> !s.isBlank());
        Arbitrary<Integer> side = Arbitraries.integers().between(2, 4000);
        return Combinators.combine(side, side).flatAs((w, h) -> {
            Arbitrary<Annotation> a = Combinators.combine(label, Arbitraries.doubles().between(0, w),
                    Arbitraries.doubles().between(0, w), Arbitraries.doubles().between(0, h),
                    Arbitraries.doubles().between(0, h), Arbitraries.doubles().between(0, 1))
                    .as((l, xa, xb, ya, yb, score) -> Annotation.predicted(l, BoundingBox.of(Math.min(xa, xb),
                            Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)), score));
            Arbitrary<String> model = Arbitraries.strings().withCharRange('!', '~').withChars(' ', 'ü')
                    .ofMinLength(1).ofMaxLength(40).map(String::strip).filter(s -> !s.isEmpty());
            return Combinators.combine(a.list().ofMaxSize(30), model).as((annotations, m) ->
                    new AnnotatedImage("img.jpg", Optional.of("/data/batch/img.jpg"), w, h, 3, annotations, false,
                            Map.of(), Optional.of(m)));
        });
    }

    @Property(tries = 300)
    void machineFile_readsBackAsTheMachinesWithItsModelAndScores(@ForAll("predicted") AnnotatedImage image)
            throws Exception {
        byte[] written = Voc.toBytes(image);
        ReadResult read = Voc.parse(written, SOURCE);
        assertEquals(List.of(), read.problems());
        AnnotatedImage back = read.image().orElseThrow();
        assertEquals(image.predictedBy(), back.predictedBy());
        assertFalse(back.checked());
        assertEquals(Map.of(Voc.FOLDER_KEY, "batch"), back.extras(), "the mark is not left among the kept XML");
        for (int i = 0; i < image.annotations().size(); i++) {
            Annotation a = back.annotations().get(i);
            assertEquals(image.annotations().get(i).confidence().getAsDouble(), a.confidence().getAsDouble(), 5e-5);
            assertEquals(Map.of(), a.extras(), "the score is not left among the kept XML");
        }
        assertArrayEquals(written, Voc.toBytes(back), "a machine file is rewritten exactly");
    }

    @Property(tries = 200)
    void labelImg_opensMachineFilesAsBefore_andItsSaveMakesThemChecked(@ForAll("predicted") AnnotatedImage image,
                                                                         @ForAll boolean verify) throws Exception {
        byte[] machine = Voc.toBytes(image);
        byte[] asIfUnmarked = Voc.toBytes(image.withPredictedBy(Optional.empty()));
        assertEquals(LabelImgSave.open(asIfUnmarked), LabelImgSave.open(machine), "LabelImg shows the same boxes");

        byte[] saved = LabelImgSave.save(machine, verify);
        AnnotatedImage after = Voc.parse(saved, SOURCE).image().orElseThrow();
        assertTrue(after.checked());
        assertEquals(Optional.empty(), after.predictedBy());
        assertTrue(after.annotations().stream().allMatch(a -> a.confidence().isEmpty()));
        assertEquals(verify, after.verified());
        assertEquals(image.annotations().size(), after.annotations().size());
    }

    @Test
    void aMarkedFileWhoseBoxesWereEditedByHand_isAPersons_andKeepsWhatItCarried() throws Exception {
        AnnotatedImage image = new AnnotatedImage("a.jpg", Optional.of("/d/a.jpg"), 640, 480, 3,
                List.of(Annotation.predicted("car", BoundingBox.of(10, 20, 110, 220), 0.87),
                        Annotation.predicted("dog", BoundingBox.of(300, 40, 380, 90), 0.41)),
                false, Map.of(), Optional.of("round-1/model.onnx"));
        String xml = new String(Voc.toBytes(image), StandardCharsets.UTF_8);
        assertTrue(xml.contains("\t<source>\n\t\t<database>Unknown</database>\n\t\t<annotation>"
                + MachineMark.PREFIX + "round-1/model.onnx; boxes="), xml);
        assertTrue(xml.contains("\t\t</bndbox>\n\t\t<score>0.8700</score>\n\t</object>"), xml);

        String edited = xml.replace("<xmax>380</xmax>", "<xmax>395</xmax>");
        ReadResult read = Voc.parse(edited.getBytes(StandardCharsets.UTF_8), SOURCE);
        assertEquals(List.of(), read.problems());
        AnnotatedImage person = read.image().orElseThrow();
        assertTrue(person.checked());
        assertTrue(person.annotations().stream().allMatch(a -> a.confidence().isEmpty()));
        assertEquals(edited, new String(Voc.toBytes(person), StandardCharsets.UTF_8), "nothing it carried is lost");

        String relabelled = xml.replace("<name>dog</name>", "<name>cat</name>");
        assertTrue(Voc.parse(relabelled.getBytes(StandardCharsets.UTF_8), SOURCE).image().orElseThrow().checked());
        String removed = xml.substring(0, xml.lastIndexOf("\t<object>")) + "</annotation>\n";
        assertTrue(Voc.parse(removed.getBytes(StandardCharsets.UTF_8), SOURCE).image().orElseThrow().checked());
        String verified = xml.replace("<annotation>\n", "<annotation verified=\"yes\">\n");
        AnnotatedImage v = Voc.parse(verified.getBytes(StandardCharsets.UTF_8), SOURCE).image().orElseThrow();
        assertTrue(v.checked());
        assertEquals(Optional.of("round-1/model.onnx"), v.predictedBy());
    }

    @Test
    void aScoreThatIsNoNumber_isReportedAndKept() throws Exception {
        AnnotatedImage image = new AnnotatedImage("a.jpg", Optional.empty(), 64, 48, 3,
                List.of(Annotation.predicted("car", BoundingBox.of(1, 2, 30, 40), 0.5)), false, Map.of(),
                Optional.of("m"));
        String xml = new String(Voc.toBytes(image), StandardCharsets.UTF_8).replace("0.5000", "high");
        ReadResult read = Voc.parse(xml.getBytes(StandardCharsets.UTF_8), SOURCE);
        assertEquals(1, read.problems().size(), read.problems().toString());
        assertTrue(read.problems().get(0).message().contains("<score> 'high'"), read.problems().toString());
        AnnotatedImage back = read.image().orElseThrow();
        assertEquals(OptionalDouble.empty(), back.annotations().get(0).confidence());
        assertEquals(xml, new String(Voc.toBytes(back), StandardCharsets.UTF_8));
    }

    @Test
    void aPersonsFileWithAScoreElement_keepsItAsItWas() throws Exception {
        String xml = VocReaderTest.LABELIMG.replace("</bndbox>", "</bndbox>\n\t\t<score>0.9</score>");
        AnnotatedImage back = Voc.parse(xml.getBytes(StandardCharsets.UTF_8), SOURCE).image().orElseThrow();
        assertTrue(back.checked());
        assertTrue(back.annotations().stream().allMatch(a -> a.confidence().isEmpty()));
    }
}
