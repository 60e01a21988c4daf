package dev.annotate.tf;

import dev.annotate.core.image.ExifOrientation;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeJpeg;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * JPEG files decoded by TensorFlow's own decoder straight into a uint8 input tensor {@code [1, H, W, 3]} in the
 * displayed frame (EXIF orientation applied in the graph), for models that take uint8 pixels.
 *
 * <p>This is faster than {@code ImageIO.read} followed by a BGR → RGB copy into a tensor (libjpeg-turbo against
 * the JDK's libjpeg 6b, and no copy through Java at all), and gives the same pixels: the accurate integer DCT
 * ({@code INTEGER_ACCURATE}, libjpeg's {@code JDCT_ISLOW}) with the default upsampling is bit-identical to the
 * JDK's decoder. Thread-safe: TensorFlow sessions are. Public for applications and benchmarks that feed a
 * TensorFlow graph themselves, like {@link ImageTensors}.
 */
public final class JpegTensors implements AutoCloseable {

    private final Graph graph;
    private final Session session;
    private final Placeholder<TString> bytes;
    /** The scale factors libjpeg decodes at, as TensorFlow's {@code ratio} offers them. */
    public static final List<Integer> RATIOS = List.of(1, 2, 4, 8);

    /** Per ratio, per orientation: the displayed pixels. */
    private final Map<Integer, Map<ExifOrientation, Operand<TUint8>>> displayed = new HashMap<>();

    /** Builds the decoding graph and its session; close it when done. */
    public JpegTensors() {
        graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            bytes = tf.placeholder(TString.class);
            for (int ratio : RATIOS) {
                // channels 0: the file's own, so a grayscale or CMYK file is recognised and left to ImageIO
                Operand<TUint8> stored = tf.image.decodeJpeg(bytes, DecodeJpeg.channels(0L),
                        DecodeJpeg.dctMethod("INTEGER_ACCURATE"), DecodeJpeg.ratio((long) ratio));
                Map<ExifOrientation, Operand<TUint8>> turned = new EnumMap<>(ExifOrientation.class);
                for (ExifOrientation o : ExifOrientation.values()) {
                    turned.put(o, tf.expandDims(turn(tf, stored, o), tf.constant(0)));
                }
                displayed.put(ratio, turned);
            }
            // the kernels of concurrent calls run on the inter-op pool: one thread per processor lets callers decode
            // in parallel. Its own threads: TensorFlow otherwise sizes the process-wide pool, shared by every later
            // session, after the first session's configuration
            ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(1)
                    .setInterOpParallelismThreads(Runtime.getRuntime().availableProcessors())
                    .setUsePerSessionThreads(true).build();
            session = new Session(graph, config);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /**
     * The stored {@code [H, W, C]} pixels as a person sees them: the inverse of the mapping in
     * {@link ExifOrientation#toDisplayed}, done with a transpose (for the four orientations that swap the sides)
     * and reversals of the rows (axis 0) or columns (axis 1).
     */
    private static Operand<TUint8> turn(Ops tf, Operand<TUint8> stored, ExifOrientation o) {
        Operand<TUint8> t = switch (o) {
            case TRANSPOSE, ROTATE_90_CW, TRANSVERSE, ROTATE_270_CW ->
                    tf.linalg.transpose(stored, tf.constant(new int[] {1, 0, 2}));
            default -> stored;
        };
        int[] reversed = switch (o) {
            case NORMAL, TRANSPOSE -> new int[0];
            case MIRROR_HORIZONTAL, ROTATE_90_CW -> new int[] {1};
            case MIRROR_VERTICAL, ROTATE_270_CW -> new int[] {0};
            case ROTATE_180, TRANSVERSE -> new int[] {0, 1};
        };
        return reversed.length == 0 ? t : tf.reverse(t, tf.constant(reversed));
    }

    /**
     * The largest of {@link #RATIOS} that keeps at least {@code minWidth x minHeight} of a
     * {@code width x height} image: libjpeg then decodes {@code ceil(width / ratio)} columns, each the average of
     * {@code ratio} full-size ones.
     */
    public static int ratio(int width, int height, int minWidth, int minHeight) {
        int most = Math.max(1, Math.min(width / minWidth, height / minHeight));
        int ratio = 1;
        for (int r : RATIOS) {
            if (r <= most) {
                ratio = r;
            }
        }
        return ratio;
    }

    /**
     * Decodes a JPEG file's bytes into {@code [1, H, W, 3]} in the displayed frame, at {@code 1 / ratio} of its
     * size (libjpeg's DCT scaling: a fraction of a full decode's work), and hands the tensor to {@code use}, which
     * must be done with it when it returns.
     *
     * @param ratio one of {@link #RATIOS}
     * @return what {@code use} returned; empty if TensorFlow cannot decode the file or it does not have three
     *     colour channels (grayscale, CMYK): the caller then decodes it the ordinary way, which handles those and
     *     names what is wrong
     */
    public <T> Optional<T> decode(byte[] jpeg, ExifOrientation orientation, int ratio, Function<TUint8, T> use) {
        if (!RATIOS.contains(ratio)) {
            throw new IllegalArgumentException("ratio " + ratio + " is not one of " + RATIOS);
        }
        try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(jpeg))) {
            Result result;
            try {
                result = session.runner().feed(bytes, input).fetch(displayed.get(ratio).get(orientation)).run();
            } catch (RuntimeException e) {
                // TensorFlow reports a corrupt file as TFInvalidArgumentException, other failures as others
                return Optional.empty();
            }
            try (result) {
                TUint8 pixels = (TUint8) result.get(0);
                return pixels.shape().get(3) == 3 ? Optional.of(use.apply(pixels)) : Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
