package dev.annotate.cli;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.tf.train.PrimitiveTrainer;
import dev.annotate.tf.train.SavedModelExport;
import dev.annotate.tf.train.TrainerOptions;
import dev.annotate.tfrecord.LabelMaps;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code train --voc DIR --labels MAP --out MODEL_DIR [--steps N] [--minutes M] [--seed S] [--skip-bad-images]}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the primitive detector on a VOC folder and write MODEL_DIR/saved_model/, "
                + "MODEL_DIR/model.onnx and MODEL_DIR/label_map.pbtxt.",
                "Training stops at --steps or after --minutes, whichever comes first."})
final class TrainCommand implements Callable<Integer> {

    /** What a model folder holds, in the order it is written. */
    static final String SAVED_MODEL = "saved_model";
    static final String ONNX = "model.onnx";
    static final String LABEL_MAP = "label_map.pbtxt";

    @Spec
    CommandSpec spec;

    @Option(names = "--voc", required = true, description = "Folder of VOC files (LabelImg) and their images.")
    Path voc;

    @Option(names = "--labels", required = true, description = "Label map (.pbtxt) of the classes to learn.")
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

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0)) {
            throw new IllegalArgumentException("--minutes " + minutes + " must be > 0");
        }
        TrainerOptions options = TrainerOptions.defaults().withSteps(steps).withSeed(seed)
                .withTimeBudget(Duration.ofMillis(Math.round(minutes * 60_000))).withSkipBadImages(skipBadImages);
        PrimitiveModel model = trainAndExport(voc, LabelMaps.read(labels), options, out);
        spec.commandLine().getOut().printf(Locale.ROOT, "model with %d classes, %,d parameters, input %dx%d: %s%n",
                model.labels().size(), model.parameterCount(), model.inputSize(), model.inputSize(),
                out.toAbsolutePath());
        return 0;
    }

    /**
     * Trains with a progress bar, then writes the SavedModel, the ONNX model and the label map into
     * {@code out}. Refuses before training when {@code out} already holds any of them.
     */
    static PrimitiveModel trainAndExport(Path voc, LabelMap labels, TrainerOptions options, Path out)
            throws IOException {
        for (String name : List.of(SAVED_MODEL, ONNX, LABEL_MAP)) {
            if (Files.exists(out.resolve(name))) {
                throw new IOException(out.resolve(name) + " already exists; train into a new --out folder");
            }
        }
        NativeOutput.quiet();
        PrimitiveModel model;
        try (ProgressBar bar = Bars.open("train", 1000)) { // in thousandths of the step or time budget
            model = PrimitiveTrainer.train(voc, labels, options, p -> {
                bar.stepTo(Math.round(p.fraction() * 1000));
                bar.setExtraMessage(String.format(Locale.ROOT, "step %d loss %.3f %.0f img/s", p.step(), p.loss(),
                        p.imagesPerSecond()));
            });
            bar.stepTo(1000);
        }
        Files.createDirectories(out);
        SavedModelExport.write(model, out.resolve(SAVED_MODEL));
        OnnxExport.write(model, out.resolve(ONNX));
        LabelMaps.write(model.labels(), out.resolve(LABEL_MAP));
        return model;
    }
}
