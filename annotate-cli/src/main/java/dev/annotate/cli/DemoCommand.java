package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.eval.DatasetPairs;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.tfrecord.DatasetToTfRecord;
import dev.annotate.train.ModelDirectory;
import dev.annotate.train.TrainerOptions;
import dev.annotate.voc.VocFormat;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code demo [--out DIR]}: the whole loop on generated data, as a person would run it on their own. A seed set
 * of annotated images and a new batch are generated; the primitive model is trained on the seed set and exported
 * (SavedModel + ONNX); it pre-annotates the new batch as LabelImg VOC files (with previews), is evaluated on the
 * new batch's generated truth with both exports, and the seed set becomes TFRecord shards.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole loop on a generated dataset: seed set -> train -> export SavedModel + ONNX ->"
                + " pre-annotate new images -> evaluate -> TFRecords -> previews.",
                "Everything goes under --out; nothing outside it is touched."})
final class DemoCommand implements Callable<Integer> {

    /** How many pre-annotated images get a preview picture. */
    static final int PREVIEWS = 24;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "annotate-demo",
            description = "Folder to create for everything the demo writes (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed-images", defaultValue = "100",
            description = "Annotated images to train on (default ${DEFAULT-VALUE}).")
    int seedImages;

    @Option(names = "--new-images", defaultValue = "300",
            description = "New images to pre-annotate (default ${DEFAULT-VALUE}).")
    int newImages;

    @Option(names = "--minutes", defaultValue = "3", description = "Training minutes at most, both rounds together:"
            + " two thirds for the first, one third for the warm-started second (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--steps", defaultValue = "100000", description = "Training steps at most (default ${DEFAULT-VALUE}).")
    int steps;

    /** One line of the summary table. */
    private record Stage(String name, String result, Duration took) {
    }

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && !isEmptyFolder(out)) {
            throw new IOException(out.toAbsolutePath() + " already exists and is not empty; give the demo a new --out");
        }
        if (!(minutes > 0)) {
            throw new IllegalArgumentException("--minutes " + minutes + " must be > 0");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        long start = System.nanoTime();
        List<Stage> stages = new ArrayList<>();
        Path seedSet = out.resolve("seed-set");
        Path newBatch = out.resolve("new-batch");
        Path modelDir = out.resolve("model");
        Path preAnnotations = out.resolve("pre-annotations");
        Path previews = out.resolve("previews");
        Path records = out.resolve("tfrecord").resolve("seed-set");

        long t = System.nanoTime();
        SyntheticDataset.Summary seed;
        SyntheticDataset.Summary batch;
        try (ProgressBar bar = Bars.open("generate", 2)) {
            seed = SyntheticDataset.generate(seedSet, SyntheticDataset.Options.defaults(seedImages, 1));
            bar.step();
            batch = SyntheticDataset.generate(newBatch, SyntheticDataset.Options.defaults(newImages, 2));
            bar.step();
        }
        stages.add(new Stage("generate", String.format(Locale.ROOT, "%d annotated + %d new images (%d boxes)",
                seed.images().size(), batch.images().size(), seed.objects()), since(t)));

        t = System.nanoTime();
        TrainerOptions options = TrainerOptions.defaults().withSteps(steps)
                .withTimeBudget(Duration.ofMillis(Math.round(minutes * 40_000)));
        PrimitiveModel model = TrainCommand.trainAndExport(Dataset.of(seedSet, new VocFormat(), LabelMap.empty()),
                LabelMaps.read(seed.labelMap()), options, modelDir).model();
        Duration coldTraining = since(t);
        stages.add(new Stage("train + export", String.format(Locale.ROOT, "%,d parameters -> %s", model.parameterCount(),
                modelDir), coldTraining));

        t = System.nanoTime();
        Previews drawer = new Previews(newBatch, previews);
        AtomicInteger drawn = new AtomicInteger();
        PreAnnotator.Summary s;
        try (Detector detector = Detectors.open(modelDir.resolve(ModelDirectory.ONNX), DetectorOptions.defaults());
             ProgressBar bar = Bars.open("pre-annotate", newImages)) {
            s = PreAnnotator.run(detector, newBatch, PreAnnotator.Options.defaults(new VocFormat())
                    .withOutputDir(preAnnotations), new PreAnnotator.Listener() {
                        @Override
                        public void progress(PreAnnotator.Progress p) {
                            bar.stepTo(p.done());
                        }

                        @Override
                        public void written(Path image, AnnotatedImage result) {
                            if (drawn.incrementAndGet() <= PREVIEWS) {
                                drawer.draw(image, result);
                            }
                        }
                    });
        }
        drawer.writeIndex();
        stages.add(new Stage("pre-annotate (ONNX)", String.format(Locale.ROOT, "%d VOC files, %d failed -> %s",
                s.written(), s.failed(), preAnnotations), since(t)));

        Dataset truths = Dataset.of(newBatch, new VocFormat(), LabelMap.empty());
        List<Evaluation.ImagePair> firstRound = List.of();
        for (String export : List.of(ModelDirectory.SAVED_MODEL, ModelDirectory.ONNX)) {
            t = System.nanoTime();
            List<Evaluation.ImagePair> ranked;
            try (Detector detector = Detectors.open(modelDir.resolve(export),
                    DetectorOptions.defaults().withMinScore(0.01));
                 ProgressBar bar = Bars.open("evaluate " + export, newImages)) {
                ranked = DatasetPairs.detect(truths, detector, p -> { }, bar::step);
            }
            firstRound = ranked;
            double map = Evaluation.averagePrecision(ranked, Evaluation.Metric.VOC12).mean();
            Evaluation.ReviewReport review = Evaluation.reviewEffort(
                    Evaluation.above(ranked, DetectorOptions.DEFAULT_MIN_SCORE), 0.8);
            stages.add(new Stage("evaluate " + export, String.format(Locale.ROOT,
                    "mAP@0.5 %.3f; at score %.1f precision %.3f, recall %.3f; review: keep %d, fix %d, add %d,"
                            + " delete %d", map, DetectorOptions.DEFAULT_MIN_SCORE, review.precision(),
                    review.recall(), review.keep(), review.fix(), review.add(), review.delete()), since(t)));
        }

        stages.addAll(secondRound(seedSet, newBatch, batch, preAnnotations, modelDir, model, firstRound, options,
                coldTraining));

        t = System.nanoTime();
        DatasetToTfRecord.Report r = DatasetToTfRecord.convert(seedSet, model.labels(), records,
                DatasetToTfRecord.Options.defaults().withShards(2).withValFraction(0.1));
        stages.add(new Stage("tfrecord", String.format(Locale.ROOT, "%d train + %d val examples -> %s",
                r.trainExamples(), r.valExamples(), records.getParent()), since(t)));

        stdout.println();
        stdout.printf(Locale.ROOT, "%-28s %8s  %s%n", "stage", "seconds", "result");
        for (Stage stage : stages) {
            stdout.printf(Locale.ROOT, "%-28s %8.1f  %s%n", stage.name(), stage.took().toMillis() / 1000.0,
                    stage.result());
        }
        stdout.printf(Locale.ROOT, "%-28s %8.1f  open %s to look, or the VOC files in LabelImg%n", "total",
                since(start).toMillis() / 1000.0, previews.resolve("index.html"));
        return s.failed() > 0 || r.skippedFiles() > 0 ? Annotate.SOME_FAILED : 0;
    }

    /**
     * The loop's second round: a person checks the first third of the pre-annotations (here: their generated truth
     * is saved over them, as LabelImg would save a corrected file), the model is warm-started on the seed set and
     * the checked files (the unchecked ones are left out by themselves), and {@code --existing refresh}
     * re-predicts the unchecked files. Measured on the unchecked images, before and after.
     */
    private List<Stage> secondRound(Path seedSet, Path newBatch, SyntheticDataset.Summary batch, Path preAnnotations,
                                    Path modelDir, PrimitiveModel model, List<Evaluation.ImagePair> firstRound,
                                    TrainerOptions options, Duration coldTraining) throws IOException {
        List<Stage> stages = new ArrayList<>();
        long t = System.nanoTime();
        int checked = batch.annotationFiles().size() / 3;
        Map<Path, byte[]> saved = new LinkedHashMap<>();
        Set<String> checkedImages = new HashSet<>();
        for (int i = 0; i < checked; i++) {
            Path truth = batch.annotationFiles().get(i);
            byte[] bytes = Files.readAllBytes(truth);
            Path file = preAnnotations.resolve(newBatch.relativize(truth).toString());
            Files.write(file, bytes);
            saved.put(file, bytes);
            // the image's key in DatasetPairs: its path in the batch (the truth file lies beside it)
            checkedImages.add(newBatch.relativize(batch.images().get(i)).toString().replace('\\', '/'));
        }
        stages.add(new Stage("round 2: person checks", String.format(Locale.ROOT, "%d of %d pre-annotations"
                + " corrected and saved; %d still unchecked", checked, batch.annotationFiles().size(),
                batch.annotationFiles().size() - checked), since(t)));

        t = System.nanoTime();
        Path secondDir = modelDir.resolveSibling(modelDir.getFileName() + "-2");
        Duration budget = Duration.ofMillis(Math.round(minutes * 20_000));
        TrainCommand.Trained second = TrainCommand.trainAndExport(Dataset.of(seedSet, new VocFormat(), LabelMap.empty())
                .and(preAnnotations, new VocFormat()), model.labels(), options.withInit(model).withTimeBudget(budget),
                secondDir);
        Duration warmTraining = since(t);
        stages.add(new Stage("round 2: warm-start train", String.format(Locale.ROOT, "on %d images (seed + checked),"
                + " %d unchecked left out; %.0f s against round 1's %.0f s -> %s", second.last().images(),
                second.last().leftOutUnchecked(), warmTraining.toMillis() / 1000.0, coldTraining.toMillis() / 1000.0,
                secondDir), warmTraining));

        t = System.nanoTime();
        Path onnx = secondDir.resolve(ModelDirectory.ONNX);
        PreAnnotator.Summary refreshed;
        List<Evaluation.ImagePair> secondRound;
        try (Detector detector = Detectors.open(onnx, DetectorOptions.defaults().withMinScore(0.01));
             Detector writer = Detectors.open(onnx, DetectorOptions.defaults());
             ProgressBar bar = Bars.open("refresh", batch.images().size())) {
            refreshed = PreAnnotator.run(writer, newBatch, PreAnnotator.Options.defaults(new VocFormat())
                    .withOutputDir(preAnnotations).withExisting(Existing.REFRESH)
                    .withModel(PreAnnotator.modelName(onnx.toString())), p -> bar.stepTo(p.done()));
            secondRound = DatasetPairs.detect(Dataset.of(newBatch, new VocFormat(), LabelMap.empty()), detector,
                    p -> { }, () -> { });
        }
        long unchanged = 0;
        for (Map.Entry<Path, byte[]> e : saved.entrySet()) {
            unchanged += java.util.Arrays.equals(e.getValue(), Files.readAllBytes(e.getKey())) ? 1 : 0;
        }
        stages.add(new Stage("round 2: refresh (ONNX)", String.format(Locale.ROOT, "%d unchecked files"
                + " re-predicted; %d of %d checked files unchanged byte for byte", refreshed.written(), unchanged,
                saved.size()), since(t)));
        stages.add(new Stage("round 1 on the unchecked", measure(firstRound, checkedImages), Duration.ZERO));
        stages.add(new Stage("round 2 on the unchecked", measure(secondRound, checkedImages), Duration.ZERO));
        return stages;
    }

    /** mAP, precision and recall on the images not checked by the person. */
    private static String measure(List<Evaluation.ImagePair> pairs, Set<String> checkedImages) {
        List<Evaluation.ImagePair> unchecked = pairs.stream().filter(p -> !checkedImages.contains(p.key())).toList();
        double map = Evaluation.averagePrecision(unchecked, Evaluation.Metric.VOC12).mean();
        Evaluation.ReviewReport review = Evaluation.reviewEffort(
                Evaluation.above(unchecked, DetectorOptions.DEFAULT_MIN_SCORE), 0.8);
        return String.format(Locale.ROOT, "%d images: mAP@0.5 %.3f; precision %.3f, recall %.3f", unchecked.size(), map,
                review.precision(), review.recall());
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    private static boolean isEmptyFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var children = Files.list(dir)) {
            return children.findAny().isEmpty();
        }
    }
}
