package dev.annotate.spark;

import dev.annotate.core.LabelMaps;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.tfrecord.DatasetToTfRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jobs on file systems other than the local one ({@link RemoteLikeFileSystem}): the model comes through the
 * executor's cache (its label map with it), images through local temporary copies, outputs through Hadoop's
 * API, with a rename (HDFS-like) or directly (object-store-like). The files equal the command line's, except that
 * each records its image's URI.
 */
final class RemoteFileSystemTest {

    @TempDir
    Path dir;

    private static String uri(String scheme, Path p) {
        return scheme + "://" + p.toAbsolutePath();
    }

    @Test
    void predict_onARemoteFileSystem_writesTheCommandLinesFilesNamingTheImagesUris() throws IOException {
        checkPredict(RemoteLikeFileSystem.SCHEME, SparkFixture.onnxModel());
    }

    @Test
    void predict_onAnObjectStore_writesTheCommandLinesFilesDirectly() throws IOException {
        checkPredict("s3a", SparkFixture.onnxModel());
    }

    /** A SavedModel names no classes itself: the label map beside its folder must come along into the cache. */
    @Test
    void predict_withARemoteSavedModel_copiesItsFolderAndTheLabelMapBesideIt() throws IOException {
        checkPredict(RemoteLikeFileSystem.SCHEME, SparkFixture.savedModel());
    }

    private void checkPredict(String scheme, Path model) throws IOException {
        Path images = SparkFixture.images(dir, 6, 51);
        Path cli = dir.resolve("cli");
        SparkPreAnnotatorTest.predictLikeTheCli(model, images, cli);
        Path out = dir.resolve("out");

        SparkPreAnnotator.Result r = SparkPreAnnotator.run(SparkFixture.spark(),
                uri(scheme, model), uri(scheme, images), Optional.of(uri(scheme, out)),
                SparkPreAnnotator.Options.defaults().withMinScore(SparkPreAnnotatorTest.MIN_SCORE)
                        .withPartitions(2));
        r.close();

        assertEquals(6, r.summary().written());
        Map<String, String> want = new TreeMap<>();
        SparkFixture.files(cli).forEach((name, xml) -> want.put(name, xml.replace("<path>" + images,
                "<path>" + scheme + ":" + images)));
        assertEquals(want, SparkFixture.files(out));
        assertTrue(r.summary().detectionsPerClass().values().stream().mapToLong(Long::longValue).sum() > 0);
    }

    @Test
    void tfrecord_onARemoteFileSystem_givesTheCommandLinesRecords() throws IOException {
        Path voc = dir.resolve("voc");
        SyntheticDataset.generate(voc, SyntheticDataset.Options.defaults(6, 52).withSides(160, 300).withExifShare(0.3));
        Path labels = voc.resolve("label_map.pbtxt");
        DatasetToTfRecord.Report cli = DatasetToTfRecord.convert(voc, LabelMaps.read(labels), dir.resolve("cli/ds"),
                DatasetToTfRecord.Options.defaults());

        SparkTfRecords.Report r = SparkTfRecords.convert(SparkFixture.spark(), uri(RemoteLikeFileSystem.SCHEME, voc),
                uri(RemoteLikeFileSystem.SCHEME, labels), uri(RemoteLikeFileSystem.SCHEME, dir.resolve("spark/ds")),
                SparkTfRecords.Options.defaults().withShards(1));

        assertEquals(6, r.trainExamples(), r.problems().toString());
        assertArrayEquals(Files.readAllBytes(cli.trainFiles().get(0)),
                Files.readAllBytes(dir.resolve("spark/ds_train.record")));
    }
}
