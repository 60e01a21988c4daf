package dev.annotate.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.image.Images;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.onnx.graph.Attribute;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import dev.annotate.onnx.graph.Tensor;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.voc.VocFormat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * End-to-end pre-annotation against its two unavoidable parts measured alone, on the same images and threads:
 * decoding (with the decoder the pipeline uses) and pure inference on a prepared tensor. The model is a stand-in
 * for a small real detector, built with our ONNX writer: ~260 MFLOPs of convolutions on a 320x320 input with a
 * YOLOv8-style head (random weights; the class head is biased low so few boxes pass). Also thread scaling and
 * resident memory over many images.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.annotate.benchmarks.PipelineBenchmark [images=300] [passes=10]
 * </pre>
 */
public final class PipelineBenchmark {

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int images = 300;
        int passes = 10;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "images" -> images = Integer.parseInt(kv[1]);
                case "passes" -> passes = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        Path root = Files.createTempDirectory("pipeline-bench");
        Path data = root.resolve("images");
        SyntheticDataset.generate(data, SyntheticDataset.Options.defaults(images, 5).withSides(768,
                1024).withExifShare(0.1));
        // the truth files would make the pipeline skip every image: keep the JPEGs only
        try (Stream<Path> s = Files.list(data)) {
            for (Path p : s.filter(p -> !p.toString().endsWith(".jpg")).toList()) {
                Files.delete(p);
            }
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(data)) {
            files = s.sorted().toList();
        }
        Path model = root.resolve("model.onnx");
        Files.write(model, workloadModel(320));
        System.out.printf("%d JPEGs of 768..1024 px, model %s (320x320 input), %d processors%n", files.size(), model,
                Runtime.getRuntime().availableProcessors());

        for (int threads : new int[] {1, 2}) {
            double decode = perImage(files, threads, 3, p -> Images.read(p, Images.DEFAULT_MAX_PIXELS, 320, 320));
            double inference = inferencePerImage(model, files.size(), threads);
            double pipeline = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                Path out = root.resolve("out-" + threads + "-" + round);
                try (Detector d = Detectors.open(model, DetectorOptions.defaults().withThreads(1))) {
                    long t = System.nanoTime();
                    PreAnnotator.Summary s = PreAnnotator.run(d, data, PreAnnotator.Options.defaults(new VocFormat())
                            .withOutputDir(out).withThreads(threads), p -> { });
                    if (s.failed() > 0) {
                        throw new IllegalStateException("failures: " + s.failures());
                    }
                    pipeline = Math.min(pipeline, (System.nanoTime() - t) / 1e6 / files.size());
                }
            }
            System.out.printf("threads %d: decode %.2f ms/image, inference %.2f ms/image, pipeline %.2f ms/image"
                            + " (%.1f images/s), overhead ratio %.2f (goal <= 1.10)%n", threads, decode, inference,
                    pipeline, 1000 / pipeline, pipeline / (decode + inference));
        }

        // resident memory: the same images again and again (overwrite), after 1x and after `passes` x
        try (Detector d = Detectors.open(model, DetectorOptions.defaults().withThreads(1))) {
            PreAnnotator.Options o = PreAnnotator.Options.defaults(new VocFormat()).withOutputDir(root.resolve("rss"))
                    .withThreads(2).withExisting(Existing.OVERWRITE);
            PreAnnotator.run(d, data, o, p -> { });
            long after1 = rssKb();
            for (int i = 1; i < passes; i++) {
                PreAnnotator.run(d, data, o, p -> { });
            }
            long afterN = rssKb();
            System.out.printf("resident memory after %d images %d MB, after %d images %d MB (%+.1f%%, goal < 10%%)%n",
                    files.size(), after1 / 1024, files.size() * passes, afterN / 1024,
                    100.0 * (afterN - after1) / after1);
        }
        BenchFiles.deleteTree(root);
    }

    @FunctionalInterface
    interface Work {
        Object run(Path p) throws Exception;
    }

    /** Best of {@code rounds} wall-clock milliseconds per image with {@code threads} threads sharing the list. */
    static double perImage(List<Path> files, int threads, int rounds, Work work) throws Exception {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                fs.add(pool.submit(() -> {
                    for (int k = next.getAndIncrement(); k < files.size(); k = next.getAndIncrement()) {
                        work.run(files.get(k));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            best = Math.min(best, (System.nanoTime() - t) / 1e6 / files.size());
            pool.shutdown();
        }
        return best;
    }

    /** session.run alone on a prepared input, as many runs as images, {@code threads} threads on one session. */
    static double inferencePerImage(Path model, int runs, int threads) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(1);
        try (OrtSession session = env.createSession(Files.readAllBytes(model), so)) {
            FloatBuffer input = ByteBuffer.allocateDirect(3 * 320 * 320 * 4).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {1, 3, 320, 320})) {
                return perImage(Collections.nCopies(runs, model), threads, 3, p -> {
                    try (OrtSession.Result r = session.run(Map.of("images", tensor))) {
                        return r.size();
                    }
                });
            }
        }
    }

    /** Convolutions with random weights and a YOLOv8-style [1, 7, 1600] output (3 classes). */
    static byte[] workloadModel(int size) {
        Random random = new Random(3);
        OnnxGraph.Builder g = OnnxGraph.builder("workload").input("images", ElementType.FLOAT, 1, 3, size, size);
        int[][] layers = {{3, 16, 2}, {16, 32, 2}, {32, 64, 2}, {64, 64, 1}};
        String x = "images";
        for (int i = 0; i < layers.length; i++) {
            int in = layers[i][0];
            int out = layers[i][1];
            float[] w = new float[out * in * 9];
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) (random.nextGaussian() * Math.sqrt(2.0 / (in * 9)));
            }
            g.initializer("w" + i, Tensor.floats(w, out, in, 3, 3));
            g.initializer("b" + i, Tensor.floats(new float[out], out));
            g.node("Conv", List.of(x, "w" + i, "b" + i), List.of("c" + i), Attribute.ints("kernel_shape", 3, 3),
                    Attribute.ints("pads", 1, 1, 1, 1), Attribute.ints("strides", layers[i][2], layers[i][2]));
            g.node("Relu", List.of("c" + i), List.of("r" + i));
            x = "r" + i;
        }
        float[] hw = new float[7 * 64];
        for (int k = 0; k < hw.length; k++) {
            hw[k] = (float) (random.nextGaussian() * 0.05);
        }
        float[] hb = {160, 160, 40, 40, -6, -6, -6};
        g.initializer("hw", Tensor.floats(hw, 7, 64, 1, 1));
        g.initializer("hb", Tensor.floats(hb, 7));
        g.node("Conv", List.of(x, "hw", "hb"), List.of("head"), Attribute.ints("kernel_shape", 1, 1));
        int cells = (size / 8) * (size / 8);
        g.initializer("shape", Tensor.longs(new long[] {1, 7, cells}, 3));
        g.node("Reshape", List.of("head", "shape"), List.of("flat"));
        g.initializer("split", Tensor.longs(new long[] {4, 3}, 2));
        g.node("Split", List.of("flat", "split"), List.of("boxes", "logits"), Attribute.i("axis", 1));
        g.node("Sigmoid", List.of("logits"), List.of("scores"));
        g.node("Concat", List.of("boxes", "scores"), List.of("output0"), Attribute.i("axis", 1));
        return g.output("output0", ElementType.FLOAT, 1, 7, cells).metadata("names", "{0: 'race car', 1: 'tree',"
                + " 2: 'house'}").toBytes();
    }

    private static long rssKb() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
