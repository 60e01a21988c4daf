package dev.annotate.spark;

import dev.annotate.core.LabelMaps;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.tfrecord.Compression;
import dev.annotate.tfrecord.DatasetToTfRecord;
import dev.annotate.tfrecord.TensorFlowRecords;
import dev.annotate.tfrecord.TfRecordReader;
import dev.annotate.tfrecord.proto.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TFRecord job on {@code local[2]}: TensorFlow reads every record it writes, and every image's record and
 * split equal what the single-machine conversion ({@code annotate tfrecord}) gives it.
 */
final class SparkTfRecordsTest {

    @TempDir
    Path dir;

    @Test
    void convert_givesEveryImageTheCommandLinesRecordAndSplit() throws IOException {
        Path voc = dir.resolve("voc");
        SyntheticDataset.generate(voc, SyntheticDataset.Options.defaults(20, 21).withSides(160, 400)
                .withExifShare(0.25));
        Path broken = Files.writeString(voc.resolve("broken.xml"), "<annotation><size>");
        Path labels = voc.resolve("label_map.pbtxt");
        DatasetToTfRecord.Report cli = DatasetToTfRecord.convert(voc, LabelMaps.read(labels), dir.resolve("cli/ds"),
                DatasetToTfRecord.Options.defaults().withValFraction(0.3));

        SparkTfRecords.Report spark = SparkTfRecords.convert(SparkFixture.spark(), voc.toString(), labels.toString(),
                dir.resolve("spark/ds").toString(), SparkTfRecords.Options.defaults().withShards(3)
                        .withValFraction(0.3));

        assertEquals(cli.trainExamples(), spark.trainExamples());
        assertEquals(cli.valExamples(), spark.valExamples());
        assertTrue(cli.valExamples() > 0 && cli.trainExamples() > 0, cli.toString());
        assertEquals(cli.objects(), spark.objects());
        assertEquals(cli.rotated(), spark.rotated());
        assertTrue(spark.rotated() > 0, "the dataset has EXIF-rotated images, re-encoded in the records");
        assertEquals(1, spark.skippedFiles());
        assertTrue(spark.problems().stream().anyMatch(p -> p.startsWith(broken.toString())), spark.problems()
                .toString());
        List<String> names = spark.files().stream().map(f -> f.substring(f.lastIndexOf('/') + 1)).toList();
        assertEquals(List.of("ds_train.record-00000-of-00003", "ds_train.record-00001-of-00003",
                "ds_train.record-00002-of-00003", "ds_val.record-00000-of-00003", "ds_val.record-00001-of-00003",
                "ds_val.record-00002-of-00003", "ds_label_map.pbtxt"), names);
        assertArrayEquals(Files.readAllBytes(cli.labelMapFile()), Files.readAllBytes(dir.resolve(
                "spark/ds_label_map.pbtxt")));

        assertEquals(byImage(List.of(cli.trainFiles().get(0))), byImage(shards(dir.resolve("spark"), "ds_train")));
        assertEquals(byImage(List.of(cli.valFiles().get(0))), byImage(shards(dir.resolve("spark"), "ds_val")));
        try (var s = Files.list(dir.resolve("spark"))) {
            assertEquals(7, s.count(), "no temporary file is left");
        }
    }

    @Test
    void convert_withALabelMissingFromTheMap_skipsThatFileAndSaysWhy() throws IOException {
        Path voc = dir.resolve("voc");
        SyntheticDataset.generate(voc, SyntheticDataset.Options.defaults(4, 22).withSides(160, 400).withExifShare(0));
        Path labels = Files.writeString(dir.resolve("two.pbtxt"),
                "item { id: 1 name: 'race car' }\nitem { id: 2 name: 'tree' }\n");

        SparkTfRecords.Report r = SparkTfRecords.convert(SparkFixture.spark(), voc.toString(), labels.toString(),
                dir.resolve("out/ds").toString(), SparkTfRecords.Options.defaults().withShards(2));

        assertTrue(r.skippedFiles() > 0, r.toString());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("label 'house' is not in the label map")),
                r.problems().toString());
        assertEquals(4, r.trainExamples() + r.skippedFiles());
    }

    @Test
    void convert_withAMissingLabelMap_failsNamingIt() {
        Path missing = dir.resolve("nothing.pbtxt");
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> SparkTfRecords.convert(SparkFixture.spark(), dir.toString(), missing.toString(),
                        dir.resolve("out/ds").toString(), SparkTfRecords.Options.defaults()));
        assertEquals("file:" + missing, e.getFile());
    }

    private static List<Path> shards(Path dir, String prefix) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix + ".record")).sorted().toList();
        }
    }

    /**
     * Every record of the files, read by TensorFlow (and checked against our own reader), by image file name; the
     * record bytes as hex.
     */
    private static Map<String, String> byImage(List<Path> files) throws IOException {
        Map<String, String> records = new TreeMap<>();
        for (Path f : files) {
            List<byte[]> theirs = TensorFlowRecords.read(f, Compression.NONE);
            List<byte[]> ours = new ArrayList<>();
            try (TfRecordReader r = TfRecordReader.open(f, Compression.NONE, false)) {
                for (byte[] b = r.next(); b != null; b = r.next()) {
                    ours.add(b);
                }
            }
            assertEquals(ours.size(), theirs.size(), f.toString());
            for (int i = 0; i < ours.size(); i++) {
                assertArrayEquals(ours.get(i), theirs.get(i));
                String name = Example.parseFrom(theirs.get(i)).getFeatures().getFeatureMap().get("image/filename")
                        .getBytesList().getValue(0).toStringUtf8();
                records.put(name, HexFormat.of().formatHex(theirs.get(i)));
            }
        }
        return records;
    }
}
