package dev.annotate.tf;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * TF Object Detection API-shaped models built with TensorFlow Java for the tests. Each finds the box of the
 * pixels whose red channel exceeds 128 in its own input and reports four candidates with the OD API's output
 * names: that box as class 1 (score 0.9), the box shifted by 0.3% as class 1 (0.8, for NMS to remove), the box
 * as class 2 (0.85), and a far box as class 3 (0.1, below the default threshold). Boxes are normalised
 * {@code [ymin, xmin, ymax, xmax]}, classes 1-based floats, as the OD API exports them. Public for the
 * benchmarks, through this module's test jar.
 */
public final class OdModels {

    /** The image input kinds the OD API exports. */
    public enum Input { UINT8, FLOAT, STRING }

    private OdModels() {
    }

    /** The graph's operands: the input placeholder and the four outputs. */
    record Built(Operand<? extends TType> input, Operand<TFloat32> boxes, Operand<TFloat32> scores,
                 Operand<TFloat32> classes, Operand<TFloat32> count) {
    }

    static Built build(Graph g, Input kind, String inputName) {
        Ops tf = Ops.create(g);
        Operand<? extends TType> input;
        Operand<TUint8> image;
        switch (kind) {
            case UINT8 -> {
                Placeholder<TUint8> p = tf.withName(inputName).placeholder(TUint8.class,
                        Placeholder.shape(Shape.of(1, -1, -1, 3)));
                input = p;
                image = p;
            }
            case FLOAT -> {
                Placeholder<TFloat32> p = tf.withName(inputName).placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(1, -1, -1, 3)));
                input = p;
                image = tf.dtypes.cast(p, TUint8.class);
            }
            case STRING -> {
                Placeholder<TString> p = tf.withName(inputName).placeholder(TString.class,
                        Placeholder.shape(Shape.of(1)));
                input = p;
                Operand<TUint8> decoded = tf.image.decodeImage(tf.reshape(p, tf.constant(new long[0])),
                        new DecodeImage.Options[] {DecodeImage.channels(3L), DecodeImage.expandAnimations(false)});
                image = tf.expandDims(decoded, tf.constant(0));
            }
            default -> throw new AssertionError(kind);
        }
        Operand<TFloat32> red = tf.dtypes.cast(tf.gather(image, tf.constant(0), tf.constant(3)), TFloat32.class);
        Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greater(red, tf.constant(128f)), TFloat32.class);
        Operand<TInt64> shape = tf.shape(image, TInt64.class);
        Operand<TFloat32> h = tf.dtypes.cast(tf.gather(shape, tf.constant(1), tf.constant(0)), TFloat32.class);
        Operand<TFloat32> w = tf.dtypes.cast(tf.gather(shape, tf.constant(2), tf.constant(0)), TFloat32.class);
        Operand<TFloat32> rows = tf.reduceMax(mask, tf.constant(new int[] {0, 2}));
        Operand<TFloat32> cols = tf.reduceMax(mask, tf.constant(new int[] {0, 1}));
        Operand<TFloat32> ymin = first(tf, rows);
        Operand<TFloat32> ymax = tf.math.sub(h, first(tf, tf.reverse(rows, tf.constant(new int[] {0}))));
        Operand<TFloat32> xmin = first(tf, cols);
        Operand<TFloat32> xmax = tf.math.sub(w, first(tf, tf.reverse(cols, tf.constant(new int[] {0}))));
        Operand<TFloat32> b = tf.stack(List.of(tf.math.div(ymin, h), tf.math.div(xmin, w), tf.math.div(ymax, h),
                tf.math.div(xmax, w)));
        Operand<TFloat32> shifted = tf.math.add(b, tf.constant(0.003f));
        Operand<TFloat32> far = tf.constant(new float[] {0.6f, 0.6f, 0.65f, 0.65f});
        Operand<TFloat32> boxes = tf.withName("detection_boxes").reshape(tf.concat(List.of(b, shifted, b, far),
                tf.constant(0)), tf.constant(new long[] {1, 4, 4}));
        Operand<TFloat32> scores = tf.withName("detection_scores").identity(
                tf.constant(new float[][] {{0.9f, 0.8f, 0.85f, 0.1f}}));
        Operand<TFloat32> classes = tf.withName("detection_classes").identity(
                tf.constant(new float[][] {{1, 1, 2, 3}}));
        Operand<TFloat32> count = tf.withName("num_detections").identity(tf.constant(new float[] {4}));
        return new Built(input, boxes, scores, classes, count);
    }

    /** Index of the first 1 in a 0/1 vector, as a float scalar. */
    private static Operand<TFloat32> first(Ops tf, Operand<TFloat32> line) {
        return tf.dtypes.cast(tf.math.argMax(line, tf.constant(0)), TFloat32.class);
    }

    /** A TF2-style SavedModel: signature {@code serving_default}, input key {@code inputKey}. */
    public static Path savedModel(Path dir, Input kind, String inputKey) throws IOException {
        return savedModel(dir, kind, inputKey, 0);
    }

    /**
     * The same, stating that it resizes every image to {@code statedSize} square (as the primitive model's export
     * does, with {@link TensorFlowProvider#INPUT_SIZE_OPERATION}) unless that is 0. (It finds the rectangle at any
     * size all the same.)
     */
    public static Path savedModel(Path dir, Input kind, String inputKey, int statedSize) throws IOException {
        try (Graph g = new Graph()) {
            Built m = build(g, kind, inputKey);
            if (statedSize > 0) {
                Ops.create(g).withName(TensorFlowProvider.INPUT_SIZE_OPERATION).constant(
                        new int[] {statedSize, statedSize});
            }
            try (Session s = new Session(g)) {
                Signature signature = Signature.builder().key("serving_default").input(inputKey, m.input())
                        .output("detection_boxes", m.boxes()).output("detection_scores", m.scores())
                        .output("detection_classes", m.classes()).output("num_detections", m.count()).build();
                SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(signature, s)).export();
            }
        }
        return dir;
    }

    /** A TF1 frozen graph: placeholder {@code image_tensor}, outputs named by operation. */
    public static Path frozenGraph(Path file) throws IOException {
        try (Graph g = new Graph()) {
            build(g, Input.UINT8, "image_tensor");
            Files.write(file, g.toGraphDef().toByteArray());
        }
        return file;
    }
}
