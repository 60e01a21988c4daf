package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.DatasetWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the one-file formats share (DatasetFileFormat, SpillWriter), held for each of them. */
final class DatasetFileFormatTest {

    static Stream<DatasetFileFormat> formats() {
        return Stream.of(new CocoFormat(), new CvatFormat(), new LabelStudioFormat());
    }

    private static AnnotatedImage image() {
        return AnnotatedImage.of("a.jpg", 40, 30, 3,
                List.of(Annotation.of("car", new BoundingBox(1, 2, 20, 25))));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::getFileName).sorted().toList();
        }
    }

    @ParameterizedTest
    @MethodSource("formats")
    void readingAMissingFile_namesIt(DatasetFileFormat format, @TempDir Path dir) {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> format.read(dir, LabelMap.empty(), r -> { }));
        assertEquals(format.datasetFile(dir).toString(), e.getFile());
    }

    @ParameterizedTest
    @MethodSource("formats")
    void aDiscardedWriter_leavesTheFileAsItWas_andNoSpill(DatasetFileFormat format,
                                                         @TempDir Path dir)
            throws IOException {
        Path data = dir.resolve("new/folder");
        try (DatasetWriter w = format.openWriter(data, LabelMap.empty())) {
            w.write("a.jpg", image());
        }
        Path file = format.datasetFile(data);
        byte[] written = Files.readAllBytes(file);
        DatasetWriter again = format.openWriter(data, LabelMap.empty());
        again.write("a.jpg", image().withAnnotations(List.of()));
        again.write("b.jpg", image());
        again.discard();
        again.close(); // nothing more
        assertArrayEquals(written, Files.readAllBytes(file));
        assertEquals(List.of(file.getFileName()), files(data));
        assertThrows(IllegalStateException.class, () -> again.write("c.jpg", image()));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void aClosedWriter_wroteTheFileWhole_andRefusesMore(DatasetFileFormat format,
                                                        @TempDir Path dir)
            throws IOException {
        DatasetWriter w = format.openWriter(dir, LabelMap.empty());
        w.write("a.jpg", image());
        w.write("sub/b.jpg", image());
        assertThrows(IllegalArgumentException.class, () -> w.write("../c.jpg", image()));
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.write("c.jpg", image()));
        assertEquals(List.of(format.datasetFile(dir).getFileName()), files(dir));
        List<String> read = new ArrayList<>();
        format.read(dir, LabelMap.empty(), r -> r.image().ifPresent(i -> read.add(i.annotations().toString())));
        assertEquals(2, read.size());
        assertTrue(read.stream().allMatch(s -> s.contains("car")), read.toString());
    }
}
