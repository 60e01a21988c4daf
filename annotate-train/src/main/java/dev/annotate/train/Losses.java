package dev.annotate.train;

import dev.annotate.core.model.PrimitiveModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.types.TFloat32;

import java.util.Map;

/**
 * The training losses, as TensorFlow operations on the network's outputs and the targets fed for a batch: CenterNet's
 * for the centre heads ({@link Centre}), NanoDet's Generalized Focal Loss for level heads ({@link Levels}).
 */
final class Losses {

    private Losses() {
    }

    /**
     * CenterNet's targets ({@link TrainingData.Batch}) for an output grid of {@code n x n}: penalty-reduced focal loss
     * on the heatmap (normalised by the number of objects) plus L1 on log-size and offset, weighted by the target
     * Gaussian (normalised by the weights' sum).
     */
    record Centre(Placeholder<TFloat32> positive, Placeholder<TFloat32> negativeWeight, Placeholder<TFloat32> sizes,
                  Placeholder<TFloat32> offsets, Placeholder<TFloat32> mask) {

        static Centre placeholders(Ops tf, int n, int classes) {
            return new Centre(grid(tf, "positive", n, classes), grid(tf, "negative_weight", n, classes),
                    grid(tf, "sizes", n, 2), grid(tf, "offsets", n, 2), grid(tf, "mask", n, 1));
        }

        Operand<TFloat32> loss(Ops tf, Map<String, Operand<TFloat32>> out) {
            Operand<TFloat32> logits = out.get(PrimitiveModel.HEATMAP);
            Operand<TFloat32> p = tf.math.sigmoid(logits);
            Operand<TFloat32> one = tf.constant(1f);
            Operand<TFloat32> count = tf.math.maximum(sum(tf, positive), one);
            // log p = -softplus(-x), log(1 - p) = -softplus(x), computed without overflow
            Operand<TFloat32> logP = tf.math.neg(softplus(tf, tf.math.neg(logits)));
            Operand<TFloat32> log1mP = tf.math.neg(softplus(tf, logits));
            Operand<TFloat32> q = tf.math.sub(one, p);
            Operand<TFloat32> positiveTerm = tf.math.mul(positive, tf.math.mul(tf.math.square(q), logP));
            Operand<TFloat32> negativeTerm = tf.math.mul(tf.math.mul(tf.math.sub(one, positive), negativeWeight),
                    tf.math.mul(tf.math.square(p), log1mP));
            Operand<TFloat32> focal = tf.math.neg(tf.math.div(sum(tf, tf.math.add(positiveTerm, negativeTerm)),
                    count));
            Operand<TFloat32> weight = tf.math.maximum(sum(tf, mask), one);
            Operand<TFloat32> sizeLoss = tf.math.div(sum(tf, tf.math.mul(mask,
                    tf.math.abs(tf.math.sub(out.get(PrimitiveModel.SIZE), sizes)))), weight);
            Operand<TFloat32> offsetLoss = tf.math.div(sum(tf, tf.math.mul(mask,
                    tf.math.abs(tf.math.sub(out.get(PrimitiveModel.OFFSET), offsets)))), weight);
            return tf.math.add(focal, tf.math.add(sizeLoss, offsetLoss));
        }
    }

    /**
     * NanoDet's loss (Generalized Focal Loss, Li et al. 2020) on the cells {@link LevelTargets} assigned, fed as its
     * {@link LevelTargets.Targets}: Quality Focal Loss on the class scores, whose target on a learning cell is the
     * IoU of its decoded box with its truth (so that a score says how good the box is, which a fixed threshold
     * needs), normalised by the learning cells; GIoU loss on the decoded boxes (weight 2) and Distribution Focal Loss
     * on the distance bins (weight 0.25, per side), both weighted per cell by its highest class score and normalised
     * by those weights' sum.
     */
    record Levels(Placeholder<TFloat32> classes, Placeholder<TFloat32> positive, Placeholder<TFloat32> boxes,
                  Placeholder<TFloat32> bins) {

        static Levels placeholders(Ops tf, int inputSize, int classes) {
            int cells = TfNetwork.levelCells(inputSize);
            return new Levels(cells(tf, "level_classes", cells, classes), cells(tf, "level_positive", cells, 1),
                    cells(tf, "level_boxes", cells, 4), cells(tf, "level_bins", cells, 4, PrimitiveModel.BINS));
        }

        Operand<TFloat32> loss(Ops tf, Map<String, Operand<TFloat32>> out, int inputSize, int classCount) {
            TfNetwork.Levels heads = TfNetwork.levels(tf, out, inputSize, classCount);
            Operand<TFloat32> logits = heads.logits();
            Overlap overlap = overlap(tf, TfNetwork.levelBoxes(tf, heads.bins(), inputSize), boxes);
            Operand<TFloat32> one = tf.constant(1f);
            Operand<TFloat32> learning = tf.math.maximum(sum3(tf, positive), one);
            Operand<TFloat32> target = tf.math.mul(classes, tf.math.mul(tf.stopGradient(overlap.iou()), positive));
            Operand<TFloat32> p = tf.math.sigmoid(logits);
            // binary cross-entropy on logits, softplus(x) - x * y, scaled by |y - p|^2
            Operand<TFloat32> bce = tf.math.sub(softplus(tf, logits), tf.math.mul(logits, target));
            Operand<TFloat32> qfl = tf.math.div(sum3(tf, tf.math.mul(bce, tf.math.square(tf.math.sub(target, p)))),
                    learning);
            Operand<TFloat32> weight = tf.math.mul(tf.stopGradient(tf.reduceMax(p, tf.constant(2),
                    ReduceMax.keepDims(true))), positive);
            Operand<TFloat32> weights = tf.math.maximum(sum3(tf, weight), tf.constant(1e-6f));
            Operand<TFloat32> giou = tf.math.div(sum3(tf, tf.math.mul(weight, tf.math.sub(one, overlap.giou()))),
                    weights);
            Operand<TFloat32> dfl = tf.math.div(sum(tf, tf.math.mul(tf.expandDims(weight, tf.constant(3)),
                    tf.math.neg(tf.math.mul(bins, logSoftmaxOverBins(tf, heads.bins()))))),
                    tf.math.mul(weights, tf.constant(4f)));
            return tf.math.add(qfl, tf.math.add(tf.math.mul(giou, tf.constant(2f)),
                    tf.math.mul(dfl, tf.constant(0.25f))));
        }
    }

    /**
     * Log-softmax over the last axis of distance bins {@code [B, N, 4, BINS]}, computed on {@code [B * N * 4, BINS]}:
     * TensorFlow's C++ gradient of {@code LogSoftmax} sums over axis 1 whatever the rank, so above rank 2 its
     * gradient is wrong (found by finite differences, {@code GradientsTest}); its value is right at any rank.
     */
    static Operand<TFloat32> logSoftmaxOverBins(Ops tf, Operand<TFloat32> bins) {
        Operand<TFloat32> flat = tf.reshape(bins, tf.constant(new int[] {-1, PrimitiveModel.BINS}));
        return tf.reshape(tf.nn.logSoftmax(flat), tf.shape(bins));
    }

    /** IoU and generalised IoU, {@code [B, N, 1]} each. */
    record Overlap(Operand<TFloat32> iou, Operand<TFloat32> giou) {
    }

    /** The overlap of boxes {@code [B, N, 4]} {@code (x1, y1, x2, y2)} with boxes of the same shape, cell by cell. */
    static Overlap overlap(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
        Operand<TFloat32> ax1 = side(tf, a, 0);
        Operand<TFloat32> ay1 = side(tf, a, 1);
        Operand<TFloat32> ax2 = side(tf, a, 2);
        Operand<TFloat32> ay2 = side(tf, a, 3);
        Operand<TFloat32> bx1 = side(tf, b, 0);
        Operand<TFloat32> by1 = side(tf, b, 1);
        Operand<TFloat32> bx2 = side(tf, b, 2);
        Operand<TFloat32> by2 = side(tf, b, 3);
        Operand<TFloat32> iw = tf.nn.relu(tf.math.sub(tf.math.minimum(ax2, bx2), tf.math.maximum(ax1, bx1)));
        Operand<TFloat32> ih = tf.nn.relu(tf.math.sub(tf.math.minimum(ay2, by2), tf.math.maximum(ay1, by1)));
        Operand<TFloat32> inter = tf.math.mul(iw, ih);
        Operand<TFloat32> areaA = tf.math.mul(tf.math.sub(ax2, ax1), tf.math.sub(ay2, ay1));
        Operand<TFloat32> areaB = tf.math.mul(tf.math.sub(bx2, bx1), tf.math.sub(by2, by1));
        Operand<TFloat32> eps = tf.constant(1e-6f);
        Operand<TFloat32> union = tf.math.add(tf.math.sub(tf.math.add(areaA, areaB), inter), eps);
        Operand<TFloat32> iou = tf.math.div(inter, union);
        Operand<TFloat32> cw = tf.math.sub(tf.math.maximum(ax2, bx2), tf.math.minimum(ax1, bx1));
        Operand<TFloat32> ch = tf.math.sub(tf.math.maximum(ay2, by2), tf.math.minimum(ay1, by1));
        Operand<TFloat32> enclosing = tf.math.add(tf.math.mul(cw, ch), eps);
        return new Overlap(iou, tf.math.sub(iou, tf.math.div(tf.math.sub(enclosing, union), enclosing)));
    }

    /** softplus(x) = max(x, 0) + log(1 + exp(-|x|)), without overflow. */
    static Operand<TFloat32> softplus(Ops tf, Operand<TFloat32> x) {
        return tf.math.add(tf.nn.relu(x), tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(x)))));
    }

    /** One coordinate of boxes {@code [B, N, 4]}, as {@code [B, N, 1]}. */
    private static Operand<TFloat32> side(Ops tf, Operand<TFloat32> boxes, int index) {
        return tf.slice(boxes, tf.constant(new int[] {0, 0, index}), tf.constant(new int[] {-1, -1, 1}));
    }

    /** The sum of all values of a rank-4 tensor. */
    private static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x) {
        return tf.reduceSum(x, tf.constant(new int[] {0, 1, 2, 3}));
    }

    /** The sum of all values of a rank-3 tensor. */
    private static Operand<TFloat32> sum3(Ops tf, Operand<TFloat32> x) {
        return tf.reduceSum(x, tf.constant(new int[] {0, 1, 2}));
    }

    /** A batch of {@code n x n} grids of {@code channels} values. */
    private static Placeholder<TFloat32> grid(Ops tf, String name, int n, int channels) {
        return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, n, n, channels)));
    }

    /** A batch of {@code cells x dims} values. */
    private static Placeholder<TFloat32> cells(Ops tf, String name, int cells, long... dims) {
        long[] shape = new long[dims.length + 2];
        shape[0] = -1;
        shape[1] = cells;
        System.arraycopy(dims, 0, shape, 2, dims.length);
        return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
    }
}
