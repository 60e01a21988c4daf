package dev.annotate.tfrecord;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.ReadResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One dataset written in VOC, YOLO and COCO: each copy reads back as the same annotations and gives the same
 * TFRecord bytes. The generated data is what all three formats hold exactly: integer corners clear of the border
 * (LabelImg's {@code truncated} rule, which every writer follows, stays 0 even for YOLO's 2.9999996 for a 3), image sides dividing 500,000 (YOLO's six decimals are then exact), no
 * {@code difficult} flag or pose (YOLO has neither).
 */
final class CrossFormatProperties {

    private static final LabelMap LABELS = LabelMap.fromNames(List.of("car", "tree", "race car"));
    private static final List<String> FORMATS = List.of("voc", "yolo", "coco");

    @Provide
    Arbitrary<List<AnnotatedImage>> datasets() {
        Arbitrary<Integer> side = Arbitraries.of(200, 250, 400, 500, 625);
        Arbitrary<AnnotatedImage> image = Combinators.combine(side, side).flatAs((w, h) -> {
            Arbitrary<Annotation> box = Combinators.combine(Arbitraries.of("car", "tree", "race car"),
                    Arbitraries.integers().between(3, w - 2), Arbitraries.integers().between(3, w - 2),
                    Arbitraries.integers().between(3, h - 2), Arbitraries.integers().between(3, h - 2))
                    .as((label, xa, xb, ya, yb) -> Annotation.of(label, BoundingBox.of(Math.min(xa, xb),
                            Math.min(ya, yb), Math.max(xa, xb) + 1, Math.max(ya, yb) + 1)));
            return box.list().ofMaxSize(6).map(boxes -> AnnotatedImage.of("x.png", w, h, 3, boxes));
        });
        return image.list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 15)
    void copiesInEveryFormat_readTheSame_andGiveTheSameRecords(@ForAll("datasets") List<AnnotatedImage> images)
            throws IOException {
        Path root = Files.createTempDirectory("cross-format");
        try {
            List<byte[]> records = new ArrayList<>();
            List<List<AnnotatedImage>> read = new ArrayList<>();
            for (String name : FORMATS) {
                AnnotationFormat format = AnnotationFormats.byName(name);
                Path dir = Files.createDirectories(root.resolve(name));
                try (DatasetWriter writer = format.openWriter(dir, LABELS)) {
                    for (int i = 0; i < images.size(); i++) {
                        AnnotatedImage image = images.get(i);
                        String file = String.format("img-%02d.png", i);
                        ImageIO.write(new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR),
                                "png", dir.resolve(file).toFile());
                        writer.write(file, new AnnotatedImage(file, java.util.Optional.of(dir.resolve(file)
                                .toString()), image.width(), image.height(), 3, image.annotations(), false, Map.of()));
                    }
                }
                Dataset dataset = Dataset.of(dir, format, LABELS);
                List<AnnotatedImage> back = new ArrayList<>();
                dataset.read((ReadResult r) -> back.add(r.image().orElseThrow()));
                read.add(back);
                Path base = root.resolve("out-" + name).resolve("ds");
                DatasetToTfRecord.Report report = DatasetToTfRecord.convert(dataset, base,
                        DatasetToTfRecord.Options.defaults().withValFraction(0.3), (done, total) -> { });
                assertEquals(List.of(), report.problems());
                records.add(concat(base.getParent()));
            }
            for (int k = 1; k < FORMATS.size(); k++) {
                assertEquals(images.size(), read.get(k).size(), FORMATS.get(k));
                for (int i = 0; i < images.size(); i++) {
                    List<Annotation> expected = images.get(i).annotations();
                    List<Annotation> actual = read.get(k).get(i).annotations();
                    assertEquals(expected.size(), actual.size(), FORMATS.get(k));
                    for (int j = 0; j < expected.size(); j++) {
                        assertEquals(expected.get(j).label(), actual.get(j).label());
                        BoundingBox e = expected.get(j).box();
                        BoundingBox a = actual.get(j).box();
                        double[] d = {e.xmin() - a.xmin(), e.ymin() - a.ymin(), e.xmax() - a.xmax(),
                            e.ymax() - a.ymax()};
                        for (double v : d) {
                            assertEquals(0, v, 1e-6, FORMATS.get(k) + " box " + a + " for " + e);
                        }
                    }
                }
                assertArrayEquals(records.get(0), records.get(k), FORMATS.get(k) + " records differ from voc's");
            }
        } finally {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Every output file's name and bytes, in name order. */
    private static byte[] concat(Path dir) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                all.write(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                all.write(Files.readAllBytes(f));
            }
        }
        return all.toByteArray();
    }
}
