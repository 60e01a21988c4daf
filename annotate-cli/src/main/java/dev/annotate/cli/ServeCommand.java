package dev.annotate.cli;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.serve.LabelStudioBackend;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.train.ModelDirectory;
import dev.annotate.train.TrainerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code serve --model M}: a Label Studio ML backend, until the process is stopped (Ctrl-C). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model as a Label Studio ML backend (connect it in the project's Model settings)."
                + " Reads BASIC_AUTH_USER/BASIC_AUTH_PASS, LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY and"
                + " LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT from the environment, as Label Studio's backends do.")
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "A .onnx file, a SavedModel directory or a frozen .pb.")
    Path model;

    @Option(names = "--labels", description = "Label map (.pbtxt) naming the model's classes.")
    Path labels;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "9090", description = "Port (default ${DEFAULT-VALUE}; 0: any free one).")
    int port;

    @Option(names = "--min-score", defaultValue = "0.5", description = "Minimum score (default ${DEFAULT-VALUE}).")
    double minScore;

    @Option(names = "--local-files", paramLabel = "DIR", description = "Read images here: Label Studio's local-files"
            + " document root (default: LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT); others are fetched from Label Studio.")
    Path localFiles;

    @Option(names = "--label-studio-url", paramLabel = "URL",
            description = "Label Studio, to fetch uploaded images from (default: LABEL_STUDIO_URL).")
    URI labelStudioUrl;

    @Option(names = "--threads", description = "Requests handled at once (default: processors).")
    Integer threads;

    @Option(names = "--train-out", paramLabel = "DIR", description = "Where Label Studio's \"Start training\" writes"
            + " each new model, as round-1, round-2, ... (default: serve-rounds beside the model's folder).")
    Path trainOut;

    @Option(names = "--train-minutes", defaultValue = "1",
            description = "Most minutes a training from Label Studio takes (default ${DEFAULT-VALUE}).")
    double trainMinutes;

    @Option(names = "--train-steps", defaultValue = "100000",
            description = "Most steps a training from Label Studio takes (default ${DEFAULT-VALUE}).")
    int trainSteps;

    /** The model file trainings start from: the one serving, or the newest round. */
    private volatile Path current;

    @Override
    public Integer call() throws Exception {
        DetectorOptions options = DetectorOptions.defaults().withMinScore(minScore).withThreads(1);
        if (labels != null) {
            options = options.withLabelMap(LabelMaps.read(labels));
        }
        LabelStudioBackend.Options serve = LabelStudioBackend.Options.defaults(PreAnnotator.modelName(model.toString()))
                .withHost(host).withPort(port);
        if (localFiles != null) {
            serve = serve.withLocalFiles(localFiles);
        }
        if (labelStudioUrl != null) {
            serve = serve.withLabelStudioUrl(labelStudioUrl);
        }
        if (threads != null) {
            serve = serve.withThreads(threads);
        }
        serve = serve.withEnvironment(System.getenv());
        PrintWriter out = spec.commandLine().getOut();
        NativeOutput.beforeTensorFlow(model);
        if (!(trainMinutes > 0) || trainSteps < 1) {
            throw new IllegalArgumentException("--train-minutes and --train-steps must be > 0");
        }
        current = model;
        Path rounds = trainOut != null ? trainOut : model.toAbsolutePath().getParent().resolveSibling("serve-rounds");
        DetectorOptions trainedOptions = DetectorOptions.defaults().withMinScore(minScore).withThreads(1);
        try (Detector detector = Detectors.open(model, options);
             LabelStudioBackend backend = LabelStudioBackend.start(detector, serve,
                     Optional.of((dataset, labelMap) -> retrain(dataset, labelMap, rounds, trainedOptions)))) {
            out.println("serving " + serve.modelVersion() + " as a Label Studio ML backend at " + backend.uri()
                    + (serve.basicAuth().isPresent() ? " (basic auth)" : ""));
            out.println("images: " + serve.localFiles().map(p -> "under " + p.toAbsolutePath() + ", else ").orElse("")
                    + serve.labelStudioUrl().map(u -> "fetched from " + u).orElse("fetched from the host Label Studio"
                    + " names in /setup"));
            out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(backend::close, "annotate-serve-stop")); // Ctrl-C
            new CountDownLatch(1).await(); // serves until the process is stopped
        }
        return 0;
    }

    /**
     * Label Studio's "Start training": a warm start from the model serving (when it is one {@code train} made;
     * else a new one) on the project's checked annotations, written as the next {@code round-N} folder.
     */
    private LabelStudioBackend.Trained retrain(Dataset dataset, LabelMap labelMap, Path rounds,
                                               DetectorOptions detectorOptions) throws IOException {
        TrainerOptions o = TrainerOptions.defaults();
        Path onnx = ModelDirectory.onnx(current);
        if (!Files.isRegularFile(onnx) && Files.isDirectory(current)) {
            onnx = current.toAbsolutePath().getParent().resolve(ModelDirectory.ONNX); // --model m/saved_model
        }
        try {
            o = TrainerOptions.warmStart(OnnxExport.read(onnx));
        } catch (IOException | RuntimeException e) {
            spec.commandLine().getErr().println("note: " + current + " is not a model train made (" + e.getMessage()
                    + "); training a new model instead");
        }
        o = o.withSteps(trainSteps).withSkipBadImages(true)
                .withTimeBudget(Duration.ofMillis(Math.round(trainMinutes * 60_000)));
        int n = 1;
        while (Files.exists(rounds.resolve("round-" + n))) {
            n++;
        }
        Path out = rounds.resolve("round-" + n);
        TrainCommand.Trained trained = TrainCommand.trainAndExport(dataset, labelMap, o, out);
        spec.commandLine().getOut().printf("round-%d: trained on %d images in %d steps; serving %s%n", n,
                trained.last().images(), trained.last().step(), out.resolve(ModelDirectory.ONNX));
        spec.commandLine().getOut().flush();
        current = out.resolve(ModelDirectory.ONNX);
        return new LabelStudioBackend.Trained(Detectors.open(current, detectorOptions),
                PreAnnotator.modelName(current.toString()));
    }
}
