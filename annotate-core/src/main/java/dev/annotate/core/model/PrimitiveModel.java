package dev.annotate.core.model;

import dev.annotate.core.LabelMap;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A detector network the project trains and exports, as a plain value that every exporter reads: the primitive
 * CenterNet-style network, or a pretrained backbone with NanoDet's own heads.
 *
 * <p>The network reads {@link #INPUT}, the image stretched to {@code inputSize x inputSize} (bilinear, half-pixel
 * centres), RGB scaled to {@code [0, 1]}, NHWC. Its layers end in heads of one of two {@linkplain Heads kinds},
 * which the layer names say:
 *
 * <p><b>{@link Heads#CENTRES}</b> (the primitive network): three heads at the same resolution
 * {@code outputSize x outputSize} (stride {@code inputSize / outputSize}): {@link #HEATMAP} (one logit per class
 * in {@link #labels()} order), {@link #SIZE} (natural log of the box width and height in output cells) and
 * {@link #OFFSET} (the centre's x and y relative to the cell's corner, in cells).
 * Serving runs the network twice, as a batch of two: on the image and on its mirror image (left and right
 * swapped). The heatmap's sigmoid and the log-sizes are the mean of the two, the mirror image's mirrored back;
 * the offsets are the image's own (the mirror image's would have to be turned around within their cells).
 * This flip averaging is CenterNet's test-time augmentation: on the trainer benchmark it raised precision at
 * equal recall by 0.02 to 0.03, for twice the network's inference time.
 * Decoding: scores are that mean heatmap kept where they equal their 3x3 max
 * (peaks); the top {@link #maxDetections()} over all cells and classes, highest first (equal scores: lower flat
 * index first, the index running over row, column, class), each raised to {@link #scoreExponent()}; for a peak
 * at cell {@code (cx, cy)} the normalised box is centred at {@code ((cx + offset_x) / outputSize, (cy + offset_y)
 * / outputSize)}, sized {@code (exp(size_w) / outputSize, exp(size_h) / outputSize)}, clipped to {@code [0, 1]};
 * the class is the label-map id of the heatmap channel.
 *
 * <p><b>{@link Heads#LEVELS}</b> (NanoDet's Generalized Focal Loss heads): one head per stride in
 * {@link #LEVEL_STRIDES}, named {@link #LEVEL_HEAD} and the stride ({@code head8}, {@code head16},
 * {@code head32}), each {@code (inputSize / stride)} square with one class logit per class, then 4 sides (left,
 * top, right, bottom) x {@link #BINS} logits of the side's distance from the cell's centre. The network runs once,
 * on the image alone. Decoding: a cell's class scores are the sigmoid of its logits; a side's distance is the
 * softmax of its bins weighted by 0 to {@code BINS - 1}, times the stride, from the centre {@code ((column + 0.5)
 * x stride, (row + 0.5) x stride)}; the top {@link #maxDetections()} (cell, class) scores over the three levels
 * (levels in stride order, cells row-major, classes innermost), highest first, each raised to
 * {@link #scoreExponent()}; boxes are divided by {@code inputSize} and clipped to {@code [0, 1]}. These are
 * candidates: overlapping ones are left for the detector's per-class suppression.
 *
 * <p>Exports have the TF Object Detection API's serving
 * signature: {@code input_tensor} uint8 {@code [1, H, W, 3]} of any size, {@code detection_boxes}
 * {@code [1, K, 4]} (ymin, xmin, ymax, xmax), {@code detection_scores} {@code [1, K]}, {@code detection_classes}
 * {@code [1, K]} (label-map ids as floats), {@code num_detections} {@code [1]}.
 *
 * <pre>{@code
 * PrimitiveModel model = PrimitiveTrainer.train(vocDir, labels, TrainerOptions.defaults(), listener);
 * SavedModels.export(model, Path.of("out/saved_model"));   // annotate-tf
 * OnnxExport.write(model, Path.of("out/model.onnx"));      // annotate-onnx
 * }</pre>
 *
 * @param inputSize side of the square network input, a multiple of the stride
 * @param labels the classes, one class channel each in entry order
 * @param layers the network, each layer reading only {@link #INPUT} or earlier layers
 * @param maxDetections how many detections the decoder returns ({@code K})
 * @param scoreExponent the calibration of scores: a peak's sigmoid {@code p} is reported as
 *     {@code p^scoreExponent}, which keeps the ranking (and so average precision) and moves the score a
 *     threshold of 0.5 keeps; the trainer sets it so 0.5 falls at its best F2 (recall weighted twice) on the
 *     training images
 */
public record PrimitiveModel(int inputSize, LabelMap labels, List<Layer> layers, int maxDetections,
                             float scoreExponent) {

    /** The name layers read the prepared image by. */
    public static final String INPUT = "image";
    /** The class heatmap head (logits). */
    public static final String HEATMAP = "heatmap";
    /** The box size head (log of width and height in output cells). */
    public static final String SIZE = "size";
    /** The centre offset head (x, y within the cell). */
    public static final String OFFSET = "offset";
    /** {@link Heads#LEVELS}: the per-level heads' names start so, followed by their stride. */
    public static final String LEVEL_HEAD = "head";
    /** {@link Heads#LEVELS}: the strides of the levels, each with its head. */
    public static final List<Integer> LEVEL_STRIDES = List.of(8, 16, 32);
    /** {@link Heads#LEVELS}: distance bins per box side (0 to {@code BINS - 1} strides). */
    public static final int BINS = 11;

    /** The kinds of heads a network ends in, and so how its outputs are decoded (see the class comment). */
    public enum Heads {
        /** Heatmap, size and offset at one stride, run on the image and its mirror image. */
        CENTRES,
        /** NanoDet's per-level class and box-distribution heads, run on the image alone. */
        LEVELS
    }

    /** Checks that the layers form the network described above. */
    public PrimitiveModel {
        Objects.requireNonNull(labels, "labels");
        layers = List.copyOf(layers);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one class; the label map is empty");
        }
        if (!(scoreExponent > 0 && scoreExponent < 100)) {
            throw new IllegalArgumentException("scoreExponent (" + scoreExponent + ") must be in (0, 100)");
        }
        if (maxDetections < 1) {
            throw new IllegalArgumentException("maxDetections (" + maxDetections + ") must be >= 1");
        }
        Map<String, int[]> shapes = shapes(inputSize, layers);
        long candidates;
        if (heads(layers) == Heads.CENTRES) {
            int side = side(shapes, HEATMAP, labels.size());
            if (side(shapes, SIZE, 2) != side || side(shapes, OFFSET, 2) != side) {
                throw new IllegalArgumentException("heads '" + HEATMAP + "', '" + SIZE + "' and '" + OFFSET
                        + "' must have the same resolution");
            }
            if (inputSize % side != 0) {
                throw new IllegalArgumentException("inputSize (" + inputSize + ") must be a multiple of the output"
                        + " size (" + side + ")");
            }
            candidates = (long) side * side * labels.size();
        } else {
            if (!shapes.containsKey(LEVEL_HEAD + LEVEL_STRIDES.get(0))) {
                throw new IllegalArgumentException("the network ends in neither a '" + HEATMAP + "' head (with '"
                        + SIZE + "' and '" + OFFSET + "') nor level heads " + LEVEL_STRIDES.stream()
                        .map(s -> "'" + LEVEL_HEAD + s + "'").toList());
            }
            candidates = 0;
            for (int stride : LEVEL_STRIDES) {
                int side = side(shapes, LEVEL_HEAD + stride, labels.size() + 4 * BINS);
                if (side * stride != inputSize) {
                    throw new IllegalArgumentException("head '" + LEVEL_HEAD + stride + "' is " + side + " wide;"
                            + " at stride " + stride + " of inputSize " + inputSize + " it must be "
                            + inputSize / stride + " (inputSize must be a multiple of " + LEVEL_STRIDES.get(2) + ")");
                }
                candidates += (long) side * side * labels.size();
            }
        }
        if (maxDetections > candidates) {
            throw new IllegalArgumentException("maxDetections (" + maxDetections + ") exceeds the "
                    + candidates + " (cell, class) scores of the heads");
        }
    }

    /**
     * The kind of heads the layers end in: {@link Heads#CENTRES} where a layer is named {@link #HEATMAP}, else
     * {@link Heads#LEVELS}.
     */
    public Heads heads() {
        return heads(layers);
    }

    /** The kind of heads {@code layers} end in, as {@link #heads()} says. */
    public static Heads heads(List<Layer> layers) {
        return layers.stream().anyMatch(l -> l.name().equals(HEATMAP)) ? Heads.CENTRES : Heads.LEVELS;
    }

    /** A model with uncalibrated scores (exponent 1). */
    public PrimitiveModel(int inputSize, LabelMap labels, List<Layer> layers, int maxDetections) {
        this(inputSize, labels, layers, maxDetections, 1f);
    }

    /** The same network and weights with another score calibration. */
    public PrimitiveModel withScoreExponent(float exponent) {
        return new PrimitiveModel(inputSize, labels, layers, maxDetections, exponent);
    }

    /** Side of the heads' square output: {@link Heads#LEVELS}' finest level's. */
    public int outputSize() {
        return shapes(inputSize, layers).get(heads() == Heads.CENTRES ? HEATMAP
                : LEVEL_HEAD + LEVEL_STRIDES.get(0))[0];
    }

    /** The heads' stride in input pixels ({@link Heads#LEVELS}: the finest level's). */
    public int stride() {
        return inputSize / outputSize();
    }

    /**
     * {@link Heads#LEVELS}: the centres of a level's {@code side x side} cells in input pixels, each twice as
     * {@code (x, y, x, y)}, row-major: {@code ((column + 0.5) x stride, (row + 0.5) x stride)}. Adding
     * {@code (-left, -top, right, bottom)} distances to them gives a box's corners.
     */
    public static float[] cellCentres(int side, int stride) {
        float[] centres = new float[side * side * 4];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int c = (y * side + x) * 4;
                centres[c] = (x + 0.5f) * stride;
                centres[c + 1] = (y + 0.5f) * stride;
                centres[c + 2] = centres[c];
                centres[c + 3] = centres[c + 1];
            }
        }
        return centres;
    }

    /** The number of trained values. */
    public long parameterCount() {
        return parameterCount(layers);
    }

    /** The number of trained values of {@code layers}: their convolutions' weights and biases. */
    public static long parameterCount(List<Layer> layers) {
        return layers.stream().mapToLong(l -> l instanceof Layer.Conv c
                ? (long) c.kernel() * c.kernel() * c.inChannels() * c.outChannels() + c.outChannels() : 0).sum();
    }

    /** The output side and channel count of every layer ({@code {side, channels}}), checking each step. */
    public static Map<String, int[]> shapes(int inputSize, List<Layer> layers) {
        if (inputSize < 8) {
            throw new IllegalArgumentException("inputSize (" + inputSize + ") must be >= 8");
        }
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(INPUT, new int[] {inputSize, 3});
        for (Layer layer : layers) {
            if (shapes.containsKey(layer.name())) {
                throw new IllegalArgumentException("layer name '" + layer.name() + "' is used twice");
            }
            int[] shape;
            if (layer instanceof Layer.Conv c) {
                int[] in = read(shapes, c.name(), c.input());
                if (in[1] != c.inChannels()) {
                    throw new IllegalArgumentException("conv '" + c.name() + "' expects " + c.inChannels()
                            + " channels but '" + c.input() + "' has " + in[1]);
                }
                shape = new int[] {(in[0] + c.stride() - 1) / c.stride(), c.outChannels()};
            } else if (layer instanceof Layer.Upsample u) {
                int[] in = read(shapes, u.name(), u.input());
                shape = new int[] {in[0] * 2, in[1]};
            } else if (layer instanceof Layer.Affine a) {
                int[] in = read(shapes, a.name(), a.input());
                if (in[1] != a.multiply().length) {
                    throw new IllegalArgumentException("affine '" + a.name() + "' has " + a.multiply().length
                            + " channels but '" + a.input() + "' has " + in[1]);
                }
                shape = in;
            } else if (layer instanceof Layer.MaxPool m) {
                int[] in = read(shapes, m.name(), m.input());
                shape = new int[] {(in[0] + 1) / 2, in[1]};
            } else if (layer instanceof Layer.Resize r) {
                int[] in = read(shapes, r.name(), r.input());
                if (!r.up() && in[0] % 2 != 0) {
                    throw new IllegalArgumentException("resize '" + r.name() + "' halves '" + r.input()
                            + "', whose side " + in[0] + " is odd; make the input size a multiple of the network's"
                            + " largest stride");
                }
                shape = new int[] {r.up() ? in[0] * 2 : in[0] / 2, in[1]};
            } else if (layer instanceof Layer.Concat c) {
                int side = -1;
                int channels = 0;
                for (String input : c.inputs()) {
                    int[] in = read(shapes, c.name(), input);
                    if (side >= 0 && in[0] != side) {
                        throw new IllegalArgumentException("concat '" + c.name() + "': '" + input + "' is " + in[0]
                                + " wide, '" + c.inputs().get(0) + "' " + side);
                    }
                    side = in[0];
                    channels += in[1];
                }
                shape = new int[] {side, channels};
            } else {
                Layer.Add a = (Layer.Add) layer;
                int[] l = read(shapes, a.name(), a.left());
                int[] r = read(shapes, a.name(), a.right());
                if (l[0] != r[0] || l[1] != r[1]) {
                    throw new IllegalArgumentException("add '" + a.name() + "': '" + a.left() + "' is "
                            + l[0] + "x" + l[0] + "x" + l[1] + " but '" + a.right() + "' is "
                            + r[0] + "x" + r[0] + "x" + r[1]);
                }
                shape = l;
            }
            shapes.put(layer.name(), shape);
        }
        return shapes;
    }

    private static int[] read(Map<String, int[]> shapes, String layer, String input) {
        int[] shape = shapes.get(input);
        if (shape == null) {
            throw new IllegalArgumentException("layer '" + layer + "' reads '" + input
                    + "', which is neither the input nor an earlier layer");
        }
        return shape;
    }

    private static int side(Map<String, int[]> shapes, String head, int channels) {
        int[] shape = shapes.get(head);
        if (shape == null) {
            throw new IllegalArgumentException("the network has no '" + head + "' layer");
        }
        if (shape[1] != channels) {
            throw new IllegalArgumentException("head '" + head + "' has " + shape[1] + " channels, expected "
                    + channels);
        }
        return shape[0];
    }
}
