package dev.annotate.spark;

import dev.annotate.core.LabelMaps;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.SavedModelExport;
import dev.annotate.train.TrainerOptions;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the Spark tests share, made once per test JVM: a {@code local[2]} session and a primitive model trained
 * briefly on generated images, exported as ONNX and as a SavedModel with its label map beside them.
 */
final class SparkFixture {

    private static SparkSession spark;
    private static Path root;

    private SparkFixture() {
    }

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("annotate-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.hadoop.fs." + RemoteLikeFileSystem.SCHEME + ".impl",
                            RemoteLikeFileSystem.class.getName())
                    .config("spark.hadoop.fs.s3a.impl", RemoteLikeFileSystem.ObjectStore.class.getName())
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    /** The folder holding {@code seed/} (the training set), {@code model/model.onnx}, {@code model/saved_model}. */
    static synchronized Path root() {
        if (root == null) {
            try {
                Path dir = Files.createTempDirectory("annotate-spark-test");
                // shared by every test class of the run, so no @TempDir: removed when the test JVM ends
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "remove " + dir));
                Path seed = dir.resolve("seed");
                SyntheticDataset.generate(seed, SyntheticDataset.Options.defaults(16, 5)
                        .withSides(160, 400).withExifShare(0.25));
                PrimitiveModel model = PrimitiveTrainer.train(seed, SyntheticDataset.LABEL_MAP,
                        TrainerOptions.defaults(dev.annotate.train.Backbone.PRIMITIVE).withSteps(60), p -> { });
                Path out = dir.resolve("model");
                Files.createDirectories(out);
                OnnxExport.write(model, out.resolve("model.onnx"));
                SavedModelExport.write(model, out.resolve("saved_model"));
                LabelMaps.write(SyntheticDataset.LABEL_MAP, out.resolve("label_map.pbtxt"));
                root = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not remove the test models' folder " + dir + ": " + e);
        }
    }

    static Path onnxModel() {
        return root().resolve("model/model.onnx");
    }

    static Path savedModel() {
        return root().resolve("model/saved_model");
    }

    /**
     * A new image tree under {@code dir}: {@code n} generated JPEGs (EXIF-rotated ones among them) spread over
     * the root and two nested folders, with no annotation files.
     */
    static Path images(Path dir, int n, long seed) throws IOException {
        Path generated = dir.resolve("generated");
        SyntheticDataset.Summary s = SyntheticDataset.generate(generated,
                SyntheticDataset.Options.defaults(n, seed).withSides(160, 400).withExifShare(0.25));
        Path tree = dir.resolve("images");
        List<Path> images = s.images();
        for (int i = 0; i < images.size(); i++) {
            Path folder = switch (i % 3) {
                case 0 -> tree;
                case 1 -> tree.resolve("a");
                default -> tree.resolve("a/b c");
            };
            Files.createDirectories(folder);
            Files.copy(images.get(i), folder.resolve(images.get(i).getFileName()));
        }
        return tree;
    }

    /** Every regular file under {@code dir} by relative path, with its bytes as text (ISO-8859-1, lossless). */
    static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.exists(dir)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), new String(Files.readAllBytes(p),
                        java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return files;
    }
}
