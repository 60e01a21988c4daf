package dev.annotate.benchmarks;

import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.eval.DatasetPairs;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.SavedModelExport;
import dev.annotate.train.TrainerOptions;
import dev.annotate.voc.Voc;
import dev.annotate.voc.VocFormat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeSet;

/**
 * K-fold training and evaluation on a real annotated set (a folder of LabelImg VOC files with their images beside
 * them, for example the raccoon set of #31): the files are shuffled with a fixed seed and cut into K folds; each
 * fold is the test set once, the others the training set, with the {@code train} command's defaults unless told.
 * Prints per fold and pooled over the folds: precision and recall at the default minimum score (IoU 0.5), AP@0.5
 * (VOC2012) pooled, and the training steps; with {@code errors=true}, each fold's misses and false positives at
 * the default score, by image. Never copies or writes the images: the folds are links.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.annotate.benchmarks.FoldBenchmark data=raccoon/flat
 *     [folds=5] [minutes=3] [backbone=nanodet|primitive] [size=320] [lr=R] [seed=1] [only=K] [errors=true]
 * </pre>
 */
public final class FoldBenchmark {

    private FoldBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path data = null;
        int folds = 5;
        int only = -1;
        double minutes = 3;
        boolean errors = false;
        TrainerOptions options = BenchFiles.trainerDefaults(args);
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "data" -> data = Path.of(kv[1]);
                case "folds" -> folds = Integer.parseInt(kv[1]);
                case "only" -> only = Integer.parseInt(kv[1]);
                case "minutes" -> minutes = Double.parseDouble(kv[1]);
                case "backbone" -> { } // read above
                case "size" -> options = options.withInputSize(Integer.parseInt(kv[1]));
                case "lr" -> options = options.withLearningRate(Float.parseFloat(kv[1]));
                case "batch" -> options = options.withBatchSize(Integer.parseInt(kv[1]));
                case "steps" -> options = options.withSteps(Integer.parseInt(kv[1]));
                case "seed" -> options = options.withSeed(Long.parseLong(kv[1]));
                case "errors" -> errors = Boolean.parseBoolean(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a + "; use data=DIR folds=K"
                        + " minutes=M backbone=primitive|nanodet size=S lr=R batch=B steps=N seed=N only=K"
                        + " errors=true");
            }
        }
        if (data == null) {
            throw new IllegalArgumentException("data=DIR: a folder of VOC files with their images");
        }
        options = options.withTimeBudget(Duration.ofMillis(Math.round(minutes * 60_000)));
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(data)) {
            s.filter(p -> p.toString().endsWith(".xml")).sorted().forEach(files::add);
        }
        TreeSet<String> names = new TreeSet<>();
        for (Path f : files) {
            Voc.read(f).image().orElseThrow().annotations().forEach(x -> names.add(x.label()));
        }
        LabelMap labels = LabelMap.fromNames(List.copyOf(names));
        Collections.shuffle(files, new Random(7));
        System.out.printf(Locale.ROOT, "%d files, classes %s, %d folds, %s%n", files.size(), names, folds, options);
        System.out.println("| fold | steps | precision | recall | AP@0.5 |");
        System.out.println("|---|---|---|---|---|");
        List<Evaluation.ImagePair> pooled = new ArrayList<>();
        int steps = 0;
        for (int k = 0; k < folds; k++) {
            if (only >= 0 && k != only) {
                continue;
            }
            Path root = Files.createTempDirectory("annotate-folds");
            Path train = Files.createDirectories(root.resolve("train"));
            Path test = Files.createDirectories(root.resolve("test"));
            for (int i = 0; i < files.size(); i++) {
                Path target = i % folds == k ? test : train;
                Path xml = files.get(i);
                String image = Voc.read(xml).image().orElseThrow().fileName();
                Files.createSymbolicLink(target.resolve(xml.getFileName()), xml.toAbsolutePath());
                Files.createSymbolicLink(target.resolve(image), xml.resolveSibling(image).toAbsolutePath());
            }
            int[] last = new int[1];
            PrimitiveModel model = PrimitiveTrainer.train(train, labels, options, p -> last[0] = p.step());
            steps += last[0];
            Path onnx = root.resolve("model.onnx");
            OnnxExport.write(model, onnx);
            List<Evaluation.ImagePair> pairs;
            try (Detector d = Detectors.open(onnx, DetectorOptions.defaults().withLabelMap(labels)
                    .withMinScore(0.01))) {
                pairs = DatasetPairs.detect(Dataset.of(test, new VocFormat(), LabelMap.empty()), d,
                        p -> System.err.println("  problem: " + p), () -> { });
            }
            pooled.addAll(pairs);
            print("" + k, last[0], pairs);
            if (errors) {
                errors(pairs);
            }
            delete(root);
        }
        print("pooled", steps, pooled);
        StringBuilder curve = new StringBuilder("pooled precision / recall at minimum score");
        for (double min = 0.3; min < 0.86; min += 0.05) {
            Evaluation.ReviewReport r = Evaluation.reviewEffort(Evaluation.above(pooled, min), 0.5);
            curve.append(String.format(Locale.ROOT, " %.2f: %.3f / %.3f;", min, r.precision(), r.recall()));
        }
        System.out.println(curve);
        TrainerBenchmark.falsePositives(Evaluation.above(pooled, DetectorOptions.DEFAULT_MIN_SCORE));
    }

    private static void print(String fold, int steps, List<Evaluation.ImagePair> pairs) {
        Evaluation.ReviewReport r = Evaluation.reviewEffort(Evaluation.above(pairs,
                DetectorOptions.DEFAULT_MIN_SCORE), 0.5);
        double ap = Evaluation.averagePrecision(pairs, Evaluation.Metric.VOC12).mean();
        System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f |%n", fold, steps, r.precision(), r.recall(),
                ap);
        System.out.flush();
    }

    /**
     * Each miss and each false positive at the default minimum score, by image: a miss with the best IoU and score
     * of any detection over it, a false positive with its score and best IoU with any truth box.
     */
    private static void errors(List<Evaluation.ImagePair> pairs) {
        for (Evaluation.ImagePair p : pairs) {
            List<Annotation> kept = p.predicted().stream()
                    .filter(a -> a.confidenceOr(0) >= DetectorOptions.DEFAULT_MIN_SCORE)
                    .sorted(java.util.Comparator.comparingDouble((Annotation a) -> a.confidenceOr(0)).reversed())
                    .toList();
            boolean[] claimed = new boolean[p.truth().size()];
            StringBuilder out = new StringBuilder();
            for (Annotation d : kept) {
                int best = -1;
                double bestIou = 0;
                for (int t = 0; t < claimed.length; t++) {
                    double iou = p.truth().get(t).box().iou(d.box());
                    if (!claimed[t] && iou >= 0.5 && iou > bestIou) {
                        best = t;
                        bestIou = iou;
                    }
                }
                if (best >= 0) {
                    claimed[best] = true;
                } else {
                    double any = p.truth().stream().mapToDouble(t -> t.box().iou(d.box())).max().orElse(0);
                    out.append(String.format(Locale.ROOT, " FP %.2f iou %.2f %s;", d.confidenceOr(0), any,
                            d.box()));
                }
            }
            for (int t = 0; t < claimed.length; t++) {
                if (!claimed[t]) {
                    Annotation truth = p.truth().get(t);
                    Annotation over = p.predicted().stream().max(java.util.Comparator.comparingDouble(
                            (Annotation a) -> a.box().iou(truth.box()))).orElse(null);
                    out.append(String.format(Locale.ROOT, " MISS %s best iou %.2f score %.2f;", truth.box(),
                            over == null ? 0 : over.box().iou(truth.box()), over == null ? 0 : over.confidenceOr(0)));
                }
            }
            if (!out.isEmpty()) {
                System.out.println("  " + p.key() + " (" + p.truth().size() + " boxes):" + out);
            }
        }
    }

    private static void delete(Path root) throws java.io.IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
