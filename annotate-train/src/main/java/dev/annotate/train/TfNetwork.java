package dev.annotate.train;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The {@link PrimitiveModel} network as TensorFlow ops, for training (weights in variables) and export (weights
 * as constants). The ONNX exporter in annotate-onnx builds the same computation; {@link PrimitiveModel}'s class
 * comment is the contract both follow.
 */
final class TfNetwork {

    /** The decoded detections, shaped as the TF Object Detection API exports them. */
    record Detections(Operand<TFloat32> boxes, Operand<TFloat32> scores, Operand<TFloat32> classes,
                      Operand<TFloat32> count) {
    }

    /** The serving graph's input and outputs. */
    record Serving(Placeholder<TUint8> input, Detections detections) {
    }

    /** The slope of {@link Layer.Activation#LEAKY_RELU} below zero. */
    static final float LEAKY_SLOPE = 0.1f;

    private TfNetwork() {
    }

    /**
     * The whole serving computation of a model with its weights as constants: {@code input_tensor} uint8
     * {@code [1, H, W, 3]} to the four OD API outputs. The network runs on the image and its mirror image as a
     * batch of two, as {@link PrimitiveModel} specifies.
     */
    static Serving serving(Ops tf, PrimitiveModel model) {
        Placeholder<TUint8> input = tf.withName("input_tensor").placeholder(TUint8.class,
                Placeholder.shape(Shape.of(1, -1, -1, 3)));
        Operand<TFloat32> image = prepare(tf, input, model.inputSize());
        if (model.heads() == PrimitiveModel.Heads.LEVELS) {
            Map<String, Operand<TFloat32>> heads = forward(tf, image, model.inputSize(), model.layers(),
                    (c, x) -> constantConv(tf, c, x));
            return new Serving(input, decodeLevels(tf, levels(tf, heads, model.inputSize(), model.labels().size()),
                    model));
        }
        Operand<TFloat32> pair = tf.concat(List.of(image, mirrored(tf, image)), tf.constant(0));
        Map<String, Operand<TFloat32>> heads = forward(tf, pair, model.inputSize(), model.layers(),
                (c, x) -> constantConv(tf, c, x));
        // named as in the ONNX export, so that tests can compare the two runtimes where the values are continuous
        Operand<TFloat32> heat = tf.withName("heat").identity(averaged(tf,
                tf.math.sigmoid(heads.get(PrimitiveModel.HEATMAP))));
        Operand<TFloat32> size = tf.withName("size_mean").identity(averaged(tf, heads.get(PrimitiveModel.SIZE)));
        Operand<TFloat32> offset = tf.withName("offset_first").identity(item(tf, heads.get(PrimitiveModel.OFFSET),
                0));
        return new Serving(input, decode(tf, heat, size, offset, model));
    }

    /** Left and right swapped: NHWC reversed along W. */
    private static Operand<TFloat32> mirrored(Ops tf, Operand<TFloat32> x) {
        return tf.reverse(x, tf.constant(new int[] {2}));
    }

    /** The mean of a pair's first map and its second mirrored back: {@code [2, n, n, c]} to {@code [1, n, n, c]}. */
    private static Operand<TFloat32> averaged(Ops tf, Operand<TFloat32> pair) {
        return tf.math.mul(tf.math.add(item(tf, pair, 0), mirrored(tf, item(tf, pair, 1))), tf.constant(0.5f));
    }

    private static Operand<TFloat32> item(Ops tf, Operand<TFloat32> batch, int index) {
        return tf.slice(batch, tf.constant(new int[] {index, 0, 0, 0}), tf.constant(new int[] {1, -1, -1, -1}));
    }

    /**
     * Every layer's output, by name, for a prepared NHWC image batch. {@code conv} gives a convolution layer's
     * output before its activation (weights as constants, or variables and batch normalisation in training).
     */
    static Map<String, Operand<TFloat32>> forward(Ops tf, Operand<TFloat32> image, int inputSize, List<Layer> layers,
                                                 BiFunction<Layer.Conv, Operand<TFloat32>, Operand<TFloat32>> conv) {
        Map<String, int[]> shapes = PrimitiveModel.shapes(inputSize, layers);
        Map<String, Operand<TFloat32>> out = new HashMap<>();
        out.put(PrimitiveModel.INPUT, image);
        for (Layer layer : layers) {
            Operand<TFloat32> y;
            if (layer instanceof Layer.Conv c) {
                y = conv.apply(c, out.get(c.input()));
                if (c.activation() == Layer.Activation.RELU) {
                    y = tf.nn.relu(y);
                } else if (c.activation() == Layer.Activation.LEAKY_RELU) {
                    y = tf.nn.leakyRelu(y, LeakyRelu.alpha(LEAKY_SLOPE));
                }
            } else if (layer instanceof Layer.Upsample u) {
                int side = shapes.get(u.name())[0];
                y = tf.image.resizeNearestNeighbor(out.get(u.input()), tf.constant(new int[] {side, side}));
            } else if (layer instanceof Layer.Affine a) {
                y = tf.math.add(tf.math.mul(out.get(a.input()), tf.constant(a.multiply())), tf.constant(a.add()));
            } else if (layer instanceof Layer.MaxPool m) {
                // padded with -infinity, which no window's maximum takes
                Operand<TFloat32> padded = tf.pad(out.get(m.input()), tf.constant(new int[][] {{0, 0}, {1, 1},
                        {1, 1}, {0, 0}}), tf.constant(Float.NEGATIVE_INFINITY));
                y = tf.nn.maxPool(padded, tf.constant(new int[] {1, 3, 3, 1}), tf.constant(new int[] {1, 2, 2, 1}),
                        "VALID");
            } else if (layer instanceof Layer.Resize r && r.up()) {
                int side = shapes.get(r.name())[0];
                y = tf.image.resizeBilinear(out.get(r.input()), tf.constant(new int[] {side, side}),
                        org.tensorflow.op.image.ResizeBilinear.halfPixelCenters(true));
            } else if (layer instanceof Layer.Resize r) {
                // half-pixel bilinear at half the (even) side samples between each 2x2 block's centres: their mean
                y = tf.nn.avgPool(out.get(r.input()), List.of(1L, 2L, 2L, 1L), List.of(1L, 2L, 2L, 1L), "VALID");
            } else if (layer instanceof Layer.Concat c) {
                y = tf.concat(c.inputs().stream().map(out::get).toList(), tf.constant(3));
            } else {
                Layer.Add a = (Layer.Add) layer;
                y = tf.math.add(out.get(a.left()), out.get(a.right()));
            }
            out.put(layer.name(), y);
        }
        return out;
    }

    /**
     * A convolution with no bias, of a {@code kernelSize} square kernel, padded as {@code padding} says (a 1x1
     * kernel pads nothing either way).
     *
     * <p>A strided 1x1 convolution reads every stride-th pixel of every stride-th row, from the first, and nothing
     * else (SAME pads it by nothing), so it is computed as exactly that: a strided slice, then a 1x1 convolution
     * with stride 1. Not for speed: TensorFlow's bundled oneDNN corrupts the native heap computing the weight
     * gradient of a strided 1x1 convolution with fewer than 16 input channels (its AVX-512 kernel
     * {@code jit_avx512_common_1x1_convolution_bwd_weights_t}, chosen where oneDNN is on and the CPU has AVX-512:
     * the process aborts with "double free or corruption", #32). Measured on such a CPU, each shape alone in a
     * process for 5 steps: kernel 1, stride 2, 3 or 4 where the stride divides the side (64 to 128 pixels, batch 1
     * or 8), 1 to 15 input channels, 3 to 32 output channels: abort; an odd side at stride 2, 16 or more input
     * channels, kernels 2, 3 and 5 at stride 2, and every kernel at stride 1: no fault. The slice and its gradient
     * never reach that kernel, on any CPU, and compute the same.
     */
    static Operand<TFloat32> convolve(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, int kernelSize,
                                      int stride, Layer.Padding padding) {
        if (padding == Layer.Padding.SYMMETRIC && kernelSize > 1) {
            int p = (kernelSize - 1) / 2;
            Operand<TFloat32> padded = tf.pad(x, tf.constant(new int[][] {{0, 0}, {p, p}, {p, p}, {0, 0}}),
                    tf.constant(0f));
            return tf.nn.conv2d(padded, kernel, List.of(1L, (long) stride, (long) stride, 1L), "VALID");
        }
        if (kernelSize == 1 && stride > 1) {
            Operand<TFloat32> sampled = tf.stridedSlice(x, Indices.all(), Indices.sliceFrom(0, stride),
                    Indices.sliceFrom(0, stride), Indices.all());
            return tf.nn.conv2d(sampled, kernel, List.of(1L, 1L, 1L, 1L), "SAME");
        }
        return tf.nn.conv2d(x, kernel, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
    }

    /** A layer's weights as constants: convolution and bias. */
    static Operand<TFloat32> constantConv(Ops tf, Layer.Conv c, Operand<TFloat32> x) {
        Operand<TFloat32> kernel = tf.constant(Shape.of(c.kernel(), c.kernel(), c.inChannels(), c.outChannels()),
                DataBuffers.of(c.weights(), true, false));
        return tf.nn.biasAdd(convolve(tf, x, kernel, c.kernel(), c.stride(), c.padding()), tf.constant(c.bias()));
    }

    /**
     * The serving graph's image preparation: uint8 {@code [1, H, W, 3]} → float, stretched to the input size
     * (bilinear, half-pixel centres), scaled to {@code [0, 1]}.
     */
    static Operand<TFloat32> prepare(Ops tf, Operand<org.tensorflow.types.TUint8> image, int inputSize) {
        Operand<TFloat32> f = tf.dtypes.cast(image, TFloat32.class);
        Operand<TFloat32> resized = tf.image.resizeBilinear(f, tf.constant(new int[] {inputSize, inputSize}),
                org.tensorflow.op.image.ResizeBilinear.halfPixelCenters(true));
        return tf.math.mul(resized, tf.constant(1f / 255f));
    }

    /**
     * Peaks, top-K and box decoding of one image's heatmap (probabilities), log-sizes and offsets, as described on
     * {@link PrimitiveModel}.
     */
    private static Detections decode(Ops tf, Operand<TFloat32> heat, Operand<TFloat32> sizes,
                                     Operand<TFloat32> offsets, PrimitiveModel model) {
        int n = model.outputSize();
        int classes = model.labels().size();
        int k = model.maxDetections();
        Operand<TFloat32> pooled = tf.nn.maxPool(heat, tf.constant(new int[] {1, 3, 3, 1}),
                tf.constant(new int[] {1, 1, 1, 1}), "SAME");
        Operand<TFloat32> peaks = tf.math.mul(heat, tf.dtypes.cast(tf.math.equal(heat, pooled), TFloat32.class));
        TopK<TFloat32, TInt32> top = tf.nn.topK(tf.reshape(peaks, tf.constant(new int[] {1, n * n * classes})),
                tf.constant(k), TInt32.class);
        Operand<TInt32> index = tf.reshape(top.indices(), tf.constant(new int[] {k}));
        Operand<TInt32> cls = tf.math.floorMod(index, tf.constant(classes));
        Operand<TInt32> cell = tf.math.floorDiv(index, tf.constant(classes));
        Operand<TFloat32> cx = tf.dtypes.cast(tf.math.floorMod(cell, tf.constant(n)), TFloat32.class);
        Operand<TFloat32> cy = tf.dtypes.cast(tf.math.floorDiv(cell, tf.constant(n)), TFloat32.class);
        Operand<TFloat32> size = tf.gather(tf.reshape(sizes,
                tf.constant(new int[] {n * n, 2})), cell, tf.constant(0));
        Operand<TFloat32> offset = tf.gather(tf.reshape(offsets,
                tf.constant(new int[] {n * n, 2})), cell, tf.constant(0));
        Operand<TFloat32> scale = tf.constant(1f / n);
        Operand<TFloat32> x = tf.math.mul(tf.math.add(cx, column(tf, offset, 0)), scale);
        Operand<TFloat32> y = tf.math.mul(tf.math.add(cy, column(tf, offset, 1)), scale);
        Operand<TFloat32> halfW = tf.math.mul(tf.math.exp(column(tf, size, 0)), tf.constant(0.5f / n));
        Operand<TFloat32> halfH = tf.math.mul(tf.math.exp(column(tf, size, 1)), tf.constant(0.5f / n));
        Operand<TFloat32> boxes = tf.stack(List.of(clip(tf, tf.math.sub(y, halfH)), clip(tf, tf.math.sub(x, halfW)),
                clip(tf, tf.math.add(y, halfH)), clip(tf, tf.math.add(x, halfW))),
                org.tensorflow.op.core.Stack.axis(1L));
        return detections(tf, boxes, top.values(), cls, model);
    }

    /**
     * {@link PrimitiveModel.Heads#LEVELS}' outputs for a batch, the levels concatenated in stride order, cells
     * row-major: {@code logits} {@code [B, N, classes]}, {@code bins} {@code [B, N, 4, BINS]}.
     */
    record Levels(Operand<TFloat32> logits, Operand<TFloat32> bins) {
    }

    /** The level heads' outputs of {@link #forward}, as {@link Levels}. */
    static Levels levels(Ops tf, Map<String, Operand<TFloat32>> out, int inputSize, int classes) {
        int bins = PrimitiveModel.BINS;
        List<Operand<TFloat32>> logits = new ArrayList<>();
        List<Operand<TFloat32>> distances = new ArrayList<>();
        for (int stride : PrimitiveModel.LEVEL_STRIDES) {
            int cells = (inputSize / stride) * (inputSize / stride);
            Operand<TFloat32> head = tf.reshape(out.get(PrimitiveModel.LEVEL_HEAD + stride),
                    tf.constant(new int[] {-1, cells, classes + 4 * bins}));
            logits.add(tf.slice(head, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, -1, classes})));
            distances.add(tf.reshape(tf.slice(head, tf.constant(new int[] {0, 0, classes}),
                    tf.constant(new int[] {-1, -1, 4 * bins})), tf.constant(new int[] {-1, cells, 4, bins})));
        }
        return new Levels(tf.concat(logits, tf.constant(1)), tf.concat(distances, tf.constant(1)));
    }

    /**
     * The boxes the bins decode to, {@code [B, N, 4]} as {@code (x1, y1, x2, y2)} in input pixels: each side's
     * distance from its cell's centre is the softmax of its bins weighted by 0 to {@code BINS - 1}, times the
     * cell's stride.
     */
    static Operand<TFloat32> levelBoxes(Ops tf, Operand<TFloat32> bins, int inputSize) {
        float[] values = new float[PrimitiveModel.BINS];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        Operand<TFloat32> expected = tf.reduceSum(tf.math.mul(tf.nn.softmax(bins), tf.constant(values)),
                tf.constant(3));
        int cells = levelCells(inputSize);
        float[] strides = new float[cells * 4];
        float[] centres = new float[cells * 4];
        int at = 0;
        for (int stride : PrimitiveModel.LEVEL_STRIDES) {
            int n = inputSize / stride;
            float[] c = PrimitiveModel.cellCentres(n, stride);
            System.arraycopy(c, 0, centres, at, c.length);
            for (int i = 0; i < c.length; i++) {
                strides[at + i] = (i % 4 < 2 ? -1 : 1) * stride;
            }
            at += c.length;
        }
        Shape shape = Shape.of(cells, 4);
        return tf.math.add(tf.constant(shape, DataBuffers.of(centres, true, false)),
                tf.math.mul(expected, tf.constant(shape, DataBuffers.of(strides, true, false))));
    }

    /** The number of cells over all levels at {@code inputSize}. */
    static int levelCells(int inputSize) {
        int cells = 0;
        for (int stride : PrimitiveModel.LEVEL_STRIDES) {
            cells += (inputSize / stride) * (inputSize / stride);
        }
        return cells;
    }

    /** Scores, top-K and boxes of one image's level heads, as described on {@link PrimitiveModel}. */
    private static Detections decodeLevels(Ops tf, Levels levels, PrimitiveModel model) {
        int size = model.inputSize();
        int classes = model.labels().size();
        int k = model.maxDetections();
        Operand<TFloat32> scores = tf.math.sigmoid(tf.reshape(levels.logits(), tf.constant(new int[] {1, -1})));
        TopK<TFloat32, TInt32> top = tf.nn.topK(scores, tf.constant(k), TInt32.class);
        Operand<TInt32> index = tf.reshape(top.indices(), tf.constant(new int[] {k}));
        Operand<TInt32> cls = tf.math.floorMod(index, tf.constant(classes));
        Operand<TInt32> cell = tf.math.floorDiv(index, tf.constant(classes));
        Operand<TFloat32> xyxy = tf.reshape(levelBoxes(tf, levels.bins(), size), tf.constant(new int[] {-1, 4}));
        Operand<TFloat32> yxyx = tf.gather(tf.math.mul(xyxy, tf.constant(1f / size)),
                tf.constant(new int[] {1, 0, 3, 2}), tf.constant(1));
        Operand<TFloat32> boxes = tf.gather(clip(tf, yxyx), cell, tf.constant(0));
        return detections(tf, boxes, top.values(), cls, model);
    }

    /** The four outputs for the top {@code k} boxes {@code [k, 4]}, raw scores and class channels. */
    private static Detections detections(Ops tf, Operand<TFloat32> boxes, Operand<TFloat32> scores,
                                         Operand<TInt32> channels, PrimitiveModel model) {
        LabelMap labels = model.labels();
        int k = model.maxDetections();
        float[] ids = new float[labels.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = labels.entries().get(i).id();
        }
        Operand<TFloat32> classIds = tf.gather(tf.constant(ids), channels, tf.constant(0));
        return new Detections(
                tf.withName("detection_boxes").reshape(boxes, tf.constant(new int[] {1, k, 4})),
                tf.withName("detection_scores").reshape(tf.math.pow(scores, tf.constant(model.scoreExponent())),
                        tf.constant(new int[] {1, k})),
                tf.withName("detection_classes").reshape(classIds, tf.constant(new int[] {1, k})),
                tf.withName("num_detections").constant(new float[] {k}));
    }

    private static Operand<TFloat32> column(Ops tf, Operand<TFloat32> matrix, int column) {
        return tf.gather(matrix, tf.constant(column), tf.constant(1));
    }

    private static Operand<TFloat32> clip(Ops tf, Operand<TFloat32> v) {
        return tf.math.minimum(tf.math.maximum(v, tf.constant(0f)), tf.constant(1f));
    }
}
