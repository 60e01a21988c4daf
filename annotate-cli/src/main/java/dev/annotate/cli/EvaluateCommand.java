package dev.annotate.cli;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.eval.DatasetPairs;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.Dataset;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code evaluate --truth PATH [--format F] [--labels MAP] (--predicted PATH | --model M [--classes C])
 * [--metric voc07|voc12|coco] [--min-score S]}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure pre-annotations or a model against ground truth in any installed format.")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--truth", required = true, description = "Annotations a person checked, with their images: a"
            + " folder, or the file of a dataset-level format.")
    Path truth;

    @Option(names = "--format", defaultValue = "voc", paramLabel = "F",
            description = "Format of --truth and --predicted (default ${DEFAULT-VALUE}; see convert --list).")
    String format;

    @Option(names = "--labels", description = "Label map (.pbtxt), for formats that store class ids.")
    Path labels;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--predicted", description = "Saved pre-annotations of the same images in --format (a"
                + " folder mirroring --truth, or a dataset file).")
        Path predicted;

        @Option(names = "--model", description = "A model to run on the truth images. " + ClassOptions.MODEL_HELP)
        Path model;
    }

    @Mixin
    ClassOptions classes = new ClassOptions();

    @Option(names = "--metric", defaultValue = "voc12", description = "voc07, voc12 or coco (default ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--min-score", defaultValue = "0.5",
            description = "Score above which model detections count as pre-annotations (default ${DEFAULT-VALUE}).")
    double minScore;

    @Override
    public Integer call() throws Exception {
        Evaluation.Metric m = switch (metric.toLowerCase(Locale.ROOT)) {
            case "voc07" -> Evaluation.Metric.VOC07;
            case "voc12" -> Evaluation.Metric.VOC12;
            case "coco" -> Evaluation.Metric.COCO;
            default -> throw new IllegalArgumentException("--metric " + metric + " is not one of voc07, voc12, coco");
        };
        AnnotationFormat f = AnnotationFormats.byName(format);
        LabelMap labelMap = labels == null ? LabelMap.empty() : LabelMaps.read(labels);
        Dataset truthSet = Dataset.of(truth, f, labelMap);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Evaluation.ImagePair> ranked = new ArrayList<>();
        List<Evaluation.ImagePair> thresholded;
        DetectorOptions options = classes.applyTo(DetectorOptions.defaults().withMinScore(0.01));
        if (source.model == null && classes.classes != null) {
            throw new IllegalArgumentException("--classes chooses a model's classes: give it with --model");
        }
        if (source.model != null) {
            NativeOutput.beforeTensorFlow(source.model);
            try (Detector detector = ClassOptions.open(source.model, options);
                 me.tongfei.progressbar.ProgressBar bar = Bars.open("evaluate", truthSet.countFiles().orElse(-1))) {
                ranked = DatasetPairs.detect(truthSet, detector, p -> err.println("problem: " + p), bar::step);
            }
            thresholded = Evaluation.above(ranked, minScore);
        } else {
            thresholded = DatasetPairs.pair(truthSet, Dataset.of(source.predicted, f, labelMap),
                    p -> err.println("problem: " + p));
        }
        if (thresholded.isEmpty()) {
            throw new IllegalArgumentException(truth + ": no usable " + f.name() + " annotations with their images");
        }
        if (!ranked.isEmpty()) {
            Evaluation.ApReport ap = Evaluation.averagePrecision(ranked, m);
            out.printf("%s mAP %.4f over %d images%n", m, ap.mean(), ranked.size());
            ap.perClass().forEach(c -> out.printf("  %-20s AP %.4f  (%d boxes, %d detections)%n", c.label(), c.ap(),
                    c.groundTruth(), c.detections()));
        }
        Evaluation.ReviewReport review = Evaluation.reviewEffort(thresholded, 0.8);
        out.printf("pre-annotations%s: precision %.4f, recall %.4f%n",
                source.model != null ? " at --min-score " + minScore : "", review.precision(), review.recall());
        out.printf("review effort: keep %d, fix %d, add %d, delete %d boxes%n", review.keep(), review.fix(),
                review.add(), review.delete());
        return 0;
    }
}
