package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.eval.Evaluation;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
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
        PerImageFormat voc = new VocFormat();
        List<Evaluation.ImagePair> ranked = new ArrayList<>();
        List<Evaluation.ImagePair> thresholded = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        List<ReadResult> truths = new ArrayList<>();
        voc.read(truth, LabelMap.empty(), truths::add);
        if (truths.isEmpty()) {
            throw new IllegalArgumentException(truth + ": no VOC files");
        }
        Detector detector = source.model == null ? null
                : Detectors.open(source.model, DetectorOptions.builder().minScore(0.01).build());
        try {
            for (ReadResult r : truths) {
                if (r.image().isEmpty()) {
                    r.problems().forEach(p -> spec.commandLine().getErr().println("problem: " + p));
                    continue;
                }
                AnnotatedImage t = r.image().get();
                String key = truth.relativize(r.source()).toString();
                if (detector != null) {
                    AnnotatedImage p = detector.detect(r.source().resolveSibling(t.fileName()));
                    ranked.add(new Evaluation.ImagePair(key, t.annotations(), p.annotations()));
                    thresholded.add(new Evaluation.ImagePair(key, t.annotations(), p.annotations().stream()
                            .filter(a -> a.confidenceOr(1) >= minScore).toList()));
                } else {
                    Path predictedFile = source.predicted.resolve(key);
                    List<dev.annotate.core.Annotation> predicted = Files.isRegularFile(predictedFile)
                            ? voc.readFile(predictedFile, LabelMap.empty()).image().map(AnnotatedImage::annotations)
                            .orElse(List.of()) : List.of();
                    thresholded.add(new Evaluation.ImagePair(key, t.annotations(), predicted));
                }
            }
        } finally {
            if (detector != null) {
                detector.close();
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
                detector != null ? " at --min-score " + minScore : "", review.precision(), review.recall());
        out.printf("review effort: keep %d, fix %d, add %d, delete %d boxes%n", review.keep(), review.fix(),
                review.add(), review.delete());
        return 0;
    }
}
