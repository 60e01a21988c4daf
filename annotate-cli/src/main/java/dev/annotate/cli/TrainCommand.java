package dev.annotate.cli;

import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.train.Backbone;
import dev.annotate.train.ModelDirectory;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.TrainerOptions;
import dev.annotate.train.TrainingProgress;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code train (--data PATH [--format F] | --voc DIR)... [--labels MAP] --out MODEL_DIR [--init MODEL_DIR]
 * [--include-unchecked] [--steps N] [--minutes M] [--seed S] [--skip-bad-images]}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the primitive detector on a dataset and write MODEL_DIR/saved_model/, "
                + "MODEL_DIR/model.onnx and MODEL_DIR/label_map.pbtxt.",
                "Learns from the files a person wrote, saved or verified; pre-annotations nobody has checked yet are"
                        + " left out (and counted) unless --include-unchecked.",
                "Training stops at --steps or after --minutes, whichever comes first."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data;

    @Option(names = "--labels", description = "Label map (.pbtxt) of the classes to learn (default: the --init"
            + " model's classes, then every other class the files to learn from name, sorted).")
    Path labels;

    @Option(names = "--out", required = true, description = "Model folder to create (must not hold a model).")
    Path out;

    @Option(names = "--steps", defaultValue = "100000",
            description = "Most training steps of 8 images (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--minutes", defaultValue = "3", description = "Most training minutes (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--skip-bad-images",
            description = "Skip, with a warning, annotations whose image is missing or cannot be decoded.")
    boolean skipBadImages;

    @Option(names = "--init", paramLabel = "MODEL_DIR", description = "Start from an earlier model (the folder train"
            + " wrote, or its model.onnx) instead of a new one; its classes keep what they learnt, added ones start"
            + " fresh.")
    Path init;

    @Option(names = "--backbone", paramLabel = "nanodet|primitive", description = "What training starts from:"
            + " nanodet, NanoDet-g pretrained on COCO, its heads trained as NanoDet trains them (input 320), or"
            + " primitive, a small network from random weights (input 256; fast, for drawn scenes). Default"
            + " ${DEFAULT-VALUE}; a warm start (--init) trains the earlier model's network instead.")
    Backbone backbone = TrainerOptions.DEFAULT_BACKBONE;

    @Option(names = "--include-unchecked",
            description = "Learn from machine-written files no person has checked too.")
    boolean includeUnchecked;

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0)) {
            throw new IllegalArgumentException("--minutes " + minutes + " must be > 0");
        }
        PrimitiveModel earlier = init != null ? OnnxExport.read(ModelDirectory.onnx(init)) : null;
        TrainerOptions options = (earlier != null ? TrainerOptions.warmStart(earlier)
                : TrainerOptions.defaults(backbone)).withSteps(steps).withSeed(seed)
                .withTimeBudget(Duration.ofMillis(Math.round(minutes * 60_000))).withSkipBadImages(skipBadImages)
                .withIncludeUnchecked(includeUnchecked);
        LabelMap labelMap = labels != null ? LabelMaps.read(labels) : classesFound(earlier);
        Trained trained = trainAndExport(data.dataset(labelMap), labelMap, options, out);
        PrimitiveModel model = trained.model();
        TrainingProgress last = trained.last();
        spec.commandLine().getOut().printf(Locale.ROOT, "trained on %d images in %d steps%s%n", last.images(),
                last.step(), last.leftOutUnchecked() == 0 ? "" : "; left out " + last.leftOutUnchecked()
                        + " pre-annotation files no person has checked (--include-unchecked to learn from them)");
        spec.commandLine().getOut().printf(Locale.ROOT, "model with %d classes, %,d parameters, input %dx%d: %s%n",
                model.labels().size(), model.parameterCount(), model.inputSize(), model.inputSize(),
                out.toAbsolutePath());
        return 0;
    }

    /**
     * Without {@code --labels}: the earlier model's classes in their order (so that they keep their ids), then every
     * other class the files to learn from name (those left out as unchecked do not count), sorted.
     *
     * @throws IllegalArgumentException if there is none (a format that stores ids, with nothing to name them)
     */
    private LabelMap classesFound(PrimitiveModel earlier) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        if (earlier != null) {
            names.addAll(earlier.labels().names());
        }
        Set<String> found = new TreeSet<>();
        data.dataset(LabelMap.empty()).read(r -> r.image().filter(i -> includeUnchecked || i.checked())
                .ifPresent(i -> i.annotations().forEach(a -> found.add(a.label()))));
        names.addAll(found);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the data names no class to learn; give the classes with --labels MAP");
        }
        spec.commandLine().getOut().println("classes (no --labels): " + String.join(", ", names));
        return LabelMap.fromNames(List.copyOf(names));
    }

    /**
     * Trains with a progress bar, then writes the SavedModel, the ONNX model and the label map into
     * {@code out}. Refuses before training when {@code out} already holds any of them.
     */
    static Trained trainAndExport(Dataset dataset, LabelMap labels, TrainerOptions options, Path out)
            throws IOException {
        ModelDirectory.requireNew(out);
        NativeOutput.beforeTensorFlow();
        PrimitiveModel model;
        TrainingProgress[] last = {null};
        // opened at the first step, so that a dataset refused while loading shows its error and no bar
        ProgressBar[] bar = {null};
        try {
            model = PrimitiveTrainer.train(dataset, labels, options, p -> {
                last[0] = p;
                if (bar[0] == null) {
                    bar[0] = Bars.open("train", 1000); // in thousandths of the step or time budget
                }
                bar[0].stepTo(Math.round(p.fraction() * 1000));
                bar[0].setExtraMessage(String.format(Locale.ROOT, "step %d loss %.3f %.0f img/s", p.step(),
                        p.loss(), p.imagesPerSecond()));
            });
            if (bar[0] != null) {
                bar[0].stepTo(1000);
            }
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        ModelDirectory.write(model, out);
        return new Trained(model, last[0]);
    }

    /** A trained and exported model, and the last step's report (images used, files left out). */
    record Trained(PrimitiveModel model, TrainingProgress last) {
    }
}
