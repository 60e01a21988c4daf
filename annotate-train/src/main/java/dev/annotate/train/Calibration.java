package dev.annotate.train;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.processing.NonMaxSuppression;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.tf.ImageTensors;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Score calibration after training. A CenterNet heatmap trained briefly peaks well below 1 on objects it finds,
 * so a fixed threshold of 0.5 would keep too few. The model runs once over its training images (no
 * augmentation) and its detections are suppressed as a detector with the default options would; they are matched
 * to the truth (same class, IoU at least 0.5, best score first); the score
 * threshold with the best F2 (recall weighted twice, see {@link #BETA}) becomes 0.5 through an exponent
 * ({@code score^e}), which keeps every ranking. Training images flatter the model, so a threshold fitted on
 * them errs towards precision on new images; weighting recall also counters that.
 */
final class Calibration {

    /** Exponents outside this range would mean a broken model, not a calibration. */
    private static final float MIN_EXPONENT = 0.2f;
    private static final float MAX_EXPONENT = 5f;
    private static final float FLOOR = 0.02f;
    /**
     * Recall counts twice as much as precision (F2): for a person checking pre-annotations, deleting a wrong box
     * is one keystroke, drawing a missed one is a drag and a label.
     */
    private static final double BETA = 2;

    /** One detection's score and whether it matched a truth box. */
    record Scored(float score, boolean correct) {
    }

    private Calibration() {
    }

    /** The exponent that maps the best-F2 threshold on {@code samples} to 0.5; 1 when there is nothing to fit. */
    static float exponent(PrimitiveModel uncalibrated, List<TrainingData.Sample> samples) {
        List<Scored> scored = new ArrayList<>();
        int truths = 0;
        try (Graph g = new Graph()) {
            TfNetwork.Serving serving = TfNetwork.serving(Ops.create(g), uncalibrated);
            try (Session session = new Session(g)) {
                for (TrainingData.Sample sample : samples) {
                    truths += sample.boxes().size();
                    scored.addAll(match(session, serving, sample, uncalibrated));
                }
            }
        }
        return exponent(scored, truths);
    }

    /**
     * The exponent that maps the best-F2 threshold over these detections to 0.5: the threshold lies halfway
     * between the lowest score kept and the next one (or {@value #FLOOR}); 1 when nothing fits in (0, 1).
     *
     * @param truths how many truth boxes there were, found or not
     */
    static float exponent(List<Scored> detections, int truths) {
        List<Scored> scored = new ArrayList<>(detections);
        scored.sort(Comparator.comparingDouble(Scored::score).reversed());
        double best = 0;
        float threshold = Float.NaN;
        int correct = 0;
        for (int i = 0; i < scored.size(); i++) {
            correct += scored.get(i).correct() ? 1 : 0;
            double precision = correct / (i + 1.0);
            double recall = truths == 0 ? 0 : correct / (double) truths;
            double f = precision + recall == 0 ? 0
                    : (1 + BETA * BETA) * precision * recall / (BETA * BETA * precision + recall);
            if (f > best) {
                best = f;
                float next = i + 1 < scored.size() ? scored.get(i + 1).score() : FLOOR;
                threshold = (scored.get(i).score() + next) / 2;
            }
        }
        if (!(threshold > 0 && threshold < 1)) {
            return 1f;
        }
        float exponent = (float) (Math.log(0.5) / Math.log(threshold));
        return Math.max(MIN_EXPONENT, Math.min(MAX_EXPONENT, exponent));
    }

    /** One image's detections above the floor, each marked correct if it claims an unclaimed truth box. */
    private static List<Scored> match(Session session, TfNetwork.Serving serving, TrainingData.Sample sample,
                                      PrimitiveModel model) {
        BufferedImage image = sample.image();
        int w = image.getWidth();
        int h = image.getHeight();
        int k = model.maxDetections();
        float[] boxes = new float[k * 4];
        float[] scores = new float[k];
        float[] classes = new float[k];
        try (TUint8 input = ImageTensors.uint8(image);
             var result = session.runner().feed(serving.input(), input)
                     .fetch(serving.detections().boxes()).fetch(serving.detections().scores())
                     .fetch(serving.detections().classes()).run()) {
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(boxes, false, false));
            ((TFloat32) result.get(1)).copyTo(DataBuffers.of(scores, false, false));
            ((TFloat32) result.get(2)).copyTo(DataBuffers.of(classes, false, false));
        }
        // what a detector with the default options keeps: suppression, as after any model
        List<Annotation> candidates = new ArrayList<>();
        for (int d = 0; d < k && scores[d] >= FLOOR; d++) {
            BoundingBox box = BoundingBox.of(boxes[d * 4 + 1] * w, boxes[d * 4] * h, boxes[d * 4 + 3] * w,
                    boxes[d * 4 + 2] * h);
            candidates.add(Annotation.predicted(model.labels().nameOf((int) classes[d]), box, Math.min(1, scores[d])));
        }
        DetectorOptions defaults = DetectorOptions.defaults();
        List<Annotation> kept = NonMaxSuppression.apply(candidates, defaults.nmsIou(), defaults.nestedSuppression(),
                false, candidates.size());
        boolean[] claimed = new boolean[sample.boxes().size()];
        List<Scored> out = new ArrayList<>();
        for (Annotation a : kept) {
            BoundingBox found = a.box();
            int best = -1;
            double bestIou = 0.5;
            for (int t = 0; t < claimed.length; t++) {
                TrainingData.Box truth = sample.boxes().get(t);
                if (claimed[t] || !model.labels().entries().get(truth.channel()).name().equals(a.label())) {
                    continue;
                }
                double iou = found.iou(BoundingBox.of(truth.x1(), truth.y1(), truth.x2(), truth.y2()));
                if (iou >= bestIou) {
                    bestIou = iou;
                    best = t;
                }
            }
            if (best >= 0) {
                claimed[best] = true;
            }
            out.add(new Scored((float) a.confidence().orElseThrow(), best >= 0));
        }
        return out;
    }
}
