package dev.annotate.benchmarks;

import dev.annotate.core.LabelMaps;
import dev.annotate.core.image.Images;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.train.Backbone;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.TrainerOptions;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * #18's yardstick in one command: {@code annotate predict} against {@link DjlPeer} (Deep Java Library 0.38 with its
 * ONNX Runtime engine) on the same ONNX model and the same images, each a whole process from {@code java} to exit,
 * as a new user starts them, best of {@code runs}, the two taking turns (ours, the peer, ours, ...) so that both
 * see the machine alike. Ours is {@code java -jar annotate.jar} (no JVM flags), or with {@code launcher=} the
 * installed launcher, {@code bin/annotate}, with its class-data-sharing archive (run it once before, so that the
 * archive is made for where it is installed).
 *
 * <pre>
 * ./mvnw -B -q package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.annotate.benchmarks.PeerBenchmark [images=300] [threads=2] [runs=3]
 *     [model=my-model/model.onnx] [jar=annotate-cli/target/annotate.jar] [launcher=annotate-0.1.0/bin/annotate]
 *     [dir=/tmp/annotate-peer]
 * </pre>
 *
 * The images are generated scenes scaled to 1024x768 JPEGs (quality 0.92); without {@code model=}, a primitive
 * model is trained for a minute on 100 generated images and exported (its label map beside it, which the peer
 * reads). Prints images per second for {@code images} images and for one image (start-up), and the ratios.
 */
public final class PeerBenchmark {

    private PeerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new TreeMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int count = Integer.parseInt(a.getOrDefault("images", "300"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
        int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
        Path jar = Path.of(a.getOrDefault("jar", "annotate-cli/target/annotate.jar")).toAbsolutePath();
        Path root = Path.of(a.getOrDefault("dir", System.getProperty("java.io.tmpdir") + "/annotate-peer"));
        List<String> annotate = a.containsKey("launcher") ? List.of(Path.of(a.get("launcher")).toAbsolutePath()
                .toString()) : List.of(java(), "-jar", jar.toString());
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: ./mvnw -B -q package -DskipTests builds it");
        }
        Path images = root.resolve("images-" + count);
        Path one = root.resolve("images-1");
        if (!Files.isDirectory(images)) {
            write(images, count);
        }
        if (!Files.isDirectory(one)) {
            write(one, 1);
        }
        Path model = a.containsKey("model") ? Path.of(a.get("model")) : trained(root.resolve("model"));
        String benchmarksJar = Path.of(PeerBenchmark.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()).toString();

        System.out.printf(Locale.ROOT, "model %s, %d threads, best of %d whole-process runs, taking turns; ours: %s%n",
                model, threads, runs, String.join(" ", annotate));
        System.out.printf(Locale.ROOT, "%-22s %12s %12s %8s%n", "", "annotate", "DJL peer", "ratio");
        for (Path set : List.of(images, one)) {
            int n = set == images ? count : 1;
            double[] best = bestTakingTurns(runs, root, out -> {
                List<String> cmd = new ArrayList<>(annotate);
                cmd.addAll(List.of("predict", "--model", model.toString(), "--images", set.toString(), "--out",
                        out.toString(), "--threads", Integer.toString(threads)));
                return cmd;
            }, out -> List.of(java(), "-cp", benchmarksJar, DjlPeer.class.getName(), model.toString(),
                    set.toString(), out.toString(), Integer.toString(threads)));
            double ours = best[0];
            double peer = best[1];
            System.out.printf(Locale.ROOT, "%-22s %10.2f s %10.2f s %7.2fx   (%.1f vs %.1f images/s)%n",
                    n + (n == 1 ? " image" : " images"), ours, peer, peer / ours, n / ours, n / peer);
        }
    }

    @FunctionalInterface
    private interface Command {
        List<String> forOutput(Path out);
    }

    /** The fastest of {@code runs} runs of each command, the two taking turns, in seconds. */
    private static double[] bestTakingTurns(int runs, Path root, Command first, Command second) throws Exception {
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int r = 0; r < runs; r++) {
            best[0] = Math.min(best[0], run(root, first));
            best[1] = Math.min(best[1], run(root, second));
        }
        return best;
    }

    /** One run of a command into a fresh output folder, in seconds. */
    private static double run(Path root, Command command) throws Exception {
        Path out = root.resolve("out");
        if (Files.exists(out)) {
            BenchFiles.deleteTree(out);
        }
        List<String> cmd = command.forOutput(out);
        long t = System.nanoTime();
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true)
                .redirectOutput(root.resolve("last-run.log").toFile()).start();
        int code = p.waitFor();
        double seconds = (System.nanoTime() - t) / 1e9;
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + code + ":\n"
                    + Files.readString(root.resolve("last-run.log")));
        }
        return seconds;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code n} generated scenes scaled to 1024x768, as JPEG files. */
    private static void write(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        SyntheticDataset.Options options = SyntheticDataset.Options.defaults(n, 7).withSides(1024, 1024)
                .withExifShare(0);
        for (int i = 0; i < n; i++) {
            BufferedImage scene = SyntheticDataset.render(options, i).displayed();
            BufferedImage photo = new BufferedImage(1024, 768, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = photo.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(scene, 0, 0, 1024, 768, null);
            g.dispose();
            Files.write(dir.resolve(String.format(Locale.ROOT, "%05d.jpg", i)), Images.encodeJpeg(photo, 0.92f));
        }
    }

    /** A primitive model trained for a minute on 100 generated images, exported as ONNX with its label map. */
    private static Path trained(Path dir) throws IOException {
        Path onnx = dir.resolve("model.onnx");
        if (Files.isRegularFile(onnx)) {
            return onnx;
        }
        Path seed = dir.resolve("seed");
        SyntheticDataset.generate(seed, SyntheticDataset.Options.defaults(100, 1));
        PrimitiveModel model = PrimitiveTrainer.train(seed, SyntheticDataset.LABEL_MAP,
                TrainerOptions.defaults(Backbone.PRIMITIVE).withTimeBudget(Duration.ofMinutes(1)), p -> { });
        OnnxExport.write(model, onnx);
        LabelMaps.write(model.labels(), dir.resolve("label_map.pbtxt"));
        return onnx;
    }
}
