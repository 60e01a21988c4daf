package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class AnnotationFormatsTest {

    @TempDir
    Path dir;

    @Test
    void byName_isCaseInsensitive_andFindsInstalledFormats() {
        assertInstanceOf(LinesFormat.class, AnnotationFormats.byName("LINES"));
        assertEquals(List.of("lines"), AnnotationFormats.installed().stream().map(AnnotationFormat::name).toList());
    }

    @Test
    void byName_unknown_listsInstalledNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AnnotationFormats.byName("coco"));
        assertEquals("Unknown annotation format 'coco'; installed: lines", e.getMessage());
    }

    @Test
    void annotationFileName_replacesOnlyTheLastExtension() {
        PerImageFormat f = new LinesFormat();
        assertEquals("a.b.lines", f.annotationFileName("a.b.jpg"));
        assertEquals(".hidden.lines", f.annotationFileName(".hidden"));
        assertEquals("noext.lines", f.annotationFileName("noext"));
    }

    @Test
    void writerThenReader_roundTripsATree_inPathOrder() throws IOException {
        PerImageFormat f = new LinesFormat();
        AnnotatedImage a = AnnotatedImage.of("a.jpg", 10, 10, 3, List.of(Annotation.of("car", BoundingBox.of(1, 2, 3, 4))));
        AnnotatedImage b = AnnotatedImage.of("b.jpg", 20, 10, 3, List.of());
        try (DatasetWriter w = f.openWriter(dir, LabelMap.empty())) {
            w.write("sub/b.jpg", b);
            w.write("a.jpg", a);
        }
        assertTrue(Files.isRegularFile(dir.resolve("sub/b.lines")));

        List<ReadResult> results = new ArrayList<>();
        f.read(dir, LabelMap.empty(), results::add);

        assertEquals(List.of(ReadResult.of(dir.resolve("a.lines"), a), ReadResult.of(dir.resolve("sub/b.lines"), b)),
                results);
    }

    @Test
    void read_brokenFile_becomesAResultWithProblems_andTheWalkGoesOn() throws IOException {
        PerImageFormat f = new LinesFormat();
        Files.writeString(dir.resolve("a.lines"), "a.jpg 10 10\ncar 1 2 x 4\ntree 1 1 2 2\n");
        Files.writeString(dir.resolve("b.lines"), "");
        List<ReadResult> results = new ArrayList<>();

        f.read(dir, LabelMap.empty(), results::add);

        assertEquals(2, results.size());
        assertEquals(List.of("tree"), results.get(0).image().orElseThrow().annotations().stream()
                .map(Annotation::label).toList());
        assertEquals(dir.resolve("a.lines") + ": line 2: skipped: For input string: \"x\"",
                results.get(0).problems().get(0).toString());
        assertTrue(results.get(1).image().isEmpty());
        assertEquals(dir.resolve("b.lines") + ": empty file", results.get(1).problems().get(0).toString());
    }

    @Test
    void writer_pathLeavingTheDataset_isRefused() throws IOException {
        try (DatasetWriter w = new LinesFormat().openWriter(dir, LabelMap.empty())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> w.write("../x.jpg", AnnotatedImage.of("x.jpg", 1, 1, 3, List.of())));
            assertEquals("relativeImagePath '../x.jpg' leaves the dataset directory " + dir, e.getMessage());
        }
    }
}
