package dev.annotate.tfrecord;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.TestImages;
import dev.annotate.tfrecord.proto.Example;
import dev.annotate.voc.Voc;
import dev.annotate.voc.VocFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class DatasetToTfRecordTest {

    private static final LabelMap LABELS = LabelMap.fromNames(List.of("car", "tree"));

    @TempDir
    Path root;

    private Path voc;
    private Path out;

    /** Images coloured blue with a red square where their "car" box is, so pixels and boxes can be compared. */
    private static BufferedImage picture(int w, int h, BoundingBox car) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.RED);
        g.fillRect((int) car.xmin(), (int) car.ymin(), (int) car.width(), (int) car.height());
        g.dispose();
        return img;
    }

    private void annotate(String relativeImage, int w, int h, Annotation... annotations) throws IOException {
        Path image = voc.resolve(relativeImage);
        String name = image.getFileName().toString();
        Voc.write(AnnotatedImage.of(name, w, h, 3, List.of(annotations)).withPath(image.toString()),
                image.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".xml"));
    }

    @BeforeEach
    void dataset() throws IOException {
        voc = Files.createDirectories(root.resolve("voc"));
        out = root.resolve("out").resolve("ds");
        BoundingBox car = BoundingBox.of(8, 8, 24, 24);
        Files.write(voc.resolve("a.jpg"), TestImages.jpeg(picture(64, 48, car), 0.9f));
        annotate("a.jpg", 64, 48, Annotation.of("car", car), Annotation.of("tree", BoundingBox.of(30, 5, 60, 40))
                .withFlags(true, false));
        Files.createDirectories(voc.resolve("sub"));
        ImageIO.write(picture(50, 40, car), "png", voc.resolve("sub/b.png").toFile());
        annotate("sub/b.png", 50, 40, Annotation.of("car", car));
        ImageIO.write(picture(30, 30, car), "bmp", voc.resolve("c.bmp").toFile());
        annotate("c.bmp", 30, 30, Annotation.of("car", car));
        // d.jpg is stored rotated, EXIF orientation 6: displayed 64x48, as LabelImg shows it and its boxes are
        BufferedImage displayed = picture(64, 48, car);
        BufferedImage stored = ExifOrientation.ROTATE_270_CW.apply(displayed);
        Files.write(voc.resolve("d.jpg"), TestImages.withExifOrientation(TestImages.jpeg(stored, 0.95f), 6,
                ByteOrder.BIG_ENDIAN));
        annotate("d.jpg", 64, 48, Annotation.of("car", car));
        Files.write(voc.resolve("e.jpg"), TestImages.jpeg(picture(64, 48, car), 0.9f));
        annotate("e.jpg", 100, 48, Annotation.of("car", car)); // wrong size
        Files.write(voc.resolve("f.jpg"), TestImages.jpeg(picture(64, 48, car), 0.9f));
        annotate("f.jpg", 64, 48, Annotation.of("bicycle", car));
        annotate("g.jpg", 64, 48, Annotation.of("car", car)); // no image at all
        Files.writeString(voc.resolve("h.xml"), "<annotation><filename>");
    }

    private static Map<String, TfExamples.Decoded> readAll(List<Path> files, LabelMap labels) throws IOException {
        Map<String, TfExamples.Decoded> byName = new TreeMap<>();
        for (Path f : files) {
            try (TfRecordReader r = TfRecordReader.open(f, Compression.NONE, false)) {
                for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                    TfExamples.Decoded d = TfExamples.decode(Example.parseFrom(rec), labels);
                    byName.put(d.image().fileName(), d);
                }
            }
        }
        return byName;
    }

    @Test
    void convert_dataset_writesEveryGoodImage_andReportsEveryBadFile() throws IOException {
        DatasetToTfRecord.Report report = DatasetToTfRecord.convert(voc, LABELS, out,
                DatasetToTfRecord.Options.defaults());

        assertEquals(4, report.trainExamples());
        assertEquals(4, report.skippedFiles());
        assertEquals(1, report.rotated());
        assertEquals(2, report.reencoded());
        assertEquals(5, report.objects());
        assertEquals(List.of(root.resolve("out/ds_train.record")), report.trainFiles());
        List<String> problems = report.problems().stream().map(p -> p.toString().substring(voc.toString().length()))
                .toList();
        assertEquals(4, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("/e.xml: annotated size is 100x48 but e.jpg is displayed as 64x48"), problems.get(0));
        assertEquals("/f.xml: label 'bicycle' is not in the label map (known: [car, tree]); not converted",
                problems.get(1));
        assertTrue(problems.get(2).startsWith("/g.xml: image not found; tried ["), problems.get(2));
        assertTrue(problems.get(3).startsWith("/h.xml: line 1, column 23: XML document structures must start and end"),
                problems.get(3));

        Map<String, TfExamples.Decoded> records = readAll(report.trainFiles(), LABELS);
        assertEquals(List.of("a.jpg", "b.png", "c.bmp", "d.jpg"), List.copyOf(records.keySet()));
        assertArrayEquals(Files.readAllBytes(voc.resolve("a.jpg")), records.get("a.jpg").encodedImage());
        assertEquals("jpeg", records.get("a.jpg").format());
        assertArrayEquals(Files.readAllBytes(voc.resolve("sub/b.png")), records.get("b.png")
                .encodedImage());
        assertEquals("png", records.get("c.bmp").format());
        assertEquals(List.of("car", "tree"), records.get("a.jpg").image().annotations().stream()
                .map(Annotation::label).toList());
        assertEquals(LABELS, LabelMaps.read(report.labelMapFile()));
    }

    /** TensorFlow ignores EXIF: the record must hold pixels already turned, so the box still covers the car. */
    @Test
    void convert_rotatedJpeg_bakesTheOrientation_soPixelsAndBoxesAgree() throws IOException {
        DatasetToTfRecord.Report report = DatasetToTfRecord.convert(voc, LABELS, out,
                DatasetToTfRecord.Options.defaults());
        TfExamples.Decoded d = readAll(report.trainFiles(), LABELS).get("d.jpg");

        BufferedImage pixels = ImageIO.read(new ByteArrayInputStream(d.encodedImage())); // ignores EXIF, as TF does
        assertEquals(64, pixels.getWidth());
        assertEquals(48, pixels.getHeight());
        BoundingBox box = d.image().annotations().get(0).box();
        int inside = pixels.getRGB((int) box.xmin() + 8, (int) box.ymin() + 8);
        int outside = pixels.getRGB(50, 40);
        assertTrue(((inside >> 16) & 0xFF) > 200 && (inside & 0xFF) < 60, "car pixels should be red: "
                + Integer.toHexString(inside));
        assertTrue((outside & 0xFF) > 200 && ((outside >> 16) & 0xFF) < 60, "background should be blue: "
                + Integer.toHexString(outside));
    }

    @Test
    void convert_appendingUnknownLabels_extendsTheLabelMap() throws IOException {
        DatasetToTfRecord.Report report = DatasetToTfRecord.convert(voc, LABELS, out,
                DatasetToTfRecord.Options.defaults().withAppendUnknownLabels(true));
        assertEquals(5, report.trainExamples());
        assertEquals(3, report.labelMap().idOf("bicycle").orElseThrow());
        assertEquals(report.labelMap(), LabelMaps.read(report.labelMapFile()));
        assertEquals(List.of(3L), readAllLabels(report, "f.jpg"));
    }

    private static List<Long> readAllLabels(DatasetToTfRecord.Report report, String name) throws IOException {
        List<Long> ids = new ArrayList<>();
        for (Path f : report.trainFiles()) {
            try (TfRecordReader r = TfRecordReader.open(f, Compression.NONE, false)) {
                for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                    Example e = Example.parseFrom(rec);
                    if (e.getFeatures().getFeatureMap().get(TfExamples.FILENAME).getBytesList().getValue(0)
                            .toStringUtf8().equals(name)) {
                        ids.addAll(e.getFeatures().getFeatureMap().get(TfExamples.CLASS_LABEL).getInt64List()
                                .getValueList());
                    }
                }
            }
        }
        return ids;
    }

    @Test
    void convert_droppingDifficult_leavesThemOut_andCountsThem() throws IOException {
        DatasetToTfRecord.Report report = DatasetToTfRecord.convert(voc, LABELS, out,
                DatasetToTfRecord.Options.defaults().withDropDifficult(true));
        assertEquals(1, report.difficultDropped());
        assertEquals(List.of("car"), readAll(report.trainFiles(), LABELS).get("a.jpg").image().annotations().stream()
                .map(Annotation::label).toList());
    }

    @Test
    void convert_validationSplit_isDeterministic_andShardedByName() throws IOException {
        DatasetToTfRecord.Options options = DatasetToTfRecord.Options.defaults().withValFraction(0.5).withShards(2)
                .withCompression(Compression.GZIP);
        DatasetToTfRecord.Report first = DatasetToTfRecord.convert(voc, LABELS, out, options);
        assertEquals(4, first.trainExamples() + first.valExamples());
        assertEquals(List.of(root.resolve("out/ds_val.record-00000-of-00002"),
                root.resolve("out/ds_val.record-00001-of-00002")), first.valFiles());
        for (String name : List.of("a.jpg", "b.png", "c.bmp", "d.jpg")) {
            assertEquals(DatasetToTfRecord.isValidation(name, 0.5), DatasetToTfRecord.isValidation(name, 0.5));
        }
        long val = List.of("a.jpg", "b.png", "c.bmp", "d.jpg").stream()
                .filter(n -> DatasetToTfRecord.isValidation(n, 0.5)).count();
        assertEquals(val, first.valExamples());
    }

    @Test
    void convert_anyThreadCount_writesByteIdenticalFiles() throws IOException {
        DatasetToTfRecord.Report one = DatasetToTfRecord.convert(voc, LABELS, root.resolve("t1/ds"),
                DatasetToTfRecord.Options.defaults().withThreads(1).withAppendUnknownLabels(true));
        DatasetToTfRecord.Report four = DatasetToTfRecord.convert(voc, LABELS, root.resolve("t4/ds"),
                DatasetToTfRecord.Options.defaults().withThreads(4).withAppendUnknownLabels(true));
        assertArrayEquals(Files.readAllBytes(one.trainFiles().get(0)), Files.readAllBytes(four.trainFiles().get(0)));
        assertEquals(one.problems().stream().map(p -> p.message()).toList(),
                four.problems().stream().map(p -> p.message()).toList());
    }

    @Test
    void convert_reportsProgressForEveryFile() throws IOException {
        List<long[]> events = new ArrayList<>();
        DatasetToTfRecord.convert(Dataset.of(voc, new VocFormat(), LABELS), out, DatasetToTfRecord.Options.defaults(),
                (done, total) -> events.add(new long[] {done, total}));
        assertEquals(8, events.size()); // every annotation file, converted or skipped
        for (int i = 0; i < events.size(); i++) {
            assertArrayEquals(new long[] {i + 1, 8}, events.get(i));
        }
    }

    @Test
    void isValidation_fraction_isRoughlyRespected() {
        long hits = java.util.stream.IntStream.range(0, 10_000)
                .filter(i -> DatasetToTfRecord.isValidation(String.format("%06d.jpg", i), 0.2)).count();
        assertTrue(hits > 1800 && hits < 2200, "validation share " + hits + " of 10000");
    }
}
