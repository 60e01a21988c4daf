package dev.annotate.train;

import dev.annotate.train.TrainingData.Batch;
import dev.annotate.train.TrainingData.Box;

import java.util.ArrayList;

/**
 * The primitive network's targets (CenterNet with TTFNet's box regression) for a batch's boxes, on an
 * {@code outputSize x outputSize} grid over an {@code inputSize} input: Gaussian heatmaps per class, the positives at
 * the centres, the focal loss's negative weights, and per cell the box's log size and centre offset with a weight.
 * NanoDet's level heads have their own ({@link LevelTargets}).
 */
final class CenterNetTargets {

    /** Cells whose Gaussian value is below this regress nothing for that object. */
    static final float REGRESSION_FLOOR = 0.3f;

    private final int inputSize;
    private final int outputSize;
    private final int classes;

    CenterNetTargets(int inputSize, int outputSize, int classes) {
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        this.classes = classes;
    }

    /** An empty batch of {@code size} samples: pixels to fill, targets to add. */
    Batch empty(int size) {
        int n = outputSize;
        int s = inputSize;
        return new Batch(size, new float[size * s * s * 3], new float[size * n * n * classes],
                new float[size * n * n * classes], new float[size * n * n * classes], new float[size * n * n * 2],
                new float[size * n * n * 2], new float[size * n * n], new ArrayList<>());
    }

    /** The focal loss's weights of negatives, {@code (1 - heat)^4}, once every box is added. */
    void weighNegatives(Batch b) {
        for (int i = 0; i < b.heat().length; i++) {
            double q = 1 - b.heat()[i];
            b.negativeWeight()[i] = (float) (q * q * q * q);
        }
    }

    /**
     * Targets for one box, in input pixels: a Gaussian peak at its centre cell (CenterNet), and the box's log size
     * and centre offset at every cell where that Gaussian is at least {@value #REGRESSION_FLOOR}, weighted by it
     * (TTFNet), so a peak found one cell off still decodes the right box. Where two objects' Gaussians overlap,
     * a cell regresses the one it is nearer to.
     */
    void add(Batch b, int index, double x1, double y1, double x2, double y2, int channel) {
        int n = outputSize;
        double stride = (double) inputSize / n;
        double cx = (x1 + x2) / 2 / stride;
        double cy = (y1 + y2) / 2 / stride;
        double w = (x2 - x1) / stride;
        double h = (y2 - y1) / stride;
        int ix = Math.min(n - 1, (int) cx);
        int iy = Math.min(n - 1, (int) cy);
        double sigmaX = Math.max(0.35, 0.54 * w / 6);
        double sigmaY = Math.max(0.35, 0.54 * h / 6);
        int rx = (int) Math.ceil(3 * sigmaX);
        int ry = (int) Math.ceil(3 * sigmaY);
        for (int y = Math.max(0, iy - ry); y <= Math.min(n - 1, iy + ry); y++) {
            for (int x = Math.max(0, ix - rx); x <= Math.min(n - 1, ix + rx); x++) {
                double dx = x - ix;
                double dy = y - iy;
                float v = (float) Math.exp(-(dx * dx / (2 * sigmaX * sigmaX) + dy * dy / (2 * sigmaY * sigmaY)));
                int at = ((index * n + y) * n + x) * classes + channel;
                b.heat()[at] = Math.max(b.heat()[at], v);
                int cell = (index * n + y) * n + x;
                if (v >= REGRESSION_FLOOR && v > b.mask()[cell]) {
                    regress(b, cell, v, Math.log(w), Math.log(h), cx - x, cy - y);
                }
            }
        }
        int cell = (index * n + iy) * n + ix;
        b.heat()[cell * classes + channel] = 1;
        b.positive()[cell * classes + channel] = 1;
        regress(b, cell, 1, Math.log(w), Math.log(h), cx - ix, cy - iy);
    }

    private static void regress(Batch b, int cell, float weight, double logW, double logH, double dx, double dy) {
        b.sizes()[cell * 2] = (float) logW;
        b.sizes()[cell * 2 + 1] = (float) logH;
        b.offsets()[cell * 2] = (float) dx;
        b.offsets()[cell * 2 + 1] = (float) dy;
        b.mask()[cell] = weight;
    }

    /**
     * Neither object nor background: the cells under a box a mosaic seam cut down to a sliver
     * ({@link Augmenter#KEPT_VISIBLE}) keep no negative weight for its class (their Gaussian target is set to 1
     * without a positive).
     */
    void ignore(Batch b, int index, Box box) {
        int n = outputSize;
        double stride = (double) inputSize / n;
        for (int y = (int) (box.y1() / stride); y <= Math.min(n - 1, (int) (box.y2() / stride)); y++) {
            for (int x = (int) (box.x1() / stride); x <= Math.min(n - 1, (int) (box.x2() / stride)); x++) {
                b.heat()[((index * n + y) * n + x) * classes + box.channel()] = 1;
            }
        }
    }
}
