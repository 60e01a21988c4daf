package dev.annotate.core.eval;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * How good predictions are against ground truth: average precision as PASCAL VOC and COCO compute it, and, for
 * saved pre-annotations without confidences, precision, recall and the review effort a person faces.
 *
 * <p>Matching for VOC follows the devkit ({@code VOCevaldet.m}): detections of a class, best score first, each
 * take the ground-truth box of that class and image with the highest IoU; at IoU ≥ 0.5 it is a true positive if
 * that box is still free, a false positive if already taken, and ignored if the box is {@code difficult};
 * difficult boxes are not counted as ground truth. COCO matches each detection to the best still-free box at
 * each IoU threshold 0.50:0.05:0.95, keeps at most 100 detections per image, treats difficult boxes as COCO's
 * "ignore" regions, and samples precision at 101 recall points. Classes without ground truth have AP
 * {@code NaN} and stay out of the mean.
 *
 * <pre>{@code
 * List<Evaluation.ImagePair> pairs = ...; // truth and predictions per image
 * Evaluation.ApReport voc = Evaluation.averagePrecision(pairs, Evaluation.Metric.VOC12);
 * System.out.println(voc.mean());
 * }</pre>
 */
public final class Evaluation {

    /** Average-precision flavours. */
    public enum Metric {
        /** PASCAL VOC2007: interpolated precision at recall 0, 0.1, ..., 1 (11 points), IoU 0.5. */
        VOC07,
        /** PASCAL VOC2010+: area under the monotone precision envelope at every recall step, IoU 0.5. */
        VOC12,
        /** COCO: mean over IoU 0.50:0.05:0.95 of the 101-point interpolated AP, at most 100 detections per image. */
        COCO
    }

    /**
     * One image's ground truth and predictions.
     *
     * @param key names the image in reports
     * @param truth the annotations a person made (difficult ones included)
     * @param predicted the predictions; for average precision each needs a confidence
     */
    public record ImagePair(String key, List<Annotation> truth, List<Annotation> predicted) {
        /** Validates and copies. */
        public ImagePair {
            Objects.requireNonNull(key, "key");
            truth = List.copyOf(truth);
            predicted = List.copyOf(predicted);
        }
    }

    /**
     * One class's result.
     *
     * @param label the class
     * @param ap average precision in {@code [0, 1]}, {@code NaN} without ground truth
     * @param groundTruth ground-truth boxes counted (not difficult)
     * @param detections predictions of the class
     */
    public record ClassAp(String label, double ap, int groundTruth, int detections) {
    }

    /**
     * Average precision per class and the mean over classes with ground truth.
     *
     * @param metric how it was computed
     * @param perClass classes in name order
     * @param mean mean AP over classes with ground truth, {@code NaN} if none has any
     */
    public record ApReport(Metric metric, List<ClassAp> perClass, double mean) {
        /** Copies. */
        public ApReport {
            perClass = List.copyOf(perClass);
        }
    }

    private Evaluation() {
    }

    /**
     * The pairs with only the predictions scoring at least {@code minScore} (a prediction without a score counts
     * as certain): what pre-annotation at that score would have written.
     */
    public static List<ImagePair> above(List<ImagePair> pairs, double minScore) {
        return pairs.stream().map(p -> new ImagePair(p.key(), p.truth(), p.predicted().stream()
                .filter(a -> a.confidenceOr(1) >= minScore).toList())).toList();
    }

    /** Average precision of confidence-ranked predictions. */
    public static ApReport averagePrecision(List<ImagePair> images, Metric metric) {
        TreeSet<String> labels = new TreeSet<>();
        for (ImagePair p : images) {
            p.truth().forEach(a -> labels.add(a.label()));
            for (Annotation a : p.predicted()) {
                if (a.confidence().isEmpty()) {
                    throw new IllegalArgumentException("prediction '" + a.label() + "' in " + p.key()
                            + " has no confidence; average precision ranks by confidence (use reviewEffort for"
                            + " saved pre-annotations)");
                }
                labels.add(a.label());
            }
        }
        List<ClassAp> perClass = new ArrayList<>();
        double sum = 0;
        int counted = 0;
        for (String label : labels) {
            ClassAp c = metric == Metric.COCO ? coco(images, label) : voc(images, label, metric);
            perClass.add(c);
            if (c.groundTruth() > 0) {
                sum += c.ap();
                counted++;
            }
        }
        return new ApReport(metric, perClass, counted == 0 ? Double.NaN : sum / counted);
    }

    /** A detection of one class with the index of its image. */
    private record Det(int image, double score, BoundingBox box) {
    }

    private static List<Det> detections(List<ImagePair> images, String label, int perImageCap) {
        List<Det> dets = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            List<Annotation> preds = new ArrayList<>(images.get(i).predicted());
            preds.sort(Comparator.comparingDouble((Annotation a) -> -a.confidenceOr(0)));
            int kept = 0;
            for (Annotation a : preds) {
                if (kept++ >= perImageCap) {
                    break;
                }
                if (a.label().equals(label)) {
                    dets.add(new Det(i, a.confidenceOr(0), a.box()));
                }
            }
        }
        // stable: equal scores keep image order, so results do not depend on hashing or threads
        dets.sort(Comparator.comparingDouble((Det d) -> -d.score()));
        return dets;
    }

    private static List<List<Annotation>> truthOf(List<ImagePair> images, String label) {
        List<List<Annotation>> out = new ArrayList<>();
        for (ImagePair p : images) {
            out.add(p.truth().stream().filter(a -> a.label().equals(label)).toList());
        }
        return out;
    }

    private static ClassAp voc(List<ImagePair> images, String label, Metric metric) {
        List<Det> dets = detections(images, label, Integer.MAX_VALUE);
        List<List<Annotation>> truth = truthOf(images, label);
        int positives = 0;
        List<boolean[]> taken = new ArrayList<>();
        for (List<Annotation> t : truth) {
            positives += (int) t.stream().filter(a -> !a.difficult()).count();
            taken.add(new boolean[t.size()]);
        }
        List<Boolean> outcome = new ArrayList<>(); // true = TP, false = FP; ignored detections are left out
        for (Det d : dets) {
            List<Annotation> t = truth.get(d.image());
            int best = -1;
            double bestIou = -1;
            for (int j = 0; j < t.size(); j++) {
                double iou = d.box().iou(t.get(j).box());
                if (iou > bestIou) {
                    bestIou = iou;
                    best = j;
                }
            }
            if (best >= 0 && bestIou >= 0.5) {
                if (t.get(best).difficult()) {
                    continue;
                }
                boolean[] tk = taken.get(d.image());
                outcome.add(!tk[best]);
                tk[best] = true;
            } else {
                outcome.add(false);
            }
        }
        double ap = positives == 0 ? Double.NaN : ap(outcome, positives, metric == Metric.VOC07 ? 11 : 0);
        return new ClassAp(label, ap, positives, dets.size());
    }

    private static ClassAp coco(List<ImagePair> images, String label) {
        List<Det> dets = detections(images, label, 100);
        List<List<Annotation>> truth = truthOf(images, label);
        int positives = 0;
        for (List<Annotation> t : truth) {
            positives += (int) t.stream().filter(a -> !a.difficult()).count();
        }
        if (positives == 0) {
            return new ClassAp(label, Double.NaN, 0, dets.size());
        }
        double sum = 0;
        for (int k = 0; k <= 9; k++) {
            double threshold = 0.5 + 0.05 * k;
            List<boolean[]> taken = new ArrayList<>();
            truth.forEach(t -> taken.add(new boolean[t.size()]));
            List<Boolean> outcome = new ArrayList<>();
            for (Det d : dets) {
                List<Annotation> t = truth.get(d.image());
                boolean[] tk = taken.get(d.image());
                // pycocotools: real boxes before ignore regions; the best free box with IoU >= threshold; once a
                // real box has matched, ignore regions do not compete
                int best = -1;
                double bestIou = Math.min(threshold, 1 - 1e-10);
                for (int pass = 0; pass < 2; pass++) {
                    boolean ignoredPass = pass == 1;
                    if (ignoredPass && best >= 0) {
                        break;
                    }
                    for (int j = 0; j < t.size(); j++) {
                        if (tk[j] || t.get(j).difficult() != ignoredPass) {
                            continue;
                        }
                        double iou = d.box().iou(t.get(j).box());
                        if (iou >= bestIou) {
                            bestIou = iou;
                            best = j;
                        }
                    }
                }
                if (best < 0) {
                    outcome.add(false);
                } else {
                    tk[best] = true;
                    if (!t.get(best).difficult()) {
                        outcome.add(true);
                    }
                }
            }
            sum += ap(outcome, positives, 101);
        }
        return new ClassAp(label, sum / 10, positives, dets.size());
    }

    /**
     * AP from ranked outcomes: {@code points = 11} (VOC07), {@code 101} (COCO) or {@code 0} (every recall step,
     * VOC12), over the monotone precision envelope.
     */
    static double ap(List<Boolean> outcome, int positives, int points) {
        int n = outcome.size();
        double[] recall = new double[n];
        double[] precision = new double[n];
        int tp = 0;
        for (int i = 0; i < n; i++) {
            tp += outcome.get(i) ? 1 : 0;
            recall[i] = (double) tp / positives;
            precision[i] = (double) tp / (i + 1);
        }
        // envelope: precision at i is the best precision at any recall >= recall[i]
        for (int i = n - 2; i >= 0; i--) {
            precision[i] = Math.max(precision[i], precision[i + 1]);
        }
        if (points == 0) {
            double area = 0;
            double previousRecall = 0;
            for (int i = 0; i < n; i++) {
                area += (recall[i] - previousRecall) * precision[i];
                previousRecall = recall[i];
            }
            return area;
        }
        double sum = 0;
        for (int k = 0; k < points; k++) {
            double r = (double) k / (points - 1);
            int first = firstAtLeast(recall, r);
            sum += first < n ? precision[first] : 0;
        }
        return sum / points;
    }

    private static int firstAtLeast(double[] sorted, double value) {
        int i = Arrays.binarySearch(sorted, value - 1e-12);
        int at = i >= 0 ? i : -i - 1;
        while (at > 0 && sorted[at - 1] >= value - 1e-12) {
            at--;
        }
        return at;
    }

    // ------------------------------------------------------------------------------------- review effort

    /**
     * What a person must do to one image's pre-annotations.
     *
     * @param key the image
     * @param keep predictions that match a box well (IoU ≥ the fix threshold, same label)
     * @param fix predictions to adjust: matched with a looser IoU, or right place and wrong label
     * @param add ground-truth boxes no prediction found
     * @param delete predictions matching nothing
     */
    public record ImageEffort(String key, int keep, int fix, int add, int delete) {
        /** Edits a person makes: fix + add + delete. */
        public int edits() {
            return fix + add + delete;
        }
    }

    /**
     * Precision, recall and review effort of saved pre-annotations.
     *
     * @param truePositives predictions matched to a same-label box at IoU ≥ 0.5
     * @param falsePositives predictions matched to nothing of their label
     * @param falseNegatives ground-truth boxes no same-label prediction matched
     * @param precision TP / (TP + FP), 1 when there are no predictions
     * @param recall TP / (TP + FN), 1 when there is no ground truth
     * @param perImage effort per image, in input order
     * @param keep total kept
     * @param fix total to fix
     * @param add total to add
     * @param delete total to delete
     */
    public record ReviewReport(int truePositives, int falsePositives, int falseNegatives, double precision,
                               double recall, List<ImageEffort> perImage, int keep, int fix, int add, int delete) {
        /** Copies. */
        public ReviewReport {
            perImage = List.copyOf(perImage);
        }
    }

    /**
     * Matches predictions to ground truth per image, greedily by IoU (best pairs first), same label, IoU ≥ 0.5;
     * then pairs leftovers of different labels at IoU ≥ 0.5 as relabelling fixes. Confidences are not needed.
     *
     * @param fixBelowIou matched boxes with IoU below this still need a person's adjustment, for example 0.8
     */
    public static ReviewReport reviewEffort(List<ImagePair> images, double fixBelowIou) {
        if (!(fixBelowIou >= 0.5 && fixBelowIou <= 1)) {
            throw new IllegalArgumentException("fixBelowIou (" + fixBelowIou + ") must be in [0.5, 1]");
        }
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int keepTotal = 0;
        int fixTotal = 0;
        int addTotal = 0;
        int deleteTotal = 0;
        List<ImageEffort> per = new ArrayList<>();
        for (ImagePair p : images) {
            List<Annotation> truth = p.truth();
            List<Annotation> pred = p.predicted();
            boolean[] truthUsed = new boolean[truth.size()];
            boolean[] predUsed = new boolean[pred.size()];
            List<Double> sameLabel = claim(pairs(truth, pred, true), truthUsed, predUsed);
            int matched = sameLabel.size();
            int keep = (int) sameLabel.stream().filter(iou -> iou >= fixBelowIou).count();
            int fix = matched - keep;
            int relabel = claim(pairs(truth, pred, false), truthUsed, predUsed).size();
            int add = truth.size() - matched - relabel;
            int delete = pred.size() - matched - relabel;
            tp += matched;
            fp += pred.size() - matched;
            fn += truth.size() - matched;
            per.add(new ImageEffort(p.key(), keep, fix + relabel, add, delete));
            keepTotal += keep;
            fixTotal += fix + relabel;
            addTotal += add;
            deleteTotal += delete;
        }
        double precision = tp + fp == 0 ? 1 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 1 : (double) tp / (tp + fn);
        return new ReviewReport(tp, fp, fn, precision, recall, per, keepTotal, fixTotal, addTotal, deleteTotal);
    }

    /** Takes pairs best first where both sides are still free; returns the IoUs of the pairs taken. */
    private static List<Double> claim(List<double[]> pairs, boolean[] truthUsed, boolean[] predUsed) {
        List<Double> taken = new ArrayList<>();
        for (double[] pair : pairs) {
            int t = (int) pair[0];
            int q = (int) pair[1];
            if (!truthUsed[t] && !predUsed[q]) {
                truthUsed[t] = true;
                predUsed[q] = true;
                taken.add(pair[2]);
            }
        }
        return taken;
    }

    /** (truth index, prediction index, IoU) with IoU ≥ 0.5 and same or different labels, best first. */
    private static List<double[]> pairs(List<Annotation> truth, List<Annotation> pred, boolean sameLabel) {
        List<double[]> out = new ArrayList<>();
        for (int t = 0; t < truth.size(); t++) {
            for (int q = 0; q < pred.size(); q++) {
                if (truth.get(t).label().equals(pred.get(q).label()) != sameLabel) {
                    continue;
                }
                double iou = truth.get(t).box().iou(pred.get(q).box());
                if (iou >= 0.5) {
                    out.add(new double[] {t, q, iou});
                }
            }
        }
        out.sort(Comparator.comparingDouble((double[] a) -> -a[2]).thenComparingDouble(a -> a[0])
                .thenComparingDouble(a -> a[1]));
        return out;
    }
}
