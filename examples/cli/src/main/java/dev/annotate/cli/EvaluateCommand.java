package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import dev.annotate.voc.Voc;
import dev.annotate.voc.VocFormat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code evaluate --truth DIR (--predicted DIR | --model M) [--metric voc07|voc12|coco] [--min-score S]}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure pre-annotations or a model against ground truth (VOC files).")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--truth", required = true, description = "Folder of VOC files a person checked, with images.")
    Path truth;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--predicted", description = "Folder of saved pre-annotations, mirroring --truth.")
        Path predicted;

        @Option(names = "--model", description = "A model to run on the truth images.")
        Path model;
    }

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
        List<ReadResult> truths = truths(truth);
        PrintWriter out = spec.commandLine().getOut();
        truths.stream().filter(r -> r.image().isEmpty())
                .forEach(r -> r.problems().forEach(p -> spec.commandLine().getErr().println("problem: " + p)));
        List<Evaluation.ImagePair> ranked = new ArrayList<>();
        List<Evaluation.ImagePair> thresholded = new ArrayList<>();
        if (source.model != null) {
            NativeOutput.quietFor(source.model);
            try (Detector detector = Detectors.open(source.model, DetectorOptions.builder().minScore(0.01).build());
                 me.tongfei.progressbar.ProgressBar bar = Bars.open("evaluate", truths.size())) {
                ranked = detect(truth, truths, detector, bar::step);
            }
            thresholded = above(ranked, minScore);
        } else {
            PerImageFormat voc = new VocFormat();
            for (ReadResult r : truths) {
                if (r.image().isPresent()) {
                    String key = truth.relativize(r.source()).toString();
                    Path predictedFile = source.predicted.resolve(key);
                    List<dev.annotate.core.Annotation> predicted = Files.isRegularFile(predictedFile)
                            ? voc.readFile(predictedFile, LabelMap.empty()).image().map(AnnotatedImage::annotations)
                            .orElse(List.of()) : List.of();
                    thresholded.add(new Evaluation.ImagePair(key, r.image().get().annotations(), predicted));
                }
            }
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

    /** The VOC files under {@code truth}, read; refused when there are none. */
    static List<ReadResult> truths(Path truth) throws java.io.IOException {
        List<ReadResult> truths = new ArrayList<>();
        new VocFormat().read(truth, LabelMap.empty(), truths::add);
        if (truths.isEmpty()) {
            throw new IllegalArgumentException(truth + ": no VOC files");
        }
        return truths;
    }

    /** Each readable truth file paired with the detector's detections on its image. */
    static List<Evaluation.ImagePair> detect(Path truth, List<ReadResult> truths, Detector detector,
                                             Runnable eachImage) throws java.io.IOException {
        List<Evaluation.ImagePair> pairs = new ArrayList<>();
        for (ReadResult r : truths) {
            if (r.image().isPresent()) {
                AnnotatedImage t = r.image().get();
                AnnotatedImage p = detector.detect(Voc.locateImage(r.source(), t));
                pairs.add(new Evaluation.ImagePair(truth.relativize(r.source()).toString(), t.annotations(),
                        p.annotations()));
            }
            eachImage.run();
        }
        return pairs;
    }

    /** The pairs with only the detections scoring at least {@code minScore}: what {@code predict} would write. */
    static List<Evaluation.ImagePair> above(List<Evaluation.ImagePair> pairs, double minScore) {
        return pairs.stream().map(p -> new Evaluation.ImagePair(p.key(), p.truth(), p.predicted().stream()
                .filter(a -> a.confidenceOr(1) >= minScore).toList())).toList();
    }
}
