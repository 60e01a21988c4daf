package dev.annotate.benchmarks;

import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.spark.StandaloneCluster;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.train.Backbone;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.TrainerOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What Spark costs over the single-machine pipeline, on the same generated 768..1024-pixel JPEGs and the
 * primitive model's ONNX export, each run a process of its own as a user starts it:
 *
 * <ul>
 *   <li>{@code annotate predict --threads 2} (the CLI jar);</li>
 *   <li>{@code AnnotateSpark predict --master local[2]} from {@code annotate-spark-app.jar} on Spark's Maven
 *       classpath (what {@code annotate-spark/run-local} runs);</li>
 *   <li>the same application on a standalone cluster of two 1-core workers on this machine (separate master,
 *       worker and executor JVMs).</li>
 * </ul>
 *
 * <p>Images per second both as the run reports it ("in X s": from the start of the pre-annotation to its
 * summary; Spark's includes listing, opening the model and scheduling) and for the whole process, best of
 * {@code runs}; the ratios Spark ÷ CLI. With {@code memory=1000,10000}, also the local[2] process's peak resident
 * memory and its largest heap after a collection for each image count (they should stay flat). Every run's
 * files are compared with the CLI's.
 *
 * <pre>
 * ./mvnw -B -q package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.annotate.benchmarks.SparkBenchmark [images=2000] [runs=3]
 *     [model=PATH.onnx] [memory=1000,10000] [cluster=true]
 * </pre>
 * Run from the repository's root folder.
 */
public final class SparkBenchmark {

    private static final Pattern ELAPSED = Pattern.compile("failed in ([0-9.]+) s");
    private static final Pattern HEAP_AFTER_GC = Pattern.compile("->([0-9]+)M\\(");

    private SparkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int images = 2000;
        int runs = 3;
        Path model = null;
        List<Integer> memory = List.of();
        boolean cluster = true;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "images" -> images = Integer.parseInt(kv[1]);
                case "runs" -> runs = Integer.parseInt(kv[1]);
                case "model" -> model = Path.of(kv[1]).toAbsolutePath();
                case "memory" -> memory = Arrays.stream(kv[1].split(",")).map(Integer::parseInt).toList();
                case "cluster" -> cluster = Boolean.parseBoolean(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        Path cliJar = Path.of("annotate-cli/target/annotate.jar").toAbsolutePath();
        Path appJar = Path.of("annotate-spark/target/annotate-spark-app.jar").toAbsolutePath();
        Path classpath = Path.of("annotate-spark/target/spark-runtime.classpath").toAbsolutePath();
        for (Path p : List.of(cliJar, appJar, classpath)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(p + " is missing: run ./mvnw -B -q package -DskipTests from the"
                        + " repository's root, then this from there");
            }
        }
        Path root = Files.createTempDirectory("spark-bench");
        Path onnx = model != null ? model : trainModel(root.resolve("model"));
        Path data = jpegs(root.resolve("images-" + images), images, 5);
        System.out.printf("%d JPEGs of 768..1024 px, model %s, %d processors%n", images, onnx,
                Runtime.getRuntime().availableProcessors());

        Run cli = best(runs, i -> cli(cliJar, onnx, data, root.resolve("cli-" + i)));
        System.out.printf("annotate predict --threads 2:  %s%n", cli);
        Run local = best(runs, i -> spark(appJar, classpath, onnx, data, root.resolve("local-" + i), root,
                List.of("--master", "local[2]"), List.of(), null));
        System.out.printf("Spark local[2]:                %s   ratio %.2f in the run, %.2f whole process; same"
                + " files: %s%n", local, local.inRun() / cli.inRun(), local.whole() / cli.whole(),
                same(root.resolve("cli-0"), root.resolve("local-0")));
        if (cluster) {
            Path dir = Files.createDirectories(root.resolve("cluster"));
            try (StandaloneCluster c = StandaloneCluster.start(dir, 2, 1, classpath)) {
                Run onCluster = best(runs, i -> spark(appJar, classpath, onnx, data, root.resolve("cluster-" + i),
                        dir, List.of("--master", c.masterUrl()), List.of("-Dspark.jars=" + appJar,
                                "-Dspark.executor.memory=1g", "-Dspark.cores.max=2",
                                "-Dspark.executor.extraJavaOptions=" + String.join(" ",
                                        StandaloneCluster.JAVA_OPTIONS)), c));
                System.out.printf("standalone, 2 x 1-core workers: %s   ratio %.2f in the run, %.2f whole process;"
                        + " same files: %s%n", onCluster, onCluster.inRun() / cli.inRun(),
                        onCluster.whole() / cli.whole(), same(root.resolve("cli-0"), root.resolve("cluster-0")));
            }
        }
        for (int n : memory) {
            Path set = jpegs(root.resolve("memory-" + n), n, 6);
            // a fixed, pre-touched heap, so that resident memory shows what grows outside it
            Run r = spark(appJar, classpath, onnx, set, root.resolve("memory-out-" + n), root,
                    List.of("--master", "local[2]"), List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"), null);
            System.out.printf("local[2], -Xmx1g, %,6d images: %s; peak resident %,d MB, heap after the last GCs"
                    + " %,d MB (largest %,d MB)%n", n, r, r.peakRssKb() / 1024, r.lastHeapAfterGcMb(),
                    r.heapAfterGcMb());
            BenchFiles.deleteTree(set);
        }
        BenchFiles.deleteTree(root);
    }

    /** One run: images per second in the run and for the whole process, and memory where measured. */
    record Run(double inRun, double whole, long peakRssKb, long heapAfterGcMb, long lastHeapAfterGcMb) {
        @Override
        public String toString() {
            return String.format("%6.1f images/s in the run, %6.1f whole process", inRun, whole);
        }
    }

    @FunctionalInterface
    interface Measured {
        Run run(int index) throws Exception;
    }

    private static Run best(int runs, Measured m) throws Exception {
        Run best = null;
        for (int i = 0; i < runs; i++) {
            Run r = m.run(i);
            if (best == null || r.inRun() > best.inRun()) {
                best = r;
            }
        }
        return best;
    }

    private static Run cli(Path jar, Path model, Path images, Path out) throws Exception {
        return measure(List.of(java(), "-jar", jar.toString(), "predict", "--model", model.toString(), "--images",
                images.toString(), "--out", out.toString(), "--threads", "2"), images, out.resolveSibling(
                out.getFileName() + ".log"), Map.of());
    }

    private static Run spark(Path appJar, Path classpath, Path model, Path images, Path out, Path logs,
                             List<String> master, List<String> jvm, StandaloneCluster cluster) throws Exception {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(StandaloneCluster.JAVA_OPTIONS);
        command.addAll(List.of("-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1",
                "-Dspark.driver.bindAddress=127.0.0.1", "-Xlog:gc:file=" + logs.resolve(out.getFileName() + ".gc"),
                "-Dlog4j2.configurationFile=" + Path.of("annotate-spark/log4j2-local.properties").toAbsolutePath()));
        command.addAll(jvm);
        command.addAll(List.of("-cp", appJar + ":" + Files.readString(classpath).strip(),
                "dev.annotate.spark.AnnotateSpark", "predict"));
        command.addAll(master);
        command.addAll(List.of("--model", model.toString(), "--images", images.toString(), "--out", out.toString()));
        Run r = measure(command, images, logs.resolve(out.getFileName() + ".log"), Map.of("SPARK_LOCAL_IP",
                "127.0.0.1"));
        List<Long> afterGc = new ArrayList<>();
        for (String line : Files.readAllLines(logs.resolve(out.getFileName() + ".gc"))) {
            Matcher m = HEAP_AFTER_GC.matcher(line);
            if (m.find()) {
                afterGc.add(Long.parseLong(m.group(1)));
            }
        }
        long largest = afterGc.stream().mapToLong(Long::longValue).max().orElse(0);
        // the median of the last five: a young collection's figure includes old garbage not yet collected
        List<Long> last = new ArrayList<>(afterGc.subList(Math.max(0, afterGc.size() - 5), afterGc.size()));
        last.sort(null);
        long lastMedian = last.isEmpty() ? 0 : last.get(last.size() / 2);
        return new Run(r.inRun(), r.whole(), r.peakRssKb(), largest, lastMedian);
    }

    /** Runs a command to its end, polling its resident memory; reads "in X s" from its output. */
    private static Run measure(List<String> command, Path images, Path log, Map<String, String> env)
            throws Exception {
        long count;
        try (Stream<Path> s = Files.list(images)) {
            count = s.count();
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        AtomicLong peak = new AtomicLong();
        Thread poll = new Thread(() -> {
            Path status = Path.of("/proc", Long.toString(p.pid()), "status");
            while (p.isAlive()) {
                try {
                    for (String line : Files.readAllLines(status)) {
                        if (line.startsWith("VmRSS:")) {
                            peak.accumulateAndGet(Long.parseLong(line.replaceAll("[^0-9]", "")), Math::max);
                        }
                    }
                    Thread.sleep(100);
                } catch (IOException | InterruptedException | NumberFormatException e) {
                    return;
                }
            }
        });
        poll.start();
        int code = p.waitFor();
        double whole = (System.nanoTime() - start) / 1e9;
        poll.join();
        String output = Files.readString(log);
        Matcher m = ELAPSED.matcher(output);
        if (code != 0 || !m.find()) {
            throw new IllegalStateException("exit " + code + " from " + command + ":\n" + output);
        }
        return new Run(count / Double.parseDouble(m.group(1)), count / whole, peak.get(), 0, 0);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code n} generated JPEGs, without their truth files (the pipeline would skip every image). */
    private static Path jpegs(Path dir, int n, long seed) throws IOException {
        SyntheticDataset.generate(dir, SyntheticDataset.Options.defaults(n, seed).withSides(768, 1024)
                .withExifShare(0.1));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> !p.toString().endsWith(".jpg")).toList()) {
                Files.delete(p);
            }
        }
        return dir;
    }

    /** The primitive model after 300 steps on 100 generated images: detections like a trained model's. */
    private static Path trainModel(Path dir) throws IOException {
        Path seed = dir.resolve("seed");
        SyntheticDataset.generate(seed, SyntheticDataset.Options.defaults(100, 1));
        PrimitiveModel m = PrimitiveTrainer.train(seed, SyntheticDataset.LABEL_MAP,
                TrainerOptions.defaults(Backbone.PRIMITIVE).withSteps(300), p -> { });
        Path onnx = dir.resolve("model.onnx");
        OnnxExport.write(m, onnx);
        return onnx;
    }

    private static boolean same(Path a, Path b) throws IOException {
        return tree(a).equals(tree(b));
    }

    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> files = new java.util.TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(),
                        Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return files;
    }
}
