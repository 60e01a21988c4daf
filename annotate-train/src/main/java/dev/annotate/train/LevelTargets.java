package dev.annotate.train;

import dev.annotate.core.model.PrimitiveModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Training targets of {@linkplain PrimitiveModel.Heads#LEVELS level heads}, as NanoDet trains them: Adaptive
 * Training Sample Selection (ATSS, Zhang et al. 2020) decides which cells learn which box, and each learning cell
 * gets its class, its box and the box's distances as the two-bin targets of Distribution Focal Loss.
 *
 * <p>ATSS, per box: on each level the {@value #CANDIDATES_PER_LEVEL} cells whose centres are nearest the box's
 * centre are candidates; each candidate's square anchor ({@value #ANCHOR_SCALE} strides wide, on its centre) has
 * an IoU with the box; the candidates whose IoU is at least the mean plus the standard deviation of all
 * candidates' IoUs, and whose centre lies inside the box, learn it. A cell two boxes choose learns the one its
 * anchor overlaps most. The threshold adapts to each box: a box that fits one level's anchors well gets its cells
 * there, a box between levels from both. Where ATSS leaves a box no cell (a thin box, whose square anchors all
 * overlap it little), its best candidate inside it learns it, or the candidate nearest its centre.
 *
 * <p>Cells are numbered as the heads' outputs are concatenated: levels in stride order, cells row-major.
 */
final class LevelTargets {

    /** Candidate cells per level and box (ATSS's k). */
    static final int CANDIDATES_PER_LEVEL = 9;
    /** A cell's anchor side in strides (NanoDet's octave base scale). */
    static final double ANCHOR_SCALE = 5;
    /** A learning cell's centre lies at least this far inside its box, in pixels. */
    private static final double INSIDE = 0.01;

    /**
     * One batch's targets, flat: {@code classes} {@code [B, N, C]} one-hot on learning cells; {@code positive}
     * {@code [B, N, 1]}; {@code boxes} {@code [B, N, 4]} as {@code (x1, y1, x2, y2)} in input pixels;
     * {@code bins} {@code [B, N, 4, BINS]}: each side's distance in strides, clipped below {@code BINS - 1}, split
     * between the two bins around it in proportion to nearness.
     */
    record Targets(float[] classes, float[] positive, float[] boxes, float[] bins, int learning) {
    }

    private final int cells;
    private final double[] centreX;
    private final double[] centreY;
    private final int[] stride;
    private final int[] levelStart;

    LevelTargets(int inputSize) {
        this.cells = TfNetwork.levelCells(inputSize);
        centreX = new double[cells];
        centreY = new double[cells];
        stride = new int[cells];
        levelStart = new int[PrimitiveModel.LEVEL_STRIDES.size() + 1];
        int at = 0;
        for (int l = 0; l < PrimitiveModel.LEVEL_STRIDES.size(); l++) {
            int s = PrimitiveModel.LEVEL_STRIDES.get(l);
            int n = inputSize / s;
            levelStart[l] = at;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    centreX[at] = (x + 0.5) * s;
                    centreY[at] = (y + 0.5) * s;
                    stride[at] = s;
                    at++;
                }
            }
        }
        levelStart[PrimitiveModel.LEVEL_STRIDES.size()] = at;
    }

    /** The number of cells over all levels. */
    int cells() {
        return cells;
    }

    /** The targets of a batch of images' boxes (in input pixels) for {@code classes} classes. */
    Targets encode(List<List<TrainingData.Box>> images, int classes) {
        int batch = images.size();
        int bins = PrimitiveModel.BINS;
        float[] cls = new float[batch * cells * classes];
        float[] positive = new float[batch * cells];
        float[] boxes = new float[batch * cells * 4];
        float[] binTargets = new float[batch * cells * 4 * bins];
        int learning = 0;
        for (int i = 0; i < batch; i++) {
            List<TrainingData.Box> truth = images.get(i);
            int[] assigned = assign(truth);
            for (int c = 0; c < cells; c++) {
                if (assigned[c] < 0) {
                    continue;
                }
                learning++;
                TrainingData.Box box = truth.get(assigned[c]);
                int cell = i * cells + c;
                positive[cell] = 1;
                cls[cell * classes + box.channel()] = 1;
                boxes[cell * 4] = (float) box.x1();
                boxes[cell * 4 + 1] = (float) box.y1();
                boxes[cell * 4 + 2] = (float) box.x2();
                boxes[cell * 4 + 3] = (float) box.y2();
                double[] sides = {centreX[c] - box.x1(), centreY[c] - box.y1(), box.x2() - centreX[c],
                        box.y2() - centreY[c]};
                for (int side = 0; side < 4; side++) {
                    double t = Math.min(Math.max(sides[side] / stride[c], 0), bins - 1 - 0.01);
                    int left = (int) t;
                    int base = (cell * 4 + side) * bins;
                    binTargets[base + left] = (float) (left + 1 - t);
                    binTargets[base + left + 1] = (float) (t - left);
                }
            }
        }
        return new Targets(cls, positive, boxes, binTargets, learning);
    }

    /** Each cell's box index in {@code truth}, or -1 for background. */
    int[] assign(List<TrainingData.Box> truth) {
        int[] assigned = new int[cells];
        double[] best = new double[cells];
        Arrays.fill(assigned, -1);
        for (int g = 0; g < truth.size(); g++) {
            TrainingData.Box box = truth.get(g);
            double bx = (box.x1() + box.x2()) / 2;
            double by = (box.y1() + box.y2()) / 2;
            List<Integer> candidates = new ArrayList<>();
            for (int l = 0; l + 1 < levelStart.length; l++) {
                candidates.addAll(nearest(l, bx, by));
            }
            double[] iou = new double[candidates.size()];
            double sum = 0;
            for (int k = 0; k < iou.length; k++) {
                iou[k] = anchorIou(candidates.get(k), box);
                sum += iou[k];
            }
            double mean = sum / iou.length;
            double squares = 0;
            for (double v : iou) {
                squares += (v - mean) * (v - mean);
            }
            double threshold = mean + Math.sqrt(squares / Math.max(1, iou.length - 1));
            int fallback = -1;
            boolean learnt = false;
            for (int k = 0; k < iou.length; k++) {
                int c = candidates.get(k);
                double inside = Math.min(Math.min(centreX[c] - box.x1(), centreY[c] - box.y1()),
                        Math.min(box.x2() - centreX[c], box.y2() - centreY[c]));
                if (inside <= INSIDE) {
                    continue;
                }
                if (fallback < 0 || iou[k] > iou[fallback]) {
                    fallback = k;
                }
                if (iou[k] >= threshold && iou[k] > best[candidates.get(k)]) {
                    best[c] = iou[k];
                    assigned[c] = g;
                    learnt = true;
                }
            }
            if (!learnt) {
                // a thin box whose candidates inside it all fall below the threshold: its best one inside, or the
                // cell nearest its centre, so that no box goes unlearnt
                int k = Math.max(fallback, 0);
                int c = candidates.get(k);
                if (iou[k] >= best[c]) {
                    best[c] = iou[k];
                    assigned[c] = g;
                }
            }
        }
        return assigned;
    }

    /**
     * The {@value #CANDIDATES_PER_LEVEL} cells of a level (0 for the first stride) nearest {@code (x, y)}, nearest
     * first, equally near in cell order. They lie within 3 cells of
     * the cell holding the point (the 3x3 block around it is nearer than 2.5 cells), so only that window is sorted.
     */
    List<Integer> nearest(int level, double x, double y) {
        int from = levelStart[level];
        int side = (int) Math.round(Math.sqrt(levelStart[level + 1] - from));
        int stride = PrimitiveModel.LEVEL_STRIDES.get(level);
        int cx = Math.min(side - 1, (int) (x / stride));
        int cy = Math.min(side - 1, (int) (y / stride));
        List<Integer> window = new ArrayList<>();
        for (int row = Math.max(0, cy - 3); row <= Math.min(side - 1, cy + 3); row++) {
            for (int column = Math.max(0, cx - 3); column <= Math.min(side - 1, cx + 3); column++) {
                window.add(from + row * side + column);
            }
        }
        window.sort((a, b) -> Double.compare(distance(a, x, y), distance(b, x, y)));
        return window.subList(0, Math.min(CANDIDATES_PER_LEVEL, window.size()));
    }

    private double distance(int c, double x, double y) {
        double dx = centreX[c] - x;
        double dy = centreY[c] - y;
        return dx * dx + dy * dy;
    }

    private double anchorIou(int c, TrainingData.Box box) {
        double half = ANCHOR_SCALE * stride[c] / 2;
        double ax1 = centreX[c] - half;
        double ay1 = centreY[c] - half;
        double ax2 = centreX[c] + half;
        double ay2 = centreY[c] + half;
        double iw = Math.max(0, Math.min(ax2, box.x2()) - Math.max(ax1, box.x1()));
        double ih = Math.max(0, Math.min(ay2, box.y2()) - Math.max(ay1, box.y1()));
        double inter = iw * ih;
        double union = (ax2 - ax1) * (ay2 - ay1) + (box.x2() - box.x1()) * (box.y2() - box.y1()) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
