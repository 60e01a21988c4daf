package dev.annotate.tfrecord;

import com.google.protobuf.ByteString;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.TestImages;
import dev.annotate.tfrecord.proto.Example;
import dev.annotate.voc.Voc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * TensorFlow itself reads what we write: its record reader ({@code TFRecordDataset}), its Example parser (the
 * {@code org.tensorflow.proto.Example} bundled with TensorFlow Java) and its image decoders; and our reader reads
 * what TensorFlow's own writer ({@code DatasetToTFRecord}) wrote.
 *
 * <p>TensorFlow Java 1.1.0 facts this relies on: {@code Dataset.tfRecordDataset} fails at iteration, so the V1
 * {@code TFRecordDataset} op is built by hand and read through a named {@code Iterator} with
 * {@code MakeIterator} and {@code IteratorGetNext} until {@link TFOutOfRangeException}.
 */
final class TensorFlowReadBackTest {

    private static final LabelMap LABELS = LabelMap.fromNames(List.of("race car", "tree", "自行车"));

    @TempDir
    static Path root;

    private static Path voc;

    @BeforeAll
    static void dataset() throws IOException {
        voc = Files.createDirectories(root.resolve("voc"));
        Random random = new Random(5);
        for (int i = 0; i < 12; i++) {
            int w = 40 + random.nextInt(200);
            int h = 30 + random.nextInt(150);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.setRGB(x, y, random.nextInt(0x1000000));
                }
            }
            String name = String.format("%03d.%s", i, i % 3 == 0 ? "png" : "jpg");
            Path image = voc.resolve(name);
            if (name.endsWith("png")) {
                ImageIO.write(img, "png", image.toFile());
            } else {
                Files.write(image, TestImages.jpeg(img, 0.9f));
            }
            List<Annotation> boxes = new ArrayList<>();
            for (int k = 0; k < i % 4; k++) {
                double x = random.nextInt(w / 2);
                double y = random.nextInt(h / 2);
                boxes.add(Annotation.of(LABELS.names().get(k % 3), BoundingBox.of(x + 1, y + 1, x + w / 3.0, y + h / 3.0))
                        .withFlags(k == 2, k == 1));
            }
            Voc.write(AnnotatedImage.of(name, w, h, 3, boxes).withPath(image.toString()),
                    voc.resolve(name.replaceAll("\\.\\w+$", ".xml")));
        }
    }

    @AfterAll
    static void noop() {
        // the @TempDir is removed by JUnit
    }

    @ParameterizedTest(name = "{0}, {1} shard(s), validation {2}")
    @CsvSource({"NONE, 1, 0", "GZIP, 1, 0", "NONE, 3, 0.3", "GZIP, 2, 0.3", "ZLIB, 2, 0"})
    void tensorFlow_readsAndParsesOurRecords_featureForFeature(Compression compression, int shards, double val)
            throws IOException {
        Path out = root.resolve("out-" + compression + "-" + shards + "-" + val).resolve("ds");
        DatasetToTfRecord.Report report = DatasetToTfRecord.convert(voc, LABELS, out, DatasetToTfRecord.Options
                .defaults().withShards(shards).withValFraction(val).withCompression(compression));
        assertEquals(List.of(), report.problems());
        List<Path> files = new ArrayList<>(report.trainFiles());
        files.addAll(report.valFiles());
        assertEquals(12, report.trainExamples() + report.valExamples());

        int seen = 0;
        for (Path file : files) {
            List<byte[]> ours = readOurs(file, compression);
            List<byte[]> theirs = readWithTensorFlow(file, compression);
            assertEquals(ours.size(), theirs.size(), file.toString());
            for (int i = 0; i < ours.size(); i++) {
                assertArrayEquals(ours.get(i), theirs.get(i));
                org.tensorflow.proto.Example tf = org.tensorflow.proto.Example.parseFrom(theirs.get(i));
                Example mine = Example.parseFrom(ours.get(i));
                assertEquals(canonical(mine), canonicalTf(tf));
                assertImageMatchesFeatures(mine);
                seen++;
            }
        }
        assertEquals(12, seen);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void ourReader_readsWhatTensorFlowWrote(Compression compression) throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        Random random = new Random(compression.ordinal());
        for (int i = 0; i < 25; i++) {
            byte[] p = new byte[random.nextInt(5000)];
            random.nextBytes(p);
            payloads.add(p);
        }
        Path file = root.resolve("tf-written-" + compression + ".record");
        writeWithTensorFlow(payloads, file, compression);
        assertFalse(Files.size(file) == 0);

        List<byte[]> back = readOurs(file, compression);
        assertEquals(payloads.size(), back.size());
        for (int i = 0; i < payloads.size(); i++) {
            assertArrayEquals(payloads.get(i), back.get(i));
        }
    }

    @Test
    void tensorFlow_decodesTheBakedRotation_toTheAnnotatedSize() throws IOException {
        Path dir = Files.createDirectories(root.resolve("rotated"));
        BufferedImage displayed = new BufferedImage(80, 50, BufferedImage.TYPE_3BYTE_BGR);
        BufferedImage stored = dev.annotate.core.image.ExifOrientation.ROTATE_270_CW.apply(displayed);
        Files.write(dir.resolve("r.jpg"), TestImages.withExifOrientation(TestImages.jpeg(stored, 0.9f), 6,
                java.nio.ByteOrder.LITTLE_ENDIAN));
        Voc.write(AnnotatedImage.of("r.jpg", 80, 50, 3, List.of(Annotation.of("tree", BoundingBox.of(1, 1, 40, 25)))),
                dir.resolve("r.xml"));
        DatasetToTfRecord.Report report = DatasetToTfRecord.convert(dir, LABELS, root.resolve("rot/ds"),
                DatasetToTfRecord.Options.defaults());
        assertEquals(1, report.rotated());
        Example e = Example.parseFrom(readWithTensorFlow(report.trainFiles().get(0), Compression.NONE).get(0));
        assertImageMatchesFeatures(e);
    }

    // ---------------------------------------------------------------- TensorFlow plumbing

    private static List<byte[]> readOurs(Path file, Compression compression) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (TfRecordReader r = TfRecordReader.open(file, compression, false)) {
            for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
        }
        return out;
    }

    private static String tfCompression(Compression c) {
        return TensorFlowRecords.compressionType(c);
    }

    static List<byte[]> readWithTensorFlow(Path file, Compression compression) {
        return TensorFlowRecords.read(file, compression);
    }

    static void writeWithTensorFlow(List<byte[]> payloads, Path file, Compression compression) {
        try (Graph g = new Graph(); TString values = TString.tensorOfBytes(
                org.tensorflow.ndarray.NdArrays.vectorOfObjects(payloads.toArray(new byte[0][])))) {
            Ops tf = Ops.create(g);
            Output<TString> components = tf.constantOf(values).asOutput();
            Operation dataset = g.opBuilder("TensorSliceDataset", "slices", tf.scope())
                    .addInputList(new Output<?>[] {components})
                    .setAttr("Toutput_types", new DataType[] {DataType.DT_STRING})
                    .setAttr("output_shapes", new Shape[] {Shape.scalar()})
                    .build();
            Operation write = g.opBuilder("DatasetToTFRecord", "write", tf.scope())
                    .addInput(dataset.output(0))
                    .addInput(tf.constant(file.toString()).asOutput())
                    .addInput(tf.constant(tfCompression(compression)).asOutput())
                    .build();
            try (Session s = new Session(g)) {
                s.runner().addTarget(write).run();
            }
        }
    }

    /** TensorFlow decodes {@code image/encoded} to exactly {@code image/height} x {@code image/width}. */
    private static void assertImageMatchesFeatures(Example e) {
        Map<String, dev.annotate.tfrecord.proto.Feature> f = e.getFeatures().getFeatureMap();
        byte[] encoded = f.get(TfExamples.ENCODED).getBytesList().getValue(0).toByteArray();
        String format = f.get(TfExamples.FORMAT).getBytesList().getValue(0).toStringUtf8();
        try (Graph g = new Graph(); TString input = TString.tensorOfBytes(
                org.tensorflow.ndarray.NdArrays.scalarOfObject(encoded))) {
            Ops tf = Ops.create(g);
            Placeholder<TString> bytes = tf.placeholder(TString.class);
            Output<TUint8> decoded = format.equals("png")
                    ? tf.image.decodePng(bytes, TUint8.class, org.tensorflow.op.image.DecodePng.channels(3L)).image()
                    .asOutput()
                    : tf.image.decodeJpeg(bytes, org.tensorflow.op.image.DecodeJpeg.channels(3L)).image().asOutput();
            try (Session s = new Session(g);
                 Result r = s.runner().feed(bytes, input).fetch(tf.shape(decoded, TInt64.class)).run()) {
                TInt64 shape = (TInt64) r.get(0);
                assertEquals(f.get(TfExamples.HEIGHT).getInt64List().getValue(0), shape.getLong(0));
                assertEquals(f.get(TfExamples.WIDTH).getInt64List().getValue(0), shape.getLong(1));
                assertEquals(3L, shape.getLong(2));
            }
        }
    }

    /** Every feature as a key → (kind, values) map, for our proto classes... */
    private static Map<String, String> canonical(Example e) {
        Map<String, String> out = new TreeMap<>();
        e.getFeatures().getFeatureMap().forEach((k, v) -> out.put(k, switch (v.getKindCase()) {
            case BYTES_LIST -> "bytes" + v.getBytesList().getValueList().stream().map(ByteString::toStringUtf8).toList()
                    + v.getBytesList().getValueList().stream().mapToInt(ByteString::size).sum();
            case FLOAT_LIST -> "float" + v.getFloatList().getValueList();
            case INT64_LIST -> "int64" + v.getInt64List().getValueList();
            case KIND_NOT_SET -> "none";
        }));
        return out;
    }

    /** ...and the same for TensorFlow's. */
    private static Map<String, String> canonicalTf(org.tensorflow.proto.Example e) {
        Map<String, String> out = new TreeMap<>();
        e.getFeatures().getFeatureMap().forEach((k, v) -> out.put(k, switch (v.getKindCase()) {
            case BYTES_LIST -> "bytes" + v.getBytesList().getValueList().stream()
                    .map(com.google.protobuf.ByteString::toStringUtf8).toList()
                    + v.getBytesList().getValueList().stream().mapToInt(com.google.protobuf.ByteString::size).sum();
            case FLOAT_LIST -> "float" + v.getFloatList().getValueList();
            case INT64_LIST -> "int64" + v.getInt64List().getValueList();
            case KIND_NOT_SET -> "none";
        }));
        return out;
    }
}
