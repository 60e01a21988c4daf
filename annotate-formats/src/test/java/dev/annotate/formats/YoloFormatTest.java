package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.ReadResult;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class YoloFormatTest {

    @TempDir
    Path dir;

    private final YoloFormat yolo = new YoloFormat();

    @BeforeEach
    void image() throws IOException {
        ImageIO.write(new BufferedImage(400, 500, BufferedImage.TYPE_3BYTE_BGR), "png", dir.resolve("a.png").toFile());
    }

    private static AnnotatedImage annotated(Annotation... a) {
        return AnnotatedImage.of("a.png", 400, 500, 3, List.of(a));
    }

    @Test
    void writeFile_writesLabelImgsYoloLines_andClassesTxt() throws IOException {
        yolo.writeFile(annotated(Annotation.of("car", BoundingBox.of(100, 50, 300, 250)),
                Annotation.of("tree", BoundingBox.of(0, 0, 40, 500))), dir.resolve("a.txt"), LabelMap.empty());
        assertEquals("0 0.500000 0.300000 0.500000 0.400000\n1 0.050000 0.500000 0.100000 1.000000\n",
                Files.readString(dir.resolve("a.txt")));
        assertEquals("car\ntree\n", Files.readString(dir.resolve("classes.txt")));
    }

    @Test
    void writeThenRead_givesTheBoxesBack() throws IOException {
        AnnotatedImage image = annotated(Annotation.of("car", BoundingBox.of(10.5, 20.25, 333.3, 444.4)),
                Annotation.of("house", BoundingBox.of(0, 0, 400, 500)));
        yolo.writeFile(image, dir.resolve("a.txt"), LabelMap.empty());
        ReadResult r = yolo.readFile(dir.resolve("a.txt"), LabelMap.empty());
        assertEquals(List.of(), r.problems());
        AnnotatedImage back = r.image().orElseThrow();
        assertEquals(400, back.width());
        for (int i = 0; i < 2; i++) {
            BoundingBox expected = image.annotations().get(i).box();
            BoundingBox got = back.annotations().get(i).box();
            assertEquals(image.annotations().get(i).label(), back.annotations().get(i).label());
            assertEquals(expected.xmin(), got.xmin(), 1e-3);
            assertEquals(expected.ymax(), got.ymax(), 1e-3);
        }
    }

    @Test
    void readFile_withoutClassesTxt_namesThroughTheLabelMap_andReportsBadLines() throws IOException {
        Files.writeString(dir.resolve("a.txt"), "1 0.5 0.5 0.2 0.2\nnot a box\n7 0.5 0.5 0.1 0.1\n");
        ReadResult r = yolo.readFile(dir.resolve("a.txt"), LabelMap.fromNames(List.of("car", "tree")));
        assertEquals(List.of("tree", "id 8"), r.image().orElseThrow().annotations().stream().map(Annotation::label)
                .toList());
        assertEquals(List.of(dir.resolve("a.txt") + ": line 2: skipped: expected 5 fields, found 3",
                dir.resolve("a.txt") + ": line 3: class 7 is not in classes.txt (2 classes); named 'id 8'"),
                r.problems().stream().map(Object::toString).toList());
    }

    @Test
    void readFile_withoutAnImage_saysWhyItCannotBePlaced() throws IOException {
        Files.writeString(dir.resolve("lonely.txt"), "0 0.5 0.5 0.2 0.2\n");
        ReadResult r = yolo.readFile(dir.resolve("lonely.txt"), LabelMap.empty());
        assertTrue(r.image().isEmpty());
        assertTrue(r.problems().get(0).message().startsWith("no image beside the file"), r.problems().toString());
    }

    /** The pipeline writes from several threads: no class appended to classes.txt may be lost. */
    @Test
    void writeFile_concurrentNewClasses_areAllKept() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    ImageIO.write(new BufferedImage(10, 10, BufferedImage.TYPE_3BYTE_BGR), "png",
                            dir.resolve("i" + k + ".png").toFile());
                    yolo.writeFile(AnnotatedImage.of("i" + k + ".png", 10, 10, 3,
                            List.of(Annotation.of("class" + k, BoundingBox.of(1, 1, 5, 5)))),
                            dir.resolve("i" + k + ".txt"), LabelMap.empty());
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(40, Files.readAllLines(dir.resolve("classes.txt")).size());
        for (int i = 0; i < 40; i++) {
            assertEquals("class" + i, yolo.readFile(dir.resolve("i" + i + ".txt"), LabelMap.empty()).image()
                    .orElseThrow().annotations().get(0).label());
        }
    }

    @Test
    void isInstalledAsYolo() {
        assertInstanceOf(YoloFormat.class, AnnotationFormats.byName("yolo"));
    }

    @Property(tries = 200)
    void readFile_arbitraryText_givesAResultWithProblems_neverAnException(@ForAll String text) throws IOException {
        Path d = Files.createTempDirectory("yolo-prop");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR), "png", d.resolve("x.png").toFile());
        Files.writeString(d.resolve("x.txt"), text);
        try {
            ReadResult r = new YoloFormat().readFile(d.resolve("x.txt"), LabelMap.empty());
            assertTrue(r.image().isPresent());
        } finally {
            Files.delete(d.resolve("x.txt"));
            Files.delete(d.resolve("x.png"));
            Files.delete(d);
        }
    }
}
