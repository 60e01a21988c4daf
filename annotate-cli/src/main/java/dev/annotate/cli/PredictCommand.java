package dev.annotate.cli;

import dev.annotate.command.PredictionOptions;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.pretrained.CocoDetector;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code predict --model M --images DIR [...]}: pre-annotate a folder. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Pre-annotate a folder of images with a model; writes one annotation file per image, or one"
                + " dataset file (coco, labelstudio) for the whole folder.")
final class PredictCommand implements Callable<Integer> {

    /** How many least-confident images the summary ranks: the report lists these, the screen the first five. */
    private static final int REVIEW_LIST = 1000;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = ClassOptions.MODEL_HELP)
    Path model;

    @Mixin
    ClassOptions classes = new ClassOptions();

    @Option(names = "--images", required = true, description = "Folder of images (searched recursively).")
    Path images;

    @Option(names = "--labels", description = "Label map (.pbtxt) naming the model's classes.")
    Path labels;

    @Option(names = "--format", defaultValue = "voc", description = "Annotation format (default ${DEFAULT-VALUE}):"
            + " voc and yolo write a file per image; coco and labelstudio one file for the folder.")
    String format;

    @Mixin
    LabelStudioOptions labelStudio = new LabelStudioOptions();

    @Mixin
    PredictionOptions prediction = new PredictionOptions();

    @Option(names = "--out", description = "Write into a mirrored tree here instead of beside each image; for coco and"
            + " labelstudio, the dataset file (or its folder), in the image folder or above it (default: in the image"
            + " folder).")
    Path out;

    @Option(names = "--threads", description = "Images detected at once, each on one inference thread (default:"
            + " processors).")
    Integer threads;

    @Option(names = "--preview", description = "Also draw the detections as PNGs here, with an index.html.")
    Path preview;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Also write a JSON report here: counts, timings, detections per class, failures with"
                    + " their reasons, and the images ranked by their least confident detection.")
    Path report;

    @Override
    public Integer call() throws Exception {
        AnnotationFormat f = labelStudio.format(format);
        Existing policy = prediction.existing();
        DetectorOptions options = DetectorOptions.defaults().withMinScore(prediction.minScore()); // one thread
        if (labels != null) {
            options = options.withLabelMap(LabelMaps.read(labels));
        }
        if (prediction.slicing().isPresent()) {
            options = options.withSlicing(prediction.slicing().get());
        }
        options = classes.applyTo(options);
        PreAnnotator.Options run = PreAnnotator.Options.defaults(f).withExisting(policy)
                .withThreads(threads == null ? PreAnnotator.Options.AUTO_THREADS : threads)
                .withReviewListSize(REVIEW_LIST)
                .withModel(ClassOptions.isCoco(model) ? CocoDetector.NAME : PreAnnotator.modelName(model.toString()));
        if (out != null) {
            run = run.withOutputDir(out);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        Previews previews = preview == null ? null : new Previews(images, preview);
        PreAnnotator.Summary s;
        NativeOutput.beforeTensorFlow(model);
        // beside the model's loading (mostly one core), in the order a run needs them: the protobuf text parser a
        // label map beside the model needs, the JPEG decoder, the format's binding (a quarter of a second of JAXB
        // for VOC), a fifth of a second of a one-image run otherwise
        Thread warm = new Thread(() -> {
            try {
                LabelMaps.parse("item { id: 1 name: 'warm-up' }".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        Path.of("warm-up.pbtxt"));
            } catch (dev.annotate.core.FormatException | RuntimeException e) {
                // only a warm-up: whatever it meets, the real reading reports
            }
            javax.imageio.ImageIO.getImageReadersByFormatName("jpeg").hasNext();
            f.prepare();
        }, "annotate-warm-up");
        warm.setDaemon(true);
        warm.start();
        try (Detector detector = ClassOptions.open(model, options)) {
            s = run(detector, run, previews);
        }
        if (previews != null) {
            previews.writeIndex();
        }
        stdout.printf("%d images: %d written, %d skipped (existing), %d failed in %.1f s%n", s.total(), s.written(),
                s.skipped(), s.failed(), s.elapsed().toMillis() / 1000.0);
        if (!(f instanceof PerImageFormat)) {
            stdout.println(f.name() + " file: " + f.datasetFile(out == null ? images : out).toAbsolutePath()
                    .normalize());
        }
        for (Map.Entry<String, Long> e : s.detectionsPerClass().entrySet()) {
            stdout.printf("  %-20s %d%n", e.getKey(), e.getValue());
        }
        if (!s.leastConfident().isEmpty()) {
            stdout.println("review first (least confident):");
            s.leastConfident().stream().limit(5).forEach(d -> stdout.printf("  %.2f  %s%n", d.lowestConfidence(),
                    d.image()));
        }
        if (previews != null) {
            stdout.println("previews: " + preview.toAbsolutePath().resolve("index.html"));
        }
        if (report != null) {
            PredictReport.write(report, new PredictReport.Run(images, model, format, prediction.minScore(),
                    Optional.ofNullable(out), policy.optionName(), run.workers(options)), s);
            stdout.println("report: " + report.toAbsolutePath());
        }
        s.notes().forEach(n -> stdout.println("note: " + n.path() + ": " + n.reason()));
        s.failures().forEach(x -> spec.commandLine().getErr().println("failed: " + x.reason()));
        return s.failed() > 0 ? Annotate.SOME_FAILED : 0;
    }

    /** The pre-annotation itself, with a progress bar. */
    private PreAnnotator.Summary run(Detector detector, PreAnnotator.Options run, Previews previews)
            throws java.io.IOException {
        try (ProgressBar bar = Bars.open("predict", -1)) {
            return PreAnnotator.run(detector, images, run, new PreAnnotator.Listener() {
                @Override
                public void progress(PreAnnotator.Progress p) {
                    bar.maxHint(p.total());
                    bar.stepTo(p.done());
                    bar.setExtraMessage(p.failed() > 0 ? p.failed() + " failed" : "");
                }

                @Override
                public void written(Path image, dev.annotate.core.AnnotatedImage result) {
                    if (previews != null) {
                        previews.draw(image, result);
                    }
                }
            });
        }
    }
}
