package dev.annotate.train;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.Layer.Activation;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.pretrained.NanoDet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The primitive network with freshly initialised weights: a plain strided stack to stride 16 and a context stage
 * at stride 32, merged back to stride 16 and then to stride 8 by upsampling (so large objects are seen whole while
 * small ones keep their cells), and three 1x1 heads. Sized for a CPU: about 0.3 M parameters.
 *
 * <p>The context stage (#20) widens what a cell at stride 8 sees from 127 to 255 input pixels: without it an object
 * filling a 256-pixel input was judged from its middle half. Measured at 2,800 steps on the trainer benchmark, with
 * the photometric training changes: photographic-style domain mAP 0.28 → 0.31, recall at the default score 0.33 →
 * 0.38, objects wider than 35% of the image found with a score of 0.5 or more 82 → 130 of 335; generated domain mAP
 * 0.940 → 0.938 (within run-to-run variation); training 7% slower per step.
 */
final class Architecture {

    /** The heads' stride in input pixels. */
    static final int STRIDE = 8;

    /** Heatmap prior: sigmoid(-2.19) = 0.1, CenterNet's start that keeps the focal loss stable. */
    private static final float HEATMAP_PRIOR_BIAS = -2.19f;

    private Architecture() {
    }

    static List<Layer> initial(int classes, long seed) {
        Random rng = new Random(seed);
        List<Layer> l = new ArrayList<>();
        l.add(conv(rng, "c1", PrimitiveModel.INPUT, 3, 2, 3, 16, Activation.RELU));
        l.add(conv(rng, "c2", "c1", 3, 2, 16, 32, Activation.RELU));
        l.add(conv(rng, "c3", "c2", 3, 2, 32, 48, Activation.RELU));
        l.add(conv(rng, "c4", "c3", 3, 1, 48, 48, Activation.RELU));
        l.add(conv(rng, "c5", "c4", 3, 2, 48, 64, Activation.RELU));
        l.add(conv(rng, "c6", "c5", 3, 1, 64, 64, Activation.RELU));
        l.add(conv(rng, "c7", "c6", 3, 1, 64, 64, Activation.RELU));
        l.add(conv(rng, "c8", "c7", 3, 2, 64, 64, Activation.RELU));
        l.add(conv(rng, "c9", "c8", 3, 1, 64, 64, Activation.RELU));
        l.add(conv(rng, "p9", "c9", 1, 1, 64, 64, Activation.NONE));
        l.add(new Layer.Upsample("u9", "p9"));
        l.add(new Layer.Add("m16", "c7", "u9"));
        l.add(conv(rng, "p7", "m16", 1, 1, 64, 48, Activation.NONE));
        l.add(new Layer.Upsample("u7", "p7"));
        l.add(new Layer.Add("m", "c4", "u7"));
        l.add(conv(rng, "h", "m", 3, 1, 48, 48, Activation.RELU));
        l.add(heatmap(rng, "h", 48, classes));
        Layer.Conv size = conv(rng, PrimitiveModel.SIZE, "h", 1, 1, 48, 2, Activation.NONE);
        l.add(size.withWeights(scaled(size.weights(), 0.1f), new float[] {1.5f, 1.5f}));
        Layer.Conv offset = conv(rng, PrimitiveModel.OFFSET, "h", 1, 1, 48, 2, Activation.NONE);
        l.add(offset.withWeights(scaled(offset.weights(), 0.1f), new float[] {0.5f, 0.5f}));
        return l;
    }

    /**
     * The layers of an earlier model, for a warm start from it whatever version of the trainer made it: the same
     * layers, with a fresh heatmap head of {@code classes} channels, or level heads whose class channels are the
     * earlier model's by name and fresh for new classes (a warm start then copies the earlier weights, those of
     * the heatmap class by class).
     */
    static List<Layer> following(PrimitiveModel earlier, LabelMap classes, long seed) {
        if (earlier.stride() != STRIDE) {
            throw new IllegalArgumentException("the model to start from has heads at stride " + earlier.stride()
                    + ", this trainer's at " + STRIDE + ": it was made by another version of the trainer; train from"
                    + " scratch instead");
        }
        Random rng = new Random(seed);
        List<String> known = earlier.labels().entries().stream().map(LabelMap.Entry::name).toList();
        List<Layer> l = new ArrayList<>();
        for (Layer layer : earlier.layers()) {
            if (layer instanceof Layer.Conv c && c.name().equals(PrimitiveModel.HEATMAP)) {
                l.add(heatmap(rng, c.input(), c.inChannels(), classes.size()));
            } else if (layer instanceof Layer.Conv c && isLevelHead(c.name())) {
                l.add(levelHead(rng, c, known, classes));
            } else {
                l.add(layer);
            }
        }
        return l;
    }

    /**
     * NanoDet-g whole, with its own heads (Generalized Focal Loss, {@link PrimitiveModel.Heads#LEVELS}) cut to
     * {@code classes}: each level's 1x1 head keeps COCO's 44 box-distance channels as trained (class-agnostic, so
     * boxes come pretrained), and a class whose name COCO knows takes COCO's class channel; other classes start
     * with small weights and NanoDet's prior bias (a score of 0.01).
     */
    static List<Layer> pretrained(LabelMap classes, long seed) {
        Random rng = new Random(seed);
        List<Layer> l = new ArrayList<>();
        for (Layer layer : NanoDet.coco().layers()) {
            l.add(layer instanceof Layer.Conv c && isLevelHead(c.name()) ? levelHead(rng, c, NanoDet.COCO_CLASSES,
                    classes) : layer);
        }
        return l;
    }

    /** NanoDet's initial class bias: sigmoid(-4.595) = 0.01. */
    private static final float LEVEL_PRIOR_BIAS = -4.595f;

    /** Whether a layer of this name is one of {@link PrimitiveModel.Heads#LEVELS}' heads. */
    static boolean isLevelHead(String name) {
        return PrimitiveModel.LEVEL_STRIDES.stream().anyMatch(s -> name.equals(PrimitiveModel.LEVEL_HEAD + s));
    }

    /**
     * A level head for {@code classes} in place of {@code earlier} (whose class channels are {@code known}): its
     * box channels, and the class channels of classes it knew by name; fresh class channels elsewhere.
     */
    private static Layer.Conv levelHead(Random rng, Layer.Conv earlier, List<String> known, LabelMap classes) {
        int boxes = 4 * PrimitiveModel.BINS;
        int in = earlier.inChannels();
        int out = classes.size() + boxes;
        int before = earlier.outChannels();
        float[] pw = earlier.weights();
        float[] w = new float[in * out];
        float[] b = new float[out];
        for (int j = 0; j < out; j++) {
            int from = j >= classes.size() ? before - boxes + j - classes.size()
                    : known.indexOf(classes.entries().get(j).name());
            for (int i = 0; i < in; i++) {
                w[i * out + j] = from >= 0 ? pw[i * before + from] : (float) (rng.nextGaussian() * 0.01);
            }
            b[j] = from >= 0 ? earlier.bias()[from] : LEVEL_PRIOR_BIAS;
        }
        return new Layer.Conv(earlier.name(), earlier.input(), 1, 1, in, out, Layer.Activation.NONE, w, b,
                earlier.padding());
    }

    /**
     * Whether {@code layers} hold NanoDet-g's pretrained backbone: a pretrained start, or a warm start from a model
     * that had one.
     */
    static boolean pretrainedBackbone(List<Layer> layers) {
        Set<String> names = new HashSet<>();
        layers.forEach(x -> names.add(x.name()));
        return names.containsAll(NanoDet.coco().backbone()) && layers.get(0) instanceof Layer.Affine;
    }

    /**
     * The layers training leaves as they are: NanoDet-g's backbone where {@code layers} hold it, else none. Measured
     * on the raccoon photographs (5 folds, 3 minutes, FoldBenchmark, fine-tuning augmentation): the whole backbone
     * frozen, about 770 steps a fold, pooled precision / recall / AP@0.5 0.900 / 0.917 / 0.947; its last stage
     * trained too (stride 32: 8 of its 25 convolutions, 2.4 M of its 3.2 M weights), 400-570 steps, 0.914 / 0.931 /
     * 0.947 and 0.870 / 0.926 / 0.946 in two runs; on drawn scenes (TrainerBenchmark) mAP 0.946 frozen against
     * 0.938 with two thirds of the steps. Frozen is as good, simpler and faster.
     */
    static Set<String> frozen(List<Layer> layers) {
        return pretrainedBackbone(layers) ? NanoDet.coco().backbone() : Set.of();
    }

    /** A heatmap head: small weights and the prior bias. */
    private static Layer.Conv heatmap(Random rng, String input, int in, int classes) {
        Layer.Conv heat = conv(rng, PrimitiveModel.HEATMAP, input, 1, 1, in, classes, Activation.NONE);
        float[] prior = new float[classes];
        Arrays.fill(prior, HEATMAP_PRIOR_BIAS);
        return heat.withWeights(scaled(heat.weights(), 0.1f), prior);
    }

    /** He-normal weights, zero bias. */
    private static Layer.Conv conv(Random rng, String name, String input, int k, int stride, int in, int out,
                                   Activation activation) {
        float[] w = new float[k * k * in * out];
        double std = Math.sqrt(2.0 / (k * k * in));
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
        return new Layer.Conv(name, input, k, stride, in, out, activation, w, new float[out]);
    }

    private static float[] scaled(float[] v, float factor) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return v;
    }
}
