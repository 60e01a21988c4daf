package dev.annotate.pretrained;

import dev.annotate.core.FormatException;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovers a convolutional network's layers ({@link Layer}) from a TensorFlow graph as an ONNX-to-TensorFlow
 * conversion leaves it: every convolution wrapped in NCHW/NHWC transposes, its padding an explicit {@code Pad}
 * before it, its bias an {@code Add} after it, its activation a {@code LeakyRelu} after that; resizes to fixed
 * sizes. It follows the data from the input and rebuilds each step as one layer: transposes become nothing (the
 * layers are NHWC), a pad goes into the convolution or pooling that reads it, a bias and an activation into their
 * convolution, a resize to twice or half the side into a {@link Layer.Resize}, so the layers work at any input size
 * that is a multiple of the network's largest stride.
 *
 * <p>The input is taken as the original reads it, {@code normalise(BGR pixels in [0, 255])}; the recovered network
 * reads the project's input instead (RGB in {@code [0, 1]}): an {@link Layer.Affine} first layer scales and shifts
 * each channel, and the first convolution's input channels are reversed. Its zero padding then pads what the
 * original padded. Where a head's outputs are split ({@code SplitV}), the convolution before is a head, named
 * {@code head + stride}.
 *
 * <p>Anything else (another op in the data's path, a pad that is not symmetric, a stride or kernel a {@link Layer}
 * cannot hold) is refused with the node's name: this reads the networks it was written for, not any graph.
 */
final class GraphLayers {

    /** One channel order and normalisation: {@code (pixel - mean) / std} per channel, in the graph's order. */
    record InputNormalisation(boolean bgr, float[] mean, float[] std) {
    }

    private final TfjsGraphModel graph;
    private final Map<String, TfjsGraphModel.Node> nodes = new HashMap<>();
    private final Map<String, Value> values = new HashMap<>();
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, PendingConv> pending = new LinkedHashMap<>();
    private final InputNormalisation normalisation;
    private final String headPrefix;
    private int inputSide;
    private int counter;

    /** What a tensor of the graph is, once followed. */
    private sealed interface Value {
    }

    /** A layer's output, in the layout the graph holds it; a pad to apply when read, or none. */
    private record Tensor(String layer, boolean nchw, int side, int pad, float padValue, boolean bgr)
            implements Value {
        Tensor withLayout(boolean newNchw) {
            return new Tensor(layer, newNchw, side, pad, padValue, bgr);
        }
    }

    /** A constant of the manifest. */
    private record Constant(TfjsGraphModel.Weight weight) implements Value {
    }

    /** Shape arithmetic and outputs that are not the network's data: ignored. */
    private record Ignored() implements Value {
    }

    /** A convolution whose bias and activation may still come. */
    private static final class PendingConv {
        final String name;
        final String input;
        final int kernel;
        final int stride;
        final int in;
        final int out;
        final float[] weights;
        final Layer.Padding padding;
        float[] bias;
        Layer.Activation activation = Layer.Activation.NONE;

        PendingConv(String name, String input, int kernel, int stride, int in, int out, float[] weights,
                    Layer.Padding padding) {
            this.name = name;
            this.input = input;
            this.kernel = kernel;
            this.stride = stride;
            this.in = in;
            this.out = out;
            this.weights = weights;
            this.padding = padding;
            this.bias = new float[out];
        }
    }

    private GraphLayers(TfjsGraphModel graph, InputNormalisation normalisation, String headPrefix) {
        this.graph = graph;
        this.normalisation = normalisation;
        this.headPrefix = headPrefix;
        graph.nodes().forEach(n -> nodes.put(n.name(), n));
    }

    /**
     * The layers computing {@code outputs} (names of the graph's output nodes), in an order where each reads only
     * earlier ones.
     *
     * @return the layers, and the size of the graph's input
     */
    static Recovered recover(TfjsGraphModel graph, InputNormalisation normalisation, String headPrefix,
                             List<String> outputs) throws FormatException {
        GraphLayers g = new GraphLayers(graph, normalisation, headPrefix);
        for (String output : outputs) {
            g.value(output);
        }
        for (String name : List.copyOf(g.pending.keySet())) {
            g.materialise(name);
        }
        return new Recovered(List.copyOf(g.layers), g.inputSide);
    }

    /** The recovered layers, and the input size the graph was made for. */
    record Recovered(List<Layer> layers, int inputSide) {
    }

    private FormatException refuse(TfjsGraphModel.Node node, String problem) {
        return new FormatException(graph.file(), "node '" + node.name() + "' (" + node.op() + ")", problem);
    }

    private Value value(String input) throws FormatException {
        String name = input.startsWith("^") ? input.substring(1) : input;
        int colon = name.indexOf(':');
        String node = colon < 0 ? name : name.substring(0, colon);
        Value v = values.get(node);
        if (v == null) {
            TfjsGraphModel.Node n = nodes.get(node);
            if (n == null) {
                throw new FormatException(graph.file(), null, "input '" + input + "' names no node");
            }
            v = evaluate(n);
            values.put(node, v);
        }
        return v;
    }

    private Tensor tensor(TfjsGraphModel.Node node, int index) throws FormatException {
        Value v = value(node.inputs().get(index));
        if (v instanceof Tensor t) {
            return t;
        }
        throw refuse(node, "input " + index + " ('" + node.inputs().get(index) + "') is not the network's data");
    }

    private TfjsGraphModel.Weight constant(TfjsGraphModel.Node node, int index) throws FormatException {
        if (index < node.inputs().size() && value(node.inputs().get(index)) instanceof Constant c) {
            return c.weight();
        }
        throw refuse(node, "input " + index + " is not a constant");
    }

    private Value evaluate(TfjsGraphModel.Node n) throws FormatException {
        switch (n.op()) {
            case "Const": {
                TfjsGraphModel.Weight w = graph.weights().get(n.name());
                if (w == null) {
                    throw refuse(n, "a constant with no weight in the manifest");
                }
                return new Constant(w);
            }
            case "Placeholder": {
                TfjsGraphModel.Attr shape = n.attrs().get("shape");
                if (!(shape instanceof TfjsGraphModel.Attr.Shape s) || s.dims() == null || s.dims().size() != 4
                        || s.dims().get(1) != 3 || !s.dims().get(2).equals(s.dims().get(3))) {
                    throw refuse(n, "the input must be a square NCHW image of 3 channels, not " + shape);
                }
                inputSide = Math.toIntExact(s.dims().get(2));
                String affine = "normalise";
                float[] multiply = new float[3];
                float[] add = new float[3];
                for (int c = 0; c < 3; c++) {
                    // the project's input is RGB in [0, 1]; the graph's channel g reads pixel channel g, or 2 - g
                    int g = normalisation.bgr() ? 2 - c : c;
                    multiply[c] = 255f / normalisation.std()[g];
                    add[c] = -normalisation.mean()[g] / normalisation.std()[g];
                }
                layers.add(new Layer.Affine(affine, PrimitiveModel.INPUT, multiply, add));
                return new Tensor(affine, true, inputSide, 0, 0, normalisation.bgr());
            }
            case "Transpose": {
                Value in = value(n.inputs().get(0));
                if (in instanceof Ignored) {
                    return in;
                }
                Tensor t = tensor(n, 0);
                int[] perm = constant(n, 1).ints();
                if (Arrays.equals(perm, new int[] {0, 2, 3, 1}) && t.nchw()) {
                    return t.withLayout(false);
                }
                if (Arrays.equals(perm, new int[] {0, 3, 1, 2}) && !t.nchw()) {
                    return t.withLayout(true);
                }
                throw refuse(n, "transposes by " + Arrays.toString(perm) + " a tensor held "
                        + (t.nchw() ? "NCHW" : "NHWC") + "; only turning between the two is followed");
            }
            case "Pad":
            case "PadV2": {
                Tensor t = tensor(n, 0);
                int[] p = constant(n, 1).ints();
                int h = t.nchw() ? 2 : 1;
                int w = t.nchw() ? 3 : 2;
                int c = t.nchw() ? 1 : 3;
                int pad = p[2 * h];
                if (p.length != 8 || p[0] != 0 || p[1] != 0 || p[2 * c] != 0 || p[2 * c + 1] != 0
                        || p[2 * h + 1] != pad || p[2 * w] != pad || p[2 * w + 1] != pad || t.pad() != 0) {
                    throw refuse(n, "pads " + Arrays.toString(p) + "; only the same padding on every side of height"
                            + " and width is followed");
                }
                float padValue = n.op().equals("PadV2") ? constant(n, 2).floats()[0] : 0f;
                return new Tensor(t.layer(), t.nchw(), t.side(), pad, padValue, t.bgr());
            }
            case "Conv2D":
                return conv(n);
            case "Add":
            case "AddV2":
                return add(n);
            case "LeakyRelu": {
                Tensor t = tensor(n, 0);
                TfjsGraphModel.Attr alpha = n.attrs().get("alpha");
                PendingConv c = pending.get(t.layer());
                if (c == null || c.activation != Layer.Activation.NONE || t.pad() != 0
                        || !(alpha instanceof TfjsGraphModel.Attr.Float f) || Math.abs(f.value() - 0.1f) > 1e-6f) {
                    throw refuse(n, "a leaky ReLU must follow a convolution and its bias, with alpha 0.1");
                }
                c.activation = Layer.Activation.LEAKY_RELU;
                return t;
            }
            case "MaxPool": {
                Tensor t = tensor(n, 0);
                if (t.nchw() || !List.of(1L, 3L, 3L, 1L).equals(n.ints("ksize"))
                        || !List.of(1L, 2L, 2L, 1L).equals(n.ints("strides")) || !"VALID".equals(n.string("padding"))
                        || t.pad() != 1 || t.padValue() != Float.NEGATIVE_INFINITY) {
                    throw refuse(n, "only a 3x3 max pool at stride 2 on NHWC data padded by one pixel of -infinity"
                            + " is followed");
                }
                String name = "pool" + (++counter);
                layers.add(new Layer.MaxPool(name, materialise(t.layer())));
                return new Tensor(name, false, (t.side() + 1) / 2, 0, 0, false);
            }
            case "ConcatV2": {
                int count = n.inputs().size() - 1;
                int axis = constant(n, count).ints()[0];
                List<String> inputs = new ArrayList<>();
                Tensor first = tensor(n, 0);
                for (int i = 0; i < count; i++) {
                    Tensor t = tensor(n, i);
                    if (t.nchw() != first.nchw() || t.side() != first.side() || t.pad() != 0) {
                        throw refuse(n, "joins tensors of different layouts or sides");
                    }
                    inputs.add(materialise(t.layer()));
                }
                if (axis != (first.nchw() ? 1 : 3)) {
                    throw refuse(n, "joins along axis " + axis + "; only the channels are followed");
                }
                String name = "concat" + (++counter);
                layers.add(new Layer.Concat(name, inputs));
                return new Tensor(name, first.nchw(), first.side(), 0, 0, false);
            }
            case "ResizeBilinear": {
                Tensor t = tensor(n, 0);
                int[] size = constant(n, 1).ints();
                boolean halfPixel = n.attrs().get("half_pixel_centers") instanceof TfjsGraphModel.Attr.Bool b
                        && b.value();
                if (t.nchw() || !halfPixel || size.length != 2 || size[0] != size[1]
                        || size[0] != 2 * t.side() && 2 * size[0] != t.side()) {
                    throw refuse(n, "only a half-pixel bilinear resize of NHWC data to twice or half its side ("
                            + t.side() + ") is followed, not to " + Arrays.toString(size));
                }
                boolean up = size[0] == 2 * t.side();
                String name = (up ? "up" : "down") + (++counter);
                layers.add(new Layer.Resize(name, materialise(t.layer()), up));
                return new Tensor(name, false, size[0], 0, 0, false);
            }
            case "SplitV": {
                Tensor t = tensor(n, 0);
                PendingConv c = pending.remove(t.layer());
                if (c == null) {
                    throw refuse(n, "splits what no convolution made; only a head's outputs are split");
                }
                String name = headPrefix + inputSide / t.side();
                layers.add(new Layer.Conv(name, c.input, c.kernel, c.stride, c.in, c.out, c.activation, c.weights,
                        c.bias, c.padding));
                return new Ignored();
            }
            case "Sigmoid":
            case "Reshape":
            case "Identity":
            case "SparseToDense":
                // a head's decoding and its shape arithmetic: the detector does its own; what they read is
                // followed, for the heads before them
                for (String input : n.inputs()) {
                    value(input);
                }
                return new Ignored();
            default:
                throw refuse(n, "op " + n.op() + " is not followed");
        }
    }

    private Value conv(TfjsGraphModel.Node n) throws FormatException {
        Tensor t = tensor(n, 0);
        TfjsGraphModel.Weight kernel = constant(n, 1);
        int[] shape = kernel.shape();
        List<Long> strides = n.ints("strides");
        if (t.nchw() || shape.length != 4 || shape[0] != shape[1] || shape[0] % 2 == 0 || strides == null
                || strides.size() != 4 || !strides.get(1).equals(strides.get(2)) || strides.get(1) < 1
                || strides.get(1) > 2 || !"VALID".equals(n.string("padding"))) {
            throw refuse(n, "only an NHWC convolution of a square odd kernel at stride 1 or 2, VALID after an explicit"
                    + " pad, is followed");
        }
        int k = shape[0];
        if (t.pad() != (k - 1) / 2 || t.pad() > 0 && t.padValue() != 0f) {
            throw refuse(n, "a " + k + "x" + k + " kernel padded by " + t.pad() + " pixel(s); only " + (k - 1) / 2
                    + " zeros on every side are followed");
        }
        int stride = strides.get(1).intValue();
        float[] w = kernel.floats();
        int in = shape[2];
        int out = shape[3];
        if (t.bgr()) {
            // the graph's input channel g is pixel channel 2 - g; the layers read RGB
            float[] rgb = new float[w.length];
            for (int yx = 0; yx < k * k; yx++) {
                for (int c = 0; c < in; c++) {
                    System.arraycopy(w, (yx * in + (in - 1 - c)) * out, rgb, (yx * in + c) * out, out);
                }
            }
            w = rgb;
        }
        String name = "conv" + (++counter);
        pending.put(name, new PendingConv(name, materialise(t.layer()), k, stride, in, out, w,
                Layer.Padding.SYMMETRIC));
        return new Tensor(name, false, (t.side() + stride - 1) / stride, 0, 0, false);
    }

    private Value add(TfjsGraphModel.Node n) throws FormatException {
        Value left = value(n.inputs().get(0));
        Value right = value(n.inputs().get(1));
        if (left instanceof Ignored || right instanceof Ignored || left instanceof Constant
                && right instanceof Constant) {
            return new Ignored();
        }
        if (left instanceof Tensor t && right instanceof Constant c) {
            PendingConv conv = pending.get(t.layer());
            if (conv == null || conv.activation != Layer.Activation.NONE || t.pad() != 0
                    || c.weight().shape().length != 1 || c.weight().shape()[0] != conv.out) {
                throw refuse(n, "adds a constant to something other than a convolution's output: only a bias is"
                        + " followed");
            }
            conv.bias = c.weight().floats();
            return t;
        }
        if (left instanceof Tensor a && right instanceof Tensor b && a.nchw() == b.nchw() && a.side() == b.side()
                && a.pad() == 0 && b.pad() == 0) {
            String name = "add" + (++counter);
            layers.add(new Layer.Add(name, materialise(a.layer()), materialise(b.layer())));
            return new Tensor(name, a.nchw(), a.side(), 0, 0, false);
        }
        throw refuse(n, "adds tensors of different layouts or sides");
    }

    /** The layer's name, its convolution emitted first if it was still waiting for a bias or activation. */
    private String materialise(String layer) {
        PendingConv c = pending.remove(layer);
        if (c != null) {
            layers.add(new Layer.Conv(c.name, c.input, c.kernel, c.stride, c.in, c.out, c.activation, c.weights,
                    c.bias, c.padding));
        }
        return layer;
    }
}
