package dev.annotate.onnx;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.graph.Attribute;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import dev.annotate.onnx.graph.Tensor;
import dev.annotate.onnx.proto.GraphProto;
import dev.annotate.onnx.proto.ModelProto;
import dev.annotate.onnx.proto.NodeProto;
import dev.annotate.onnx.proto.StringStringEntryProto;
import dev.annotate.onnx.proto.TensorProto;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@link PrimitiveModel} as an ONNX model with the TF Object Detection API's inputs and outputs
 * ({@code input_tensor} uint8 {@code [1, H, W, 3]}; {@code detection_boxes}, {@code detection_scores},
 * {@code detection_classes}, {@code num_detections}), so {@link OnnxLayout#TF_OD_API} runs it, and the same
 * images give the same detections as the SavedModel export of the same model. The class names go into the
 * {@code names} metadata ({@code {0: 'race car', ...}}, key = label-map id - 1, as {@link OnnxLayout} reads it),
 * so the file alone names its detections, and the size it resizes images to into {@value #INPUT_SIZE_METADATA}.
 * IR 8, opset 17; every input and output is typed.
 *
 * <pre>{@code
 * OnnxExport.write(model, Path.of("my-model/model.onnx"));
 * }</pre>
 */
public final class OnnxExport {

    /**
     * The metadata key saying the size (square) the graph resizes every image to, whatever size it is fed: a
     * detector need not decode a large image at more than that ({@link dev.annotate.core.DetectorOptions#decodeSize()}).
     */
    public static final String INPUT_SIZE_METADATA = dev.annotate.core.DecodeSize.STATED_BY_MODEL;

    /** The slope of {@link Layer.Activation#LEAKY_RELU} below zero. */
    private static final float LEAKY_SLOPE = 0.1f;

    private OnnxExport() {
    }

    /**
     * Reads back a model this class wrote: its network, label map, detection count and score calibration, so an
     * earlier model can be trained further (the trainer's warm start). {@code read(write(m))} writes the same bytes
     * as {@code m}.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file, if it is not a primitive model written by this class
     */
    public static PrimitiveModel read(Path file) throws IOException {
        ModelProto proto;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            proto = ModelProto.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(file + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        try {
            return primitive(proto);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException(file + ": not a primitive model written by annotate ("
                    + e.getMessage() + ")", e);
        }
    }

    private static PrimitiveModel primitive(ModelProto proto) {
        GraphProto graph = proto.getGraph();
        Map<String, TensorProto> init = new java.util.HashMap<>();
        graph.getInitializerList().forEach(t -> init.put(t.getName(), t));
        long[] inputSize = longs(required(init, "input_size"));
        float[] ids = floats(required(init, "class_ids"));
        String namesText = proto.getMetadataPropsList().stream().filter(p -> p.getKey().equals("names"))
                .map(StringStringEntryProto::getValue).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no 'names' metadata"));
        Map<Long, String> names = dev.annotate.onnx.internal.PythonDictLiteral.parse(namesText);
        List<LabelMap.Entry> entries = new java.util.ArrayList<>();
        for (float id : ids) {
            String name = names.get((long) id - 1);
            if (name == null) {
                throw new IllegalArgumentException("class id " + (int) id + " has no name in the metadata");
            }
            entries.add(LabelMap.Entry.of((int) id, name));
        }
        List<Layer> layers = new java.util.ArrayList<>();
        List<String> centres = List.of(PrimitiveModel.HEATMAP, PrimitiveModel.SIZE, PrimitiveModel.OFFSET);
        List<String> levels = PrimitiveModel.LEVEL_STRIDES.stream().map(s -> PrimitiveModel.LEVEL_HEAD + s).toList();
        java.util.Set<String> defined = new java.util.HashSet<>(List.of(PrimitiveModel.INPUT));
        java.util.Set<String> skip = new java.util.HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if (defined.containsAll(centres) || defined.containsAll(levels)) {
                break; // every layer read: what follows is the decoder
            }
            boolean network = !node.getInputList().isEmpty() && defined.contains(node.getInput(0));
            if (!network) {
                continue;
            }
            String out = node.getOutput(0);
            switch (node.getOpType()) {
                case "Conv" -> {
                    boolean activated = out.endsWith("_linear");
                    String name = activated ? out.substring(0, out.length() - "_linear".length()) : out;
                    layers.add(conv(name, node.getInput(0), node, init, activated ? activation(graph, out)
                            : Layer.Activation.NONE));
                    defined.add(name);
                    defined.add(out);
                }
                case "Relu", "LeakyRelu" -> defined.add(out);
                case "Resize" -> {
                    boolean linear = node.getAttributeList().stream().anyMatch(a -> a.getName().equals("mode")
                            && a.getS().toStringUtf8().equals("linear"));
                    layers.add(linear ? new Layer.Resize(out, node.getInput(0), true)
                            : new Layer.Upsample(out, node.getInput(0)));
                    defined.add(out);
                }
                case "AveragePool" -> {
                    layers.add(new Layer.Resize(out, node.getInput(0), false));
                    defined.add(out);
                }
                case "MaxPool" -> {
                    layers.add(new Layer.MaxPool(out, node.getInput(0)));
                    defined.add(out);
                }
                case "Concat" -> {
                    layers.add(new Layer.Concat(out, node.getInputList()));
                    defined.add(out);
                }
                case "Mul" -> {
                    // an affine layer: Mul by NAME_multiply, then Add of NAME_add
                    String name = out.substring(0, out.length() - "_scaled".length());
                    layers.add(new Layer.Affine(name, node.getInput(0), floats(required(init, name + "_multiply")),
                            floats(required(init, name + "_add"))));
                    defined.add(out);
                    defined.add(name);
                    skip.add(name);
                }
                case "Add" -> {
                    if (!skip.contains(out)) {
                        layers.add(new Layer.Add(out, node.getInput(0), node.getInput(1)));
                    }
                    defined.add(out);
                }
                default -> throw new IllegalArgumentException("unexpected " + node.getOpType() + " in the network");
            }
        }
        if (!defined.containsAll(centres) && !defined.containsAll(levels)) {
            throw new IllegalArgumentException("neither the heads " + centres + " nor " + levels + " are all there");
        }
        int maxDetections = (int) floats(required(init, "count"))[0];
        float exponent = floats(required(init, "score_exponent"))[0];
        return new PrimitiveModel((int) inputSize[2], LabelMap.of(entries), layers, maxDetections)
                .withScoreExponent(exponent);
    }

    /** The activation a convolution's {@code NAME_linear} output goes through. */
    private static Layer.Activation activation(GraphProto graph, String linear) {
        for (NodeProto n : graph.getNodeList()) {
            if (n.getInputCount() > 0 && n.getInput(0).equals(linear)) {
                if (n.getOpType().equals("Relu")) {
                    return Layer.Activation.RELU;
                }
                if (n.getOpType().equals("LeakyRelu")) {
                    return Layer.Activation.LEAKY_RELU;
                }
            }
        }
        throw new IllegalArgumentException("'" + linear + "' goes through no activation");
    }

    private static Layer.Conv conv(String name, String input, NodeProto node, Map<String, TensorProto> init,
                                   Layer.Activation activation) {
        TensorProto kernel = required(init, node.getInput(1));
        float[] oihw = floats(kernel);
        float[] bias = floats(required(init, node.getInput(2)));
        int o = (int) kernel.getDims(0);
        int in = (int) kernel.getDims(1);
        int k = (int) kernel.getDims(2);
        int stride = node.getAttributeList().stream().filter(a -> a.getName().equals("strides"))
                .mapToInt(a -> (int) a.getInts(0)).findFirst().orElse(1);
        float[] hwio = new float[oihw.length];
        for (int y = 0; y < k; y++) {
            for (int x = 0; x < k; x++) {
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < o; j++) {
                        hwio[((y * k + x) * in + i) * o + j] = oihw[((j * in + i) * k + y) * k + x];
                    }
                }
            }
        }
        long[] pads = node.getAttributeList().stream().filter(a -> a.getName().equals("pads"))
                .map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).findFirst()
                .orElse(new long[4]);
        // symmetric padding writes (k - 1) / 2 on every side; SAME writes less at the start where the two differ
        // (a stride of 2 on an even side), and the same where they do not, which computes the same
        Layer.Padding padding = k > 1 && pads[0] == (k - 1) / 2 && pads[2] == (k - 1) / 2 && stride > 1
                ? Layer.Padding.SYMMETRIC : Layer.Padding.SAME;
        return new Layer.Conv(name, input, k, stride, in, o, activation, hwio, bias, padding);
    }

    private static TensorProto required(Map<String, TensorProto> init, String name) {
        TensorProto t = init.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no initializer '" + name + "'");
        }
        return t;
    }

    private static float[] floats(TensorProto t) {
        java.nio.FloatBuffer b = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }

    private static long[] longs(TensorProto t) {
        java.nio.LongBuffer b = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asLongBuffer();
        long[] v = new long[b.remaining()];
        b.get(v);
        return v;
    }

    /** Writes the model to {@code file} atomically. */
    public static void write(PrimitiveModel model, Path file) throws IOException {
        build(model).write(file);
    }

    /** The serialised model. */
    public static byte[] toBytes(PrimitiveModel model) {
        return build(model).toBytes();
    }

    private static OnnxGraph.Builder build(PrimitiveModel model) {
        Objects.requireNonNull(model, "model");
        int size = model.inputSize();
        Map<String, int[]> shapes = PrimitiveModel.shapes(size, model.layers());
        OnnxGraph.Builder g = OnnxGraph.builder("annotate_primitive_detector")
                .input("input_tensor", ElementType.UINT8, 1, -1, -1, 3)
                .metadata("names", names(model.labels()))
                .metadata(INPUT_SIZE_METADATA, Integer.toString(size));

        prepare(g, size);
        if (model.heads() == PrimitiveModel.Heads.LEVELS) {
            g.node("Identity", List.of("input_scaled"), List.of(PrimitiveModel.INPUT));
            network(g, model.layers(), shapes);
            decodeLevels(g, model, shapes);
            return g;
        }
        // the network runs on the image and its mirror image, a batch of two
        g.initializer("last", Tensor.longs(new long[] {-1}, 1));
        g.initializer("before_first", Tensor.longs(new long[] {Long.MIN_VALUE}, 1));
        g.initializer("width_axis", Tensor.longs(new long[] {3}, 1));
        g.initializer("backwards", Tensor.longs(new long[] {-1}, 1));
        mirror(g, "input_scaled", "input_mirrored");
        g.node("Concat", List.of("input_scaled", "input_mirrored"), List.of(PrimitiveModel.INPUT),
                Attribute.i("axis", 0));

        network(g, model.layers(), shapes);
        decode(g, model);
        return g;
    }

    /**
     * The serving graph's preparation, as {@link PrimitiveModel} specifies it: {@code input_tensor} (uint8
     * {@code [1, H, W, 3]}) cast, turned NCHW, stretched to {@code size x size} (bilinear, half-pixel centres) and
     * scaled to {@code [0, 1]}, as {@code input_scaled}.
     *
     * @param g a graph whose input {@code input_tensor} is declared
     */
    public static void prepare(OnnxGraph.Builder g, int size) {
        g.node("Cast", List.of("input_tensor"), List.of("input_float"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Transpose", List.of("input_float"), List.of("input_nchw"), Attribute.ints("perm", 0, 3, 1, 2));
        g.initializer("input_size", Tensor.longs(new long[] {1, 3, size, size}, 4));
        g.node("Resize", List.of("input_nchw", "", "", "input_size"), List.of("input_resized"),
                Attribute.s("mode", "linear"), Attribute.s("coordinate_transformation_mode", "half_pixel"));
        g.initializer("inv255", Tensor.scalar(1f / 255f));
        g.node("Mul", List.of("input_resized", "inv255"), List.of("input_scaled"));
    }

    /**
     * The layers as ONNX nodes, NCHW, reading {@link PrimitiveModel#INPUT} (which the caller defines) and each
     * writing its output under its own name, as the exports compute them.
     *
     * @param shapes {@link PrimitiveModel#shapes} of the layers at the graph's input size
     */
    public static void network(OnnxGraph.Builder g, List<Layer> layers, Map<String, int[]> shapes) {
        g.initializer("upsample_scales", Tensor.floats(new float[] {1, 1, 2, 2}, 4));
        for (Layer layer : layers) {
            if (layer instanceof Layer.Conv c) {
                conv(g, c, shapes.get(c.input())[0]);
            } else if (layer instanceof Layer.Upsample u) {
                g.node("Resize", List.of(u.input(), "", "upsample_scales"), List.of(u.name()),
                        Attribute.s("mode", "nearest"), Attribute.s("coordinate_transformation_mode", "asymmetric"),
                        Attribute.s("nearest_mode", "floor"));
            } else if (layer instanceof Layer.Affine a) {
                int channels = a.multiply().length;
                g.initializer(a.name() + "_multiply", Tensor.floats(a.multiply(), 1, channels, 1, 1));
                g.initializer(a.name() + "_add", Tensor.floats(a.add(), 1, channels, 1, 1));
                g.node("Mul", List.of(a.input(), a.name() + "_multiply"), List.of(a.name() + "_scaled"));
                g.node("Add", List.of(a.name() + "_scaled", a.name() + "_add"), List.of(a.name()));
            } else if (layer instanceof Layer.MaxPool m) {
                // ONNX's MaxPool pads with a value no maximum takes, as the layer specifies
                g.node("MaxPool", List.of(m.input()), List.of(m.name()), Attribute.ints("kernel_shape", 3, 3),
                        Attribute.ints("strides", 2, 2), Attribute.ints("pads", 1, 1, 1, 1));
            } else if (layer instanceof Layer.Resize r && r.up()) {
                g.node("Resize", List.of(r.input(), "", "upsample_scales"), List.of(r.name()),
                        Attribute.s("mode", "linear"), Attribute.s("coordinate_transformation_mode", "half_pixel"));
            } else if (layer instanceof Layer.Resize r) {
                g.node("AveragePool", List.of(r.input()), List.of(r.name()), Attribute.ints("kernel_shape", 2, 2),
                        Attribute.ints("strides", 2, 2));
            } else if (layer instanceof Layer.Concat c) {
                g.node("Concat", c.inputs(), List.of(c.name()), Attribute.i("axis", 1));
            } else {
                Layer.Add a = (Layer.Add) layer;
                g.node("Add", List.of(a.left(), a.right()), List.of(a.name()));
            }
        }
    }

    /**
     * A convolution with its padding made explicit: TensorFlow's SAME (any extra row and column at the end) or
     * symmetric.
     */
    private static void conv(OnnxGraph.Builder g, Layer.Conv c, int inSide) {
        int k = c.kernel();
        int out = (inSide + c.stride() - 1) / c.stride();
        int total = Math.max((out - 1) * c.stride() + k - inSide, 0);
        int begin = c.padding() == Layer.Padding.SYMMETRIC ? (k - 1) / 2 : total / 2;
        int end = c.padding() == Layer.Padding.SYMMETRIC ? (k - 1) / 2 : total - begin;
        float[] hwio = c.weights();
        float[] oihw = new float[hwio.length];
        int in = c.inChannels();
        int o = c.outChannels();
        for (int y = 0; y < k; y++) {
            for (int x = 0; x < k; x++) {
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < o; j++) {
                        oihw[((j * in + i) * k + y) * k + x] = hwio[((y * k + x) * in + i) * o + j];
                    }
                }
            }
        }
        g.initializer(c.name() + "_kernel", Tensor.floats(oihw, o, in, k, k));
        g.initializer(c.name() + "_bias", Tensor.floats(c.bias(), o));
        String conv = c.activation() != Layer.Activation.NONE ? c.name() + "_linear" : c.name();
        g.node("Conv", List.of(c.input(), c.name() + "_kernel", c.name() + "_bias"), List.of(conv),
                Attribute.ints("kernel_shape", k, k), Attribute.ints("strides", c.stride(), c.stride()),
                Attribute.ints("pads", begin, begin, end, end));
        if (c.activation() == Layer.Activation.RELU) {
            g.node("Relu", List.of(conv), List.of(c.name()));
        } else if (c.activation() == Layer.Activation.LEAKY_RELU) {
            g.node("LeakyRelu", List.of(conv), List.of(c.name()), Attribute.f("alpha", LEAKY_SLOPE));
        }
    }

    /** NCHW reversed along W. */
    private static void mirror(OnnxGraph.Builder g, String input, String output) {
        g.node("Slice", List.of(input, "last", "before_first", "width_axis", "backwards"), List.of(output));
    }

    /**
     * The heads of the pair (image, mirror image) as one image's: {@code heat} the mean of the two heatmaps'
     * sigmoids, the second mirrored back; {@code size_mean} likewise for the log-sizes; {@code offset_first} the
     * image's own offsets.
     */
    private static void pairs(OnnxGraph.Builder g) {
        g.initializer("batch_axis", Tensor.longs(new long[] {0}, 1));
        for (int i = 0; i < 3; i++) {
            g.initializer("index" + i, Tensor.longs(new long[] {i}, 1));
        }
        g.initializer("half", Tensor.scalar(0.5f));
        g.node("Sigmoid", List.of(PrimitiveModel.HEATMAP), List.of("heat_pair"));
        mean(g, "heat_pair", "heat");
        mean(g, PrimitiveModel.SIZE, "size_mean");
        item(g, PrimitiveModel.OFFSET, 0, "offset_first");
    }

    private static void mean(OnnxGraph.Builder g, String pair, String output) {
        item(g, pair, 0, pair + "_0");
        item(g, pair, 1, pair + "_1");
        mirror(g, pair + "_1", pair + "_1_back");
        g.node("Add", List.of(pair + "_0", pair + "_1_back"), List.of(pair + "_sum"));
        g.node("Mul", List.of(pair + "_sum", "half"), List.of(output));
    }

    private static void item(OnnxGraph.Builder g, String batch, int index, String output) {
        g.node("Slice", List.of(batch, "index" + index, "index" + (index + 1), "batch_axis"), List.of(output));
    }

    /** Peaks, top-K and boxes, as {@link PrimitiveModel} specifies (and annotate-tf's graph computes). */
    private static void decode(OnnxGraph.Builder g, PrimitiveModel model) {
        int n = model.outputSize();
        int classes = model.labels().size();
        int k = model.maxDetections();
        pairs(g);
        g.node("MaxPool", List.of("heat"), List.of("heat_max"), Attribute.ints("kernel_shape", 3, 3),
                Attribute.ints("strides", 1, 1), Attribute.ints("pads", 1, 1, 1, 1));
        g.node("Equal", List.of("heat", "heat_max"), List.of("is_peak"));
        g.node("Cast", List.of("is_peak"), List.of("is_peak_float"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Mul", List.of("heat", "is_peak_float"), List.of("peaks"));
        g.node("Transpose", List.of("peaks"), List.of("peaks_nhwc"), Attribute.ints("perm", 0, 2, 3, 1));
        top(g, "peaks_nhwc", "peaks_flat", (long) n * n * classes, k, classes);
        g.initializer("side", Tensor.scalar((long) n));
        g.node("Mod", List.of("index", "classes"), List.of("class_index"));
        g.node("Div", List.of("index", "classes"), List.of("cell"));
        g.node("Mod", List.of("cell", "side"), List.of("cell_x"));
        g.node("Div", List.of("cell", "side"), List.of("cell_y"));
        g.node("Cast", List.of("cell_x"), List.of("cx"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Cast", List.of("cell_y"), List.of("cy"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.initializer("cells_shape", Tensor.longs(new long[] {(long) n * n, 2}, 2));
        Map<String, String> heads = Map.of(PrimitiveModel.SIZE, "size_mean", PrimitiveModel.OFFSET, "offset_first");
        for (String head : List.of(PrimitiveModel.SIZE, PrimitiveModel.OFFSET)) {
            g.node("Transpose", List.of(heads.get(head)), List.of(head + "_nhwc"),
                    Attribute.ints("perm", 0, 2, 3, 1));
            g.node("Reshape", List.of(head + "_nhwc", "cells_shape"), List.of(head + "_cells"));
            g.node("Gather", List.of(head + "_cells", "cell"), List.of(head + "_top"), Attribute.i("axis", 0));
        }
        g.initializer("col0", Tensor.scalar(0L));
        g.initializer("col1", Tensor.scalar(1L));
        g.node("Gather", List.of("offset_top", "col0"), List.of("offset_x"), Attribute.i("axis", 1));
        g.node("Gather", List.of("offset_top", "col1"), List.of("offset_y"), Attribute.i("axis", 1));
        g.node("Gather", List.of("size_top", "col0"), List.of("size_w"), Attribute.i("axis", 1));
        g.node("Gather", List.of("size_top", "col1"), List.of("size_h"), Attribute.i("axis", 1));
        g.initializer("inv_side", Tensor.scalar(1f / n));
        g.initializer("half_inv_side", Tensor.scalar(0.5f / n));
        g.node("Add", List.of("cx", "offset_x"), List.of("x_cells"));
        g.node("Mul", List.of("x_cells", "inv_side"), List.of("x"));
        g.node("Add", List.of("cy", "offset_y"), List.of("y_cells"));
        g.node("Mul", List.of("y_cells", "inv_side"), List.of("y"));
        g.node("Exp", List.of("size_w"), List.of("size_w_cells"));
        g.node("Exp", List.of("size_h"), List.of("size_h_cells"));
        g.node("Mul", List.of("size_w_cells", "half_inv_side"), List.of("half_w"));
        g.node("Mul", List.of("size_h_cells", "half_inv_side"), List.of("half_h"));
        g.node("Sub", List.of("y", "half_h"), List.of("ymin_raw"));
        g.node("Sub", List.of("x", "half_w"), List.of("xmin_raw"));
        g.node("Add", List.of("y", "half_h"), List.of("ymax_raw"));
        g.node("Add", List.of("x", "half_w"), List.of("xmax_raw"));
        g.initializer("zero", Tensor.scalar(0f));
        g.initializer("one", Tensor.scalar(1f));
        g.initializer("column_shape", Tensor.longs(new long[] {k, 1}, 2));
        for (String edge : List.of("ymin", "xmin", "ymax", "xmax")) {
            g.node("Clip", List.of(edge + "_raw", "zero", "one"), List.of(edge + "_clipped"));
            g.node("Reshape", List.of(edge + "_clipped", "column_shape"), List.of(edge));
        }
        g.node("Concat", List.of("ymin", "xmin", "ymax", "xmax"), List.of("boxes"), Attribute.i("axis", 1));
        g.initializer("boxes_shape", Tensor.longs(new long[] {1, k, 4}, 3));
        g.node("Reshape", List.of("boxes", "boxes_shape"), List.of("detection_boxes"));
        scoresAndClasses(g, model);
    }

    /**
     * {@link PrimitiveModel.Heads#LEVELS}' decoding, as {@link PrimitiveModel} specifies it (and annotate-tf's graph
     * computes): per level the class scores and the boxes from the distance bins, then the best
     * {@link PrimitiveModel#maxDetections()} (cell, class) scores over all levels.
     */
    private static void decodeLevels(OnnxGraph.Builder g, PrimitiveModel model, Map<String, int[]> shapes) {
        int size = model.inputSize();
        int classes = model.labels().size();
        int bins = PrimitiveModel.BINS;
        int k = model.maxDetections();
        float[] weights = new float[bins];
        for (int i = 0; i < bins; i++) {
            weights[i] = i;
        }
        g.initializer("gfl_bins", Tensor.floats(weights, 1, 1, bins, 1, 1));
        g.initializer("class_end", Tensor.longs(new long[] {classes}, 1));
        g.initializer("class_start", Tensor.longs(new long[] {0}, 1));
        g.initializer("box_end", Tensor.longs(new long[] {classes + 4L * bins}, 1));
        g.initializer("channel_axis", Tensor.longs(new long[] {1}, 1));
        g.initializer("inv_size", Tensor.scalar(1f / size));
        List<String> scores = new java.util.ArrayList<>();
        List<String> boxes = new java.util.ArrayList<>();
        for (int stride : PrimitiveModel.LEVEL_STRIDES) {
            String head = PrimitiveModel.LEVEL_HEAD + stride;
            int n = shapes.get(head)[0];
            String p = "gfl" + stride + "_";
            g.node("Slice", List.of(head, "class_start", "class_end", "channel_axis"), List.of(p + "logits"));
            g.node("Sigmoid", List.of(p + "logits"), List.of(p + "probabilities"));
            g.node("Transpose", List.of(p + "probabilities"), List.of(p + "scores_nhwc"),
                    Attribute.ints("perm", 0, 2, 3, 1));
            g.initializer(p + "scores_shape", Tensor.longs(new long[] {(long) n * n, classes}, 2));
            g.node("Reshape", List.of(p + "scores_nhwc", p + "scores_shape"), List.of(p + "scores"));
            scores.add(p + "scores");

            g.node("Slice", List.of(head, "class_end", "box_end", "channel_axis"), List.of(p + "bins"));
            g.initializer(p + "bins_shape", Tensor.longs(new long[] {1, 4, bins, n, n}, 5));
            g.node("Reshape", List.of(p + "bins", p + "bins_shape"), List.of(p + "bins5"));
            g.node("Softmax", List.of(p + "bins5"), List.of(p + "weights"), Attribute.i("axis", 2));
            g.node("Mul", List.of(p + "weights", "gfl_bins"), List.of(p + "weighted"));
            g.initializer(p + "bin_axis", Tensor.longs(new long[] {2}, 1));
            g.node("ReduceSum", List.of(p + "weighted", p + "bin_axis"), List.of(p + "distance_bins"),
                    Attribute.i("keepdims", 0));
            g.initializer(p + "stride", Tensor.scalar((float) stride));
            g.node("Mul", List.of(p + "distance_bins", p + "stride"), List.of(p + "distance"));
            g.node("Transpose", List.of(p + "distance"), List.of(p + "distance_nhwc"),
                    Attribute.ints("perm", 0, 2, 3, 1));
            g.initializer(p + "cells_shape", Tensor.longs(new long[] {(long) n * n, 4}, 2));
            g.node("Reshape", List.of(p + "distance_nhwc", p + "cells_shape"), List.of(p + "ltrb"));
            // each cell's centre twice, as (x, y, x, y), and the signs that turn (l, t, r, b) into corners
            g.initializer(p + "centres", Tensor.floats(PrimitiveModel.cellCentres(n, stride), (long) n * n, 4));
            g.initializer(p + "signs", Tensor.floats(new float[] {-1, -1, 1, 1}, 1, 4));
            g.node("Mul", List.of(p + "ltrb", p + "signs"), List.of(p + "offsets"));
            g.node("Add", List.of(p + "centres", p + "offsets"), List.of(p + "xyxy"));
            boxes.add(p + "xyxy");
        }
        g.node("Concat", scores, List.of("all_scores"), Attribute.i("axis", 0));
        g.node("Concat", boxes, List.of("all_xyxy"), Attribute.i("axis", 0));
        // (x1, y1, x2, y2) in input pixels -> (ymin, xmin, ymax, xmax) in [0, 1]
        g.node("Mul", List.of("all_xyxy", "inv_size"), List.of("all_xyxy_normalised"));
        g.initializer("yxyx", Tensor.longs(new long[] {1, 0, 3, 2}, 4));
        g.node("Gather", List.of("all_xyxy_normalised", "yxyx"), List.of("all_boxes_raw"), Attribute.i("axis", 1));
        g.initializer("zero", Tensor.scalar(0f));
        g.initializer("one", Tensor.scalar(1f));
        g.node("Clip", List.of("all_boxes_raw", "zero", "one"), List.of("all_boxes"));
        top(g, "all_scores", "flat_scores", -1, k, classes);
        g.node("Mod", List.of("index", "classes"), List.of("class_index"));
        g.node("Div", List.of("index", "classes"), List.of("cell"));
        g.node("Gather", List.of("all_boxes", "cell"), List.of("top_boxes"), Attribute.i("axis", 0));
        g.initializer("boxes_shape", Tensor.longs(new long[] {1, k, 4}, 3));
        g.node("Reshape", List.of("top_boxes", "boxes_shape"), List.of("detection_boxes"));
        scoresAndClasses(g, model);
    }

    /**
     * The best {@code k} of {@code scores} flattened to {@code [1, flatSize]} (cells, then classes innermost), as
     * {@code top_scores} and their flat {@code index}, highest first; {@code classes} the class count the index
     * is divided by.
     */
    private static void top(OnnxGraph.Builder g, String scores, String flat, long flatSize, int k, int classes) {
        g.initializer("flat_shape", Tensor.longs(new long[] {1, flatSize}, 2));
        g.node("Reshape", List.of(scores, "flat_shape"), List.of(flat));
        g.initializer("k", Tensor.longs(new long[] {k}, 1));
        g.node("TopK", List.of(flat, "k"), List.of("top_scores", "top_index"), Attribute.i("axis", -1),
                Attribute.i("largest", 1), Attribute.i("sorted", 1));
        g.initializer("k_shape", Tensor.longs(new long[] {k}, 1));
        g.node("Reshape", List.of("top_index", "k_shape"), List.of("index"));
        g.initializer("classes", Tensor.scalar((long) classes));
    }

    /**
     * {@code top_scores} raised to the score exponent as {@code detection_scores}, {@code class_index} as label-map
     * ids, and the remaining outputs.
     */
    private static void scoresAndClasses(OnnxGraph.Builder g, PrimitiveModel model) {
        int k = model.maxDetections();
        int classes = model.labels().size();
        g.initializer("score_exponent", Tensor.scalar(model.scoreExponent()));
        g.node("Pow", List.of("top_scores", "score_exponent"), List.of("calibrated_scores"));
        g.initializer("scores_shape", Tensor.longs(new long[] {1, k}, 2));
        g.node("Reshape", List.of("calibrated_scores", "scores_shape"), List.of("detection_scores"));
        float[] ids = new float[classes];
        for (int i = 0; i < classes; i++) {
            ids[i] = model.labels().entries().get(i).id();
        }
        g.initializer("class_ids", Tensor.floats(ids, classes));
        g.node("Gather", List.of("class_ids", "class_index"), List.of("top_classes"), Attribute.i("axis", 0));
        detectionOutputs(g, "top_classes", k);
    }

    /**
     * The TF Object Detection API's outputs for {@code k} detections, which the ONNX backend reads:
     * {@code detection_classes} ({@code [1, k]}, reshaped from {@code classes}, ids as floats), and
     * {@code detection_boxes} ({@code [1, k, 4]}) and {@code detection_scores} ({@code [1, k]}) which the caller
     * wrote, and {@code num_detections} {@code k}.
     */
    public static void detectionOutputs(OnnxGraph.Builder g, String classes, int k) {
        g.initializer("row_shape", Tensor.longs(new long[] {1, k}, 2));
        g.node("Reshape", List.of(classes, "row_shape"), List.of("detection_classes"));
        g.initializer("count", Tensor.floats(new float[] {k}, 1));
        g.node("Identity", List.of("count"), List.of("num_detections"));
        g.output("detection_boxes", ElementType.FLOAT, 1, k, 4)
                .output("detection_scores", ElementType.FLOAT, 1, k)
                .output("detection_classes", ElementType.FLOAT, 1, k)
                .output("num_detections", ElementType.FLOAT, 1);
    }

    /** {@code {0: 'race car', ...}} with key = id - 1, quotes and backslashes escaped as Python reads them. */
    static String names(LabelMap labels) {
        StringBuilder b = new StringBuilder("{");
        for (LabelMap.Entry e : labels.entries()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(e.id() - 1).append(": '")
                    .append(e.name().replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
                            .replace("\r", "\\r").replace("\t", "\\t"))
                    .append('\'');
        }
        return b.append('}').toString();
    }
}
