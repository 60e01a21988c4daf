package dev.annotate.train;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Starts training from an earlier model instead of random weights.
 *
 * <p>Every layer takes the earlier model's weights; the heatmap head takes them per class, by name, so a class
 * added to the label map starts from the fresh head's small weights and prior (and a removed one is dropped).
 * The earlier model's convolutions have their batch normalisation folded in; training normalises again, so each
 * normalised layer's scale and offset start at the standard deviation and mean of its folded output on a batch of
 * the new data, and its moving statistics at that batch's: at step 0 the network computes what the earlier model
 * computed, and a model exported without training is that model again.
 */
final class WarmStart {

    /** A normalised layer's starting scale, offset and moving statistics. */
    record Normalisation(float[] gamma, float[] beta, float[] mean, float[] variance) {
    }

    private WarmStart() {
    }

    /**
     * The fresh architecture's layers with the earlier model's weights.
     *
     * @param fresh the layers for {@code classes}, freshly initialised
     * @throws IllegalArgumentException if the earlier model's network differs from the architecture (another
     *     version's trainer), naming the layer
     */
    static List<Layer> layers(PrimitiveModel previous, List<Layer> fresh, LabelMap classes) {
        Map<String, Layer.Conv> earlier = new HashMap<>();
        previous.layers().forEach(l -> {
            if (l instanceof Layer.Conv c) {
                earlier.put(c.name(), c);
            }
        });
        List<Layer> out = new ArrayList<>();
        for (Layer layer : fresh) {
            if (!(layer instanceof Layer.Conv c)) {
                out.add(layer);
                continue;
            }
            Layer.Conv p = earlier.get(c.name());
            boolean heat = c.name().equals(PrimitiveModel.HEATMAP);
            if (p == null || p.kernel() != c.kernel() || p.stride() != c.stride() || p.inChannels() != c.inChannels()
                    || p.activation() != c.activation() || p.padding() != c.padding() || !p.input().equals(c.input())
                    || !heat && p.outChannels() != c.outChannels()) {
                throw new IllegalArgumentException("the model to start from has " + (p == null ? "no layer '"
                        + c.name() + "'" : "another layer '" + c.name() + "'") + ": it was made by another version"
                        + " of the trainer; train from scratch instead");
            }
            out.add(heat ? heatmap(c, p, previous.labels(), classes) : c.withWeights(p.weights(), p.bias()));
        }
        return out;
    }

    /** The fresh heatmap head with each class the earlier model knew taking that class's weights. */
    private static Layer.Conv heatmap(Layer.Conv fresh, Layer.Conv earlier, LabelMap before, LabelMap classes) {
        float[] w = fresh.weights();
        float[] b = fresh.bias();
        float[] pw = earlier.weights();
        int out = fresh.outChannels();
        int pout = earlier.outChannels();
        int rows = w.length / out;
        for (int j = 0; j < out; j++) {
            OptionalInt i = channel(before, classes.entries().get(j).name());
            if (i.isEmpty()) {
                continue; // a new class: the fresh start
            }
            for (int r = 0; r < rows; r++) {
                w[r * out + j] = pw[r * pout + i.getAsInt()];
            }
            b[j] = earlier.bias()[i.getAsInt()];
        }
        return fresh.withWeights(w, b);
    }

    private static OptionalInt channel(LabelMap labels, String name) {
        List<LabelMap.Entry> entries = labels.entries();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).name().equals(name)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Each normalised layer's starting values, from its folded output on {@code images} (NHWC, values in [0, 1]).
     *
     * @param trained the layers training changes: their activated convolutions are normalised
     * @param layers the warm layers, batch normalisation folded in
     */
    static Map<String, Normalisation> normalisation(List<Layer> trained, List<Layer> layers, float[] images,
                                                    int batch, int inputSize, float epsilon) {
        Map<String, Normalisation> out = new LinkedHashMap<>();
        List<Layer.Conv> normalised = trained.stream().filter(l -> l instanceof Layer.Conv c
                && c.activation() != Layer.Activation.NONE).map(l -> (Layer.Conv) l).toList();
        if (normalised.isEmpty()) {
            return out; // a hand-made model: TensorFlow refuses a run that fetches nothing
        }
        try (Graph g = new Graph(); Session session = new Session(g)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> input = tf.placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, inputSize, inputSize, 3)));
            Map<String, Operand<TFloat32>> before = new LinkedHashMap<>();
            TfNetwork.forward(tf, input, inputSize, layers, (c, x) -> {
                Operand<TFloat32> y = TfNetwork.constantConv(tf, c, x);
                if (c.activation() != Layer.Activation.NONE) {
                    // fetched through an identity: oneDNN's remapper fuses a convolution, its bias and its leaky
                    // ReLU into one node and then cannot find the bias node a fetch names (NanoDet's backbone
                    // convolutions; "Tensor BiasAdd_17:0 ... was not found in the Graph")
                    before.put(c.name(), tf.identity(y));
                }
                return y;
            });
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(batch, inputSize, inputSize, 3),
                    DataBuffers.of(images, true, false))) {
                Session.Runner runner = session.runner().feed(input, x);
                normalised.forEach(c -> runner.fetch(before.get(c.name())));
                try (var result = runner.run()) {
                    for (int k = 0; k < normalised.size(); k++) {
                        Layer.Conv c = normalised.get(k);
                        out.put(c.name(), statistics((TFloat32) result.get(k), c, epsilon));
                    }
                }
            }
        }
        return out;
    }

    private static Normalisation statistics(TFloat32 folded, Layer.Conv c, float epsilon) {
        float[] v = new float[(int) folded.size()];
        folded.copyTo(DataBuffers.of(v, false, false));
        int channels = c.outChannels();
        double[] sum = new double[channels];
        double[] squares = new double[channels];
        for (int i = 0; i < v.length; i++) {
            sum[i % channels] += v[i];
            squares[i % channels] += (double) v[i] * v[i];
        }
        long n = v.length / channels;
        float[] gamma = new float[channels];
        float[] beta = new float[channels];
        float[] mean = new float[channels];
        float[] variance = new float[channels];
        for (int o = 0; o < channels; o++) {
            double m = sum[o] / n;
            double var = Math.max(0, squares[o] / n - m * m);
            gamma[o] = (float) Math.sqrt(var + epsilon);
            beta[o] = (float) m;
            mean[o] = (float) (m - c.bias()[o]); // the training graph's convolution has no bias of its own
            variance[o] = (float) var;
        }
        return new Normalisation(gamma, beta, mean, variance);
    }
}
