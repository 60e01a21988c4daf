package dev.annotate.train;

import dev.annotate.core.model.Layer;
import dev.annotate.core.model.Layer.Activation;
import dev.annotate.core.model.PrimitiveModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The primitive network with freshly initialised weights: a plain strided stack to stride 16, one upsampling
 * merge back to stride 8 (so large objects are seen whole while small ones keep their cells), and three 1x1
 * heads. Sized for a CPU: about 0.2 M parameters.
 */
final class Architecture {

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
        l.add(conv(rng, "p7", "c7", 1, 1, 64, 48, Activation.NONE));
        l.add(new Layer.Upsample("u7", "p7"));
        l.add(new Layer.Add("m", "c4", "u7"));
        l.add(conv(rng, "h", "m", 3, 1, 48, 48, Activation.RELU));
        Layer.Conv heat = conv(rng, PrimitiveModel.HEATMAP, "h", 1, 1, 48, classes, Activation.NONE);
        float[] prior = new float[classes];
        Arrays.fill(prior, HEATMAP_PRIOR_BIAS);
        l.add(heat.withWeights(scaled(heat.weights(), 0.1f), prior));
        Layer.Conv size = conv(rng, PrimitiveModel.SIZE, "h", 1, 1, 48, 2, Activation.NONE);
        l.add(size.withWeights(scaled(size.weights(), 0.1f), new float[] {1.5f, 1.5f}));
        Layer.Conv offset = conv(rng, PrimitiveModel.OFFSET, "h", 1, 1, 48, 2, Activation.NONE);
        l.add(offset.withWeights(scaled(offset.weights(), 0.1f), new float[] {0.5f, 0.5f}));
        return l;
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
