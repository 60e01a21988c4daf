package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.synthetic.SyntheticDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.annotate.cli.AnnotateTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train} end to end: a short run writes the SavedModel, the ONNX model and the label map; both models
 * load through {@link Detectors#open} with no label map given, and give the same detections.
 */
final class TrainCommandTest {

    /** Normalised box and score tolerance between the two exports, from the trainer issue. */
    static final double TOLERANCE = 1e-3;

    @TempDir
    static Path root;
    static Path data;
    static Path model;
    static AnnotateTest.Run trained;

    @BeforeAll
    static void train() throws IOException {
        data = root.resolve("data");
        SyntheticDataset.generate(data, new SyntheticDataset.Options(16, 5, 160, 480, 0.25));
        model = root.resolve("model");
        trained = run("train", "--voc", data.toString(), "--labels", data.resolve("label_map.pbtxt").toString(),
                "--out", model.toString(), "--steps", "40");
    }

    @Test
    void train_writesBothExportsAndTheLabelMap() {
        assertEquals(0, trained.code(), trained.err());
        assertTrue(trained.out().startsWith("model with 3 classes, "), trained.out());
        assertTrue(Files.isRegularFile(model.resolve("saved_model/saved_model.pb")));
        assertTrue(Files.isRegularFile(model.resolve("model.onnx")));
        assertTrue(Files.isRegularFile(model.resolve("label_map.pbtxt")));
    }

    @Test
    void predict_withTheSavedModel_findsTheLabelMapInTheModelFolder() throws IOException {
        Path out = root.resolve("predicted");
        AnnotateTest.Run r = run("predict", "--model", model.resolve("saved_model").toString(), "--images",
                data.toString(), "--out", out.toString(), "--min-score", "0.05");
        assertEquals(0, r.code(), r.err());
        String voc = Files.readString(out.resolve("000000.xml"));
        assertTrue(voc.contains("<name>") && !voc.contains("<name>id "), voc);
    }

    @Test
    void train_withAnUnknownLabel_exitsTwoNamingTheFile() throws IOException {
        Path labels = Files.writeString(root.resolve("two.pbtxt"),
                "item { id: 1 name: 'race car' }\nitem { id: 2 name: 'tree' }\n");
        AnnotateTest.Run r = run("train", "--voc", data.toString(), "--labels", labels.toString(), "--out",
                root.resolve("never").toString(), "--steps", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("annotate: error: " + data.toAbsolutePath()) && r.err().contains(
                "label 'house' is not in the label map [race car, tree]"), r.err());
        assertTrue(Files.notExists(root.resolve("never")), "nothing is written when training cannot start");
    }

    @Test
    void train_intoAFolderHoldingAModel_isRefusedBeforeTraining() {
        AnnotateTest.Run again = run("train", "--voc", data.toString(), "--labels",
                data.resolve("label_map.pbtxt").toString(), "--out", model.toString(), "--steps", "1");
        assertEquals(2, again.code());
        assertEquals("annotate: error: " + model.resolve("saved_model") + " already exists; train into a new --out"
                + " folder", again.err().strip());
    }

    @Test
    void exports_onTheSameImages_giveTheSameDetections() throws IOException {
        DetectorOptions options = DetectorOptions.builder().minScore(0.02).build();
        List<Path> images;
        try (var s = Files.list(data)) {
            images = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        int compared = 0;
        try (Detector tf = Detectors.open(model.resolve("saved_model"), options);
             Detector onnx = Detectors.open(model.resolve("model.onnx"), options)) {
            for (Path image : images) {
                AnnotatedImage a = tf.detect(image);
                AnnotatedImage b = onnx.detect(image);
                assertEquals(a.width(), b.width());
                assertSame(image, a, b);
                compared += a.annotations().size();
            }
        }
        assertTrue(compared > 20, "the comparison covered only " + compared + " detections");
    }

    /**
     * Same count, classes and order, boxes (normalised) and scores within {@link #TOLERANCE}. Two detections
     * whose scores differ by less than the tolerance may appear in either order, as the two runtimes round
     * differently.
     */
    private static void assertSame(Path image, AnnotatedImage tf, AnnotatedImage onnx) {
        List<Annotation> a = tf.annotations();
        List<Annotation> b = onnx.annotations();
        assertEquals(a.size(), b.size(), image + ": " + a + " vs " + b);
        boolean[] used = new boolean[b.size()];
        for (int i = 0; i < a.size(); i++) {
            int match = -1;
            for (int j = Math.max(0, i - 1); j <= Math.min(b.size() - 1, i + 1) && match < 0; j++) {
                if (!used[j] && close(a.get(i), b.get(j), tf.width(), tf.height())
                        && (i == j || Math.abs(score(a.get(i)) - score(b.get(i))) < TOLERANCE)) {
                    match = j;
                }
            }
            assertTrue(match >= 0, image + ": TensorFlow's detection " + i + " " + a.get(i)
                    + " has no ONNX counterpart at that rank; ONNX gave " + b);
            used[match] = true;
        }
    }

    private static boolean close(Annotation x, Annotation y, int width, int height) {
        return x.label().equals(y.label())
                && Math.abs(score(x) - score(y)) < TOLERANCE
                && Math.abs(x.box().xmin() - y.box().xmin()) / width < TOLERANCE
                && Math.abs(x.box().xmax() - y.box().xmax()) / width < TOLERANCE
                && Math.abs(x.box().ymin() - y.box().ymin()) / height < TOLERANCE
                && Math.abs(x.box().ymax() - y.box().ymax()) / height < TOLERANCE;
    }

    private static double score(Annotation a) {
        return a.confidence().orElseThrow();
    }
}
