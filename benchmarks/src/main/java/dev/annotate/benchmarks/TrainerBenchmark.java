package dev.annotate.benchmarks;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.Slicing;
import dev.annotate.core.eval.DatasetPairs;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.SavedModelExport;
import dev.annotate.train.TrainerOptions;
import dev.annotate.voc.Voc;
import dev.annotate.voc.VocFormat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The primitive model's quality against training time: generates a training set and a test set from another
 * seed, trains with the {@code train} command's defaults under each time budget, exports both formats, and
 * reports for each VOC2012 mAP@0.5 and the precision and recall (IoU 0.5) of the pre-annotations at the default
 * minimum score. Per-class AP and recall by object size go to stderr. {@code steps=N} (with a generous
 * {@code minutes}) fixes the number of steps instead, so that a comparison of training settings does not depend on
 * how busy the machine is; {@code seed=N} trains from other initial weights, sample order and augmentation. {@code save=DIR} keeps each ONNX
 * export; {@code model=FILE.onnx} evaluates that model instead of training; {@code nested=T} evaluates with
 * {@link DetectorOptions#nestedSuppression()} T; {@code tune=N} also warm-starts the model on N photographic-style
 * images beside the training set ({@code tunesteps=N} steps, default 800), the correction loop on photographs;
 * {@code trainstyle=photographic} trains on photographic-style images instead (seed 1, never the test seed 3), as a
 * user who annotated photographs does. The {@code train} command turns on TensorFlow's oneDNN kernels (see the CLI's
 * {@code OneDnn}); run this with {@code TF_ENABLE_ONEDNN_OPTS=1} in the environment to measure what it trains.
 *
 * <pre>
 * TF_ENABLE_ONEDNN_OPTS=1 java -cp benchmarks/target/benchmarks.jar dev.annotate.benchmarks.TrainerBenchmark \
 *     train=100 test=300 minutes=1,2,3
 * </pre>
 */
public final class TrainerBenchmark {

    private TrainerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int train = 100;
        int test = 300;
        int photo = 300;
        List<Double> minutes = List.of(3.0);
        TrainerOptions options = BenchFiles.trainerDefaults(args);
        boolean speed = true;
        List<String> speeds = new ArrayList<>();
        // how detectors are opened for evaluation: every detection from 0.01, other settings as given
        DetectorOptions evaluation = DetectorOptions.defaults().withLabelMap(SyntheticDataset.LABEL_MAP)
                .withMinScore(0.01);
        PrimitiveModel given = null;
        int large = 0;
        int tune = 0;
        int tuneSteps = 800;
        int slice = 1024;
        Path save = null;
        SyntheticDataset.Style trainStyle = SyntheticDataset.Style.DRAWN;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "train" -> train = Integer.parseInt(kv[1]);
                case "test" -> test = Integer.parseInt(kv[1]);
                case "photo" -> photo = Integer.parseInt(kv[1]);
                case "minutes" -> minutes = List.of(kv[1].split(",")).stream().map(Double::parseDouble).toList();
                case "size" -> options = options.withInputSize(Integer.parseInt(kv[1]));
                case "batch" -> options = options.withBatchSize(Integer.parseInt(kv[1]));
                case "lr" -> options = options.withLearningRate(Float.parseFloat(kv[1]));
                case "steps" -> options = options.withSteps(Integer.parseInt(kv[1]));
                case "seed" -> options = options.withSeed(Long.parseLong(kv[1]));
                case "backbone" -> { } // read above
                case "speed" -> speed = Boolean.parseBoolean(kv[1]);
                case "model" -> given = OnnxExport.read(Path.of(kv[1]));
                case "save" -> save = Path.of(kv[1]);
                case "large" -> large = Integer.parseInt(kv[1]);
                case "tune" -> tune = Integer.parseInt(kv[1]);
                case "tunesteps" -> tuneSteps = Integer.parseInt(kv[1]);
                case "slice" -> slice = Integer.parseInt(kv[1]);
                case "trainstyle" -> trainStyle = SyntheticDataset.Style.valueOf(kv[1].toUpperCase(Locale.ROOT));
                case "nested" -> evaluation = evaluation.withNestedSuppression(Double.parseDouble(kv[1]));
                default -> throw new IllegalArgumentException("unknown argument " + a
                        + "; use train=N test=N photo=N minutes=M[,M...] steps=N seed=N size=S batch=B lr=R"
                        + " speed=true|false model=FILE.onnx save=DIR nested=T large=N slice=PIXELS tune=N"
                        + " tunesteps=N trainstyle=drawn|photographic backbone=primitive|nanodet");
            }
        }
        Path root = Files.createTempDirectory("annotate-trainer-bench");
        try {
            Path trainDir = root.resolve("train");
            Path testDir = root.resolve("test");
            SyntheticDataset.Summary seen = SyntheticDataset.generate(trainDir,
                    SyntheticDataset.Options.defaults(train, 1).withStyle(trainStyle));
            SyntheticDataset.Summary truth = SyntheticDataset.generate(testDir,
                    SyntheticDataset.Options.defaults(test, 2));
            SyntheticDataset.Summary photoTruth = SyntheticDataset.generate(root.resolve("photographic"),
                    SyntheticDataset.Options.defaults(photo, 3).withStyle(SyntheticDataset.Style.PHOTOGRAPHIC));
            System.out.printf(Locale.ROOT, "%d training images, %d test images, %d photographic-style test images;"
                    + " %d cores, TF_ENABLE_ONEDNN_OPTS=%s, %s%n", train, test, photo,
                    Runtime.getRuntime().availableProcessors(), System.getenv("TF_ENABLE_ONEDNN_OPTS"), options);
            System.out.println("| training images | minutes | steps | images/s | score exponent | mAP@0.5 (VOC2012)"
                    + " SavedModel / ONNX | precision at 0.5 | recall at 0.5 | photographic mAP / precision / recall"
                    + " (ONNX) |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            for (double m : minutes) {
                int[] steps = {0};
                double[] rate = {0};
                PrimitiveModel model = given != null ? given : PrimitiveTrainer.train(trainDir,
                        SyntheticDataset.LABEL_MAP,
                        options.withTimeBudget(Duration.ofMillis((long) (m * 60_000))), p -> {
                            steps[0] = p.step();
                            rate[0] = p.imagesPerSecond();
                            if (p.step() % 100 == 0) {
                                System.err.printf(Locale.ROOT, "  step %d loss %.3f %.1f images/s%n", p.step(),
                                        p.loss(), p.imagesPerSecond());
                            }
                        });
                Path saved = root.resolve("model-" + m).resolve("saved_model");
                SavedModelExport.write(model, saved);
                Path onnx = saved.resolveSibling("model.onnx");
                OnnxExport.write(model, onnx);
                if (save != null) {
                    Files.createDirectories(save);
                    Files.copy(onnx, save.resolve("model-" + m + ".onnx"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                System.err.println("  on the training images:");
                System.err.printf(Locale.ROOT, "  training-set mAP %.3f%n", quality(saved, evaluation, seen)[0]);
                System.err.println("  on the test images (SavedModel, then ONNX):");
                double[] q = quality(saved, evaluation, truth);
                double[] o = quality(onnx, evaluation, truth);
                System.err.println("  on the photographic-style test images (ONNX):");
                double[] ph = quality(onnx, evaluation, photoTruth);
                System.out.printf(Locale.ROOT, "| %d | %.1f | %d | %.1f | %.2f | %.3f / %.3f | %.3f / %.3f"
                        + " | %.3f / %.3f"
                        + " | %.3f / %.3f / %.3f |%n", train, m, steps[0], rate[0], model.scoreExponent(), q[0], o[0],
                        q[1], o[1], q[2], o[2], ph[0], ph[1], ph[2]);
                if (tune > 0) {
                    tuned(model, trainDir, root, tune, tuneSteps, options, evaluation, truth, photoTruth);
                }
                if (large > 0) {
                    slicing(onnx, evaluation, root.resolve("large"), large, Slicing.of(slice));
                }
                if (speed) {
                    speeds.add(String.format(Locale.ROOT, "| %.1f min model | %.1f | %.1f | %.1f | %.1f |", m,
                            speed(saved, truth.images(), 1), speed(saved, truth.images(), 2),
                            speed(onnx, truth.images(), 1), speed(onnx, truth.images(), 2)));
                }
            }
            if (!speeds.isEmpty()) {
                System.out.println();
                System.out.println("detect(path) on the test JPEGs, images/s: decode, resize to " + options.inputSize()
                        + "x" + options.inputSize() + " in the graph, inference, decoding (one detector, one intra-op"
                        + " thread, N calling threads)");
                System.out.println("| model | SavedModel 1 thread | SavedModel 2 threads | ONNX 1 thread | ONNX 2 threads |");
                System.out.println("|---|---|---|---|---|");
                speeds.forEach(System.out::println);
            }
        } finally {
            BenchFiles.deleteTree(root);
        }
    }

    /**
     * The correction loop on photographs, as a user runs it: the model trained on the generated set is warm-started
     * for {@code steps} steps on that set plus {@code images} photographic-style images (seed 5, another seed than
     * the photographic test set's) standing for a round of corrected pre-annotations, and evaluated on both test
     * sets again.
     */
    private static void tuned(PrimitiveModel model, Path trainDir, Path root, int images, int steps,
                              TrainerOptions options, DetectorOptions evaluation, SyntheticDataset.Summary truth,
                              SyntheticDataset.Summary photoTruth) throws Exception {
        SyntheticDataset.generate(trainDir.resolve("corrected-photographs"),
                SyntheticDataset.Options.defaults(images, 5)
                .withStyle(SyntheticDataset.Style.PHOTOGRAPHIC));
        PrimitiveModel tuned = PrimitiveTrainer.train(trainDir, SyntheticDataset.LABEL_MAP, options.withSteps(steps)
                .withTimeBudget(Duration.ofHours(1)).withInit(model), p -> { });
        Path onnx = root.resolve("tuned.onnx");
        OnnxExport.write(tuned, onnx);
        System.err.println("  tuned, on the generated test images:");
        double[] q = quality(onnx, evaluation, truth);
        System.err.println("  tuned, on the photographic-style test images:");
        double[] ph = quality(onnx, evaluation, photoTruth);
        System.out.println();
        System.out.printf(Locale.ROOT, "warm start for %d steps on the training set and %d photographic-style images:"
                + " generated mAP / precision / recall %.3f / %.3f / %.3f; photographic-style %.3f / %.3f / %.3f%n",
                steps, images, q[0], q[1], q[2], ph[0], ph[1], ph[2]);
    }

    /**
     * Sliced inference on large photographs with small objects: {@code images} generated images of 3000 to 4000
     * pixels a side with objects 1.5% to 5% of the image width, detected whole and with {@code slicing}; prints
     * mAP, precision and recall at the default minimum score, and seconds per image on one thread.
     */
    private static void slicing(Path onnx, DetectorOptions evaluation, Path dir, int images, Slicing slicing)
            throws Exception {
        SyntheticDataset.Summary truth = SyntheticDataset.generate(dir,
                SyntheticDataset.Options.defaults(images, 4).withSides(3000, 4000).withExifShare(0)
                        .withObjectWidths(0.015, 0.05));
        System.out.println();
        System.out.printf(Locale.ROOT, "%d images of 3000-4000 px a side, %d objects 1.5-5%% of the width;"
                + " tiles of %d px, %.0f%% overlap%n", images, truth.objects(), slicing.tileSide(),
                slicing.overlap() * 100);
        System.out.println("| inference | mAP@0.5 | precision at 0.5 | recall at 0.5 | s per image (1 thread) |");
        System.out.println("|---|---|---|---|---|");
        for (boolean sliced : new boolean[] {false, true}) {
            DetectorOptions b = evaluation.withThreads(1);
            DetectorOptions tried = sliced ? b.withSlicing(slicing) : b;
            System.err.println("  large images, " + (sliced ? "sliced" : "whole") + ":");
            double[] q = quality(onnx, tried, truth);
            double seconds;
            try (Detector d = Detectors.open(onnx, tried)) {
                d.detect(truth.images().get(0));
                long start = System.nanoTime();
                for (Path image : truth.images()) {
                    d.detect(image);
                }
                seconds = (System.nanoTime() - start) / 1e9 / truth.images().size();
            }
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", sliced ? "whole + tiles"
                    : "whole image", q[0], q[1], q[2], seconds);
        }
    }

    /**
     * mAP@0.5 (VOC2012) from every detection the options let through (their minimum score is 0.01), then precision
     * and recall at the default minimum score.
     */
    static double[] quality(Path model, DetectorOptions options, SyntheticDataset.Summary truth) throws Exception {
        List<Evaluation.ImagePair> all;
        try (Detector d = Detectors.open(model, options)) {
            all = DatasetPairs.detect(Dataset.of(truth.annotationFiles().get(0).getParent(), new VocFormat(),
                    LabelMap.empty()), d, p -> System.err.println("  problem: " + p), () -> { });
        }
        List<Integer> widths = new ArrayList<>();
        for (Path file : truth.annotationFiles()) {
            widths.add(Voc.read(file).image().orElseThrow().width());
        }
        if (widths.size() != all.size()) {
            throw new IllegalStateException(all.size() + " images evaluated, " + widths.size() + " generated");
        }
        Evaluation.ApReport ap = Evaluation.averagePrecision(all, Evaluation.Metric.VOC12);
        double map = ap.mean();
        ap.perClass().forEach(c -> System.err.printf(Locale.ROOT, "  %-10s AP %.3f (%d boxes)%n", c.label(), c.ap(),
                c.groundTruth()));
        diagnose(all, widths, truth.visibleShares());
        StringBuilder curve = new StringBuilder("  precision / recall at minimum score");
        for (double min = 0.3; min < 0.75; min += 0.05) {
            Evaluation.ReviewReport r = Evaluation.reviewEffort(Evaluation.above(all, min), 0.5);
            curve.append(String.format(Locale.ROOT, " %.2f: %.3f / %.3f;", min, r.precision(), r.recall()));
        }
        System.err.println(curve);
        falsePositives(Evaluation.above(all, DetectorOptions.DEFAULT_MIN_SCORE));
        Evaluation.ReviewReport review = Evaluation.reviewEffort(
                Evaluation.above(all, DetectorOptions.DEFAULT_MIN_SCORE), 0.5);
        return new double[] {map, review.precision(), review.recall()};
    }

    /**
     * What the false positives at the default minimum score are: each detection, best score first, claims the best
     * free same-class truth box at IoU 0.5; the rest are counted as a second box on a found object (IoU at least 0.5
     * with a same-class box), the wrong class (IoU at least 0.5 with another class's box), a part (lying at least 80%
     * inside a same-class box it does not match), misplaced (IoU 0.1 to 0.5 with a same-class box) or background.
     */
    static void falsePositives(List<Evaluation.ImagePair> pairs) {
        int[] kinds = new int[5];
        for (Evaluation.ImagePair p : pairs) {
            List<Annotation> found = new ArrayList<>(p.predicted());
            found.sort(Comparator.comparingDouble((Annotation a) -> a.confidenceOr(0))
                    .reversed());
            boolean[] claimed = new boolean[p.truth().size()];
            for (Annotation d : found) {
                int best = -1;
                double bestIou = 0.5;
                double sameLabel = 0;
                double otherLabel = 0;
                double inside = 0;
                for (int t = 0; t < claimed.length; t++) {
                    Annotation truth = p.truth().get(t);
                    double iou = truth.box().iou(d.box());
                    if (!truth.label().equals(d.label())) {
                        otherLabel = Math.max(otherLabel, iou);
                        continue;
                    }
                    sameLabel = Math.max(sameLabel, iou);
                    inside = Math.max(inside, truth.box().intersection(d.box()).map(BoundingBox::area).orElse(0.0)
                            / Math.max(1e-9, d.box().area()));
                    if (!claimed[t] && iou >= bestIou) {
                        best = t;
                        bestIou = iou;
                    }
                }
                if (best >= 0) {
                    claimed[best] = true;
                } else {
                    kinds[sameLabel >= 0.5 ? 0 : otherLabel >= 0.5 ? 1 : inside >= 0.8 ? 2
                            : sameLabel >= 0.1 ? 3 : 4]++;
                }
            }
        }
        System.err.printf(Locale.ROOT, "  false positives at the default minimum score: %d second boxes, %d wrong"
                + " class, %d parts inside an object, %d misplaced, %d background%n", kinds[0], kinds[1], kinds[2],
                kinds[3], kinds[4]);
    }

    /**
     * Where the misses are: for each truth box, the best IoU of a same-class detection scoring at least 0.05, and
     * that detection's score, counted by the box's width as a share of the image width and by the share of the
     * object that later objects leave visible.
     */
    private static void diagnose(List<Evaluation.ImagePair> pairs, List<Integer> widths,
                                 List<List<Double>> visibleShares) {
        List<double[]> byWidth = new ArrayList<>();
        List<double[]> byVisibility = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            Evaluation.ImagePair p = pairs.get(i);
            for (int k = 0; k < p.truth().size(); k++) {
                Annotation t = p.truth().get(k);
                double best = 0;
                double score = 0;
                double[] extent = {Double.NaN, Double.NaN};
                for (Annotation d : p.predicted()) {
                    if (d.label().equals(t.label()) && d.confidenceOr(0) >= 0.05) {
                        double iou = t.box().iou(d.box());
                        if (iou > best) {
                            best = iou;
                            score = d.confidenceOr(0);
                            extent = new double[] {d.box().width() / t.box().width(),
                                d.box().height() / t.box().height()};
                        }
                    }
                }
                byWidth.add(new double[] {t.box().width() / Math.max(widths.get(i), 1), best, score, extent[0],
                    extent[1]});
                byVisibility.add(new double[] {visibleShares.get(i).get(k), best, score, extent[0], extent[1]});
            }
        }
        count("width", "of the image width", byWidth, new double[] {0, 0.1, 0.2, 0.35, 1.01});
        count("visible", "of the object", byVisibility, new double[] {0, 0.5, 0.9, 1.01});
    }

    /**
     * Prints, per bucket of {@code (key, best IoU, score, width ratio, height ratio)} rows, how many were found and
     * how well, and the median ratio of the best detection's width and height to the truth's where it overlaps at
     * IoU 0.3 or more (below 1: boxes narrower or lower than the object).
     */
    private static void count(String name, String of, List<double[]> rows, double[] edges) {
        int[][] counts = new int[edges.length - 1][4]; // boxes, IoU>=0.5, IoU in [0.3,0.5), score>=0.5 among IoU>=0.5
        List<List<double[]>> overlapping = new ArrayList<>();
        for (int b = 0; b < counts.length; b++) {
            overlapping.add(new ArrayList<>());
        }
        for (double[] row : rows) {
            int bucket = 0;
            while (row[0] >= edges[bucket + 1]) {
                bucket++;
            }
            counts[bucket][0]++;
            counts[bucket][1] += row[1] >= 0.5 ? 1 : 0;
            counts[bucket][2] += row[1] >= 0.3 && row[1] < 0.5 ? 1 : 0;
            counts[bucket][3] += row[1] >= 0.5 && row[2] >= 0.5 ? 1 : 0;
            if (row[1] >= 0.3) {
                overlapping.get(bucket).add(row);
            }
        }
        for (int b = 0; b < counts.length; b++) {
            System.err.printf(Locale.ROOT, "  %s %.2f-%.2f %s: %d boxes, found (IoU>=0.5, score>=0.05) %d,"
                    + " loosely (IoU 0.3-0.5) %d, found with score>=0.5 %d; width / height ratio %.3f / %.3f%n", name,
                    edges[b], edges[b + 1], of, counts[b][0], counts[b][1], counts[b][2], counts[b][3],
                    median(overlapping.get(b), 3), median(overlapping.get(b), 4));
        }
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2]
                : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Images/s of {@code detect(path)} over the images on {@code threads} calling threads, after a warm-up. */
    static double speed(Path model, List<Path> images, int threads) throws Exception {
        try (Detector d = Detectors.open(model, DetectorOptions.defaults().withLabelMap(SyntheticDataset.LABEL_MAP)
                .withThreads(1))) {
            for (int i = 0; i < 20; i++) {
                d.detect(images.get(i % images.size()));
            }
            return 1000 / PipelineBenchmark.perImage(images, threads, 1, d::detect);
        }
    }
}
