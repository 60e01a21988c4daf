package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.ReadResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One rule for a box at or past the image's edge, whatever the format: written inside the image, and truncated in
 * every format that has the flag (#32: VOC clipped and marked such boxes, COCO and CVAT did neither).
 */
final class EdgeBoxesTest {

    /** The formats that carry VOC's truncated flag; YOLO and Label Studio have none. */
    private static final Set<String> WITH_TRUNCATED = Set.of("voc", "coco", "cvat");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"voc", "yolo", "coco", "cvat", "labelstudio"})
    void aBoxPastOrAtTheEdge_isWrittenInsideTheImage_andTruncatedWhereTheFormatCan(String name) throws IOException {
        AnnotationFormat format = AnnotationFormats.byName(name);
        // a Label Studio export's x + width = 100.43 %, a detection touching the left edge, one well inside
        AnnotatedImage image = AnnotatedImage.of("a.jpg", 200, 100, 3, List.of(
                Annotation.predicted("car", BoundingBox.of(150, 10, 200.86, 60), 0.9),
                Annotation.predicted("car", BoundingBox.of(0.4, 20, 40, 70), 0.8),
                Annotation.predicted("car", BoundingBox.of(60, 30, 120, 80), 0.7)))
                .withPredictedBy(Optional.of("m"));
        Path dataset = Files.createDirectories(dir.resolve(name));
        ImageIO.write(new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR), "jpg", dataset.resolve("a.jpg")
                .toFile()); // YOLO reads the size from the image
        LabelMap labels = LabelMap.fromNames(List.of("car"));
        try (DatasetWriter writer = format.openWriter(dataset, labels)) {
            writer.write("a.jpg", image);
        }
        List<ReadResult> results = new ArrayList<>();
        format.read(dataset, labels, results::add);
        AnnotatedImage back = results.stream().flatMap(r -> r.image().stream()).findFirst().orElseThrow();

        assertEquals(3, back.annotations().size(), name);
        for (Annotation a : back.annotations()) {
            assertTrue(a.box().isInside(200, 100), name + ": " + a.box() + " outside the 200x100 image");
        }
        assertEquals(200, back.annotations().get(0).box().xmax(), 1e-4, name + ": clipped at the right edge");
        if (WITH_TRUNCATED.contains(name)) {
            assertEquals(List.of(true, true, false), back.annotations().stream().map(Annotation::truncated).toList(),
                    name + ": the two edge boxes truncated, the inner one not");
        }
    }
}
