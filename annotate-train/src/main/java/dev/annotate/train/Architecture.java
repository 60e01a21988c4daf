package dev.annotate.train;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.Layer.Activation;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.pretrained.NanoDet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
     * layers, with a fresh heatmap head of {@code classes} channels (a warm start then copies the earlier weights,
     * those of the heatmap class by class).
     */
    static List<Layer> following(PrimitiveModel earlier, int classes, long seed) {
        if (earlier.stride() != STRIDE) {
            throw new IllegalArgumentException("the model to start from has heads at stride " + earlier.stride()
                    + ", this trainer's at " + STRIDE + ": it was made by another version of the trainer; train from"
                    + " scratch instead");
        }
        Random rng = new Random(seed);
        List<Layer> l = new ArrayList<>();
        for (Layer layer : earlier.layers()) {
            l.add(layer instanceof Layer.Conv c && c.name().equals(PrimitiveModel.HEATMAP)
                    ? heatmap(rng, c.input(), c.inChannels(), classes) : layer);
        }
        return l;
    }

    /**
     * NanoDet-g's backbone and feature pyramid with the primitive model's heads at stride 8, reading all three
     * levels: the 3x3 convolutions NanoDet's own heads read at strides 8, 16 and 32 (pretrained), the coarser two
     * brought to stride 8 (bilinear), side by side. Objects of every size then have features made for their size
     * in every cell: NanoDet assigns large objects to stride 32, and the stride-8 level alone was measured worse on
     * photographs of large animals. A class whose name COCO knows takes each level's COCO class weights and their
     * mean bias as its heatmap channel; other classes start as {@link #initial} starts them.
     */
    static List<Layer> pretrained(LabelMap classes, long seed) {
        NanoDet.Network net = NanoDet.coco();
        Map<String, Layer> byName = new HashMap<>();
        net.layers().forEach(l -> byName.put(l.name(), l));
        List<Layer.Conv> cocoHeads = NanoDet.STRIDES.stream().map(s -> (Layer.Conv) byName.get(NanoDet.HEAD + s))
                .toList();
        Set<String> needed = new HashSet<>();
        cocoHeads.forEach(h -> ancestors(h.input(), byName, needed));
        List<Layer> l = new ArrayList<>(net.layers().stream().filter(x -> needed.contains(x.name())).toList());
        l.add(new Layer.Resize("level16_up", cocoHeads.get(1).input(), true));
        l.add(new Layer.Resize("level32_up", cocoHeads.get(2).input(), true));
        l.add(new Layer.Resize("level32_up2", "level32_up", true));
        l.add(new Layer.Concat(FEATURES, List.of(cocoHeads.get(0).input(), "level16_up", "level32_up2")));
        Random rng = new Random(seed);
        int level = cocoHeads.get(0).inChannels();
        int in = level * cocoHeads.size();
        Layer.Conv heat = heatmap(rng, FEATURES, in, classes.size());
        float[] w = heat.weights();
        float[] b = heat.bias();
        for (int j = 0; j < classes.size(); j++) {
            int k = NanoDet.COCO_CLASSES.indexOf(classes.entries().get(j).name());
            if (k < 0) {
                continue;
            }
            b[j] = 0;
            for (int h = 0; h < cocoHeads.size(); h++) {
                Layer.Conv coco = cocoHeads.get(h);
                float[] cw = coco.weights();
                for (int i = 0; i < level; i++) {
                    w[(h * level + i) * classes.size() + j] = cw[i * coco.outChannels() + k];
                }
                b[j] += coco.bias()[k] / cocoHeads.size();
            }
        }
        l.add(heat.withWeights(w, b));
        Layer.Conv size = conv(rng, PrimitiveModel.SIZE, FEATURES, 1, 1, in, 2, Activation.NONE);
        l.add(size.withWeights(scaled(size.weights(), 0.1f), new float[] {1.5f, 1.5f}));
        Layer.Conv offset = conv(rng, PrimitiveModel.OFFSET, FEATURES, 1, 1, in, 2, Activation.NONE);
        l.add(offset.withWeights(scaled(offset.weights(), 0.1f), new float[] {0.5f, 0.5f}));
        return l;
    }

    /** The pretrained network's three levels side by side at stride 8, which its heads read. */
    static final String FEATURES = "features";

    /**
     * The layers training leaves as they are: NanoDet's backbone where {@code layers} hold it (a pretrained start,
     * or a warm start from a model that had one), else none.
     */
    static Set<String> frozen(List<Layer> layers) {
        Set<String> backbone = NanoDet.coco().backbone();
        Set<String> names = new HashSet<>();
        layers.forEach(x -> names.add(x.name()));
        return names.containsAll(backbone) && layers.get(0) instanceof Layer.Affine ? backbone : Set.of();
    }

    private static void ancestors(String name, Map<String, Layer> byName, Set<String> out) {
        Layer layer = byName.get(name);
        if (layer == null || !out.add(name)) {
            return;
        }
        if (layer instanceof Layer.Conv c) {
            ancestors(c.input(), byName, out);
        } else if (layer instanceof Layer.Add a) {
            ancestors(a.left(), byName, out);
            ancestors(a.right(), byName, out);
        } else if (layer instanceof Layer.Concat c) {
            c.inputs().forEach(i -> ancestors(i, byName, out));
        } else if (layer instanceof Layer.Resize r) {
            ancestors(r.input(), byName, out);
        } else if (layer instanceof Layer.MaxPool m) {
            ancestors(m.input(), byName, out);
        } else if (layer instanceof Layer.Affine a) {
            ancestors(a.input(), byName, out);
        } else if (layer instanceof Layer.Upsample u) {
            ancestors(u.input(), byName, out);
        }
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
