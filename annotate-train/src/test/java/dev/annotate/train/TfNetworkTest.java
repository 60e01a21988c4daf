package dev.annotate.train;

import dev.annotate.core.model.Layer;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

final class TfNetworkTest {

    private static final int BATCH = 8;
    private static final int SIDE = 96;
    private static final int IN = 3;
    private static final int OUT = 5;

    /**
     * #32: the weight gradient of a strided 1x1 convolution with fewer than 16 input channels, where the stride
     * divides the side, aborted the process (oneDNN's AVX-512 kernel, where oneDNN is on), so {@code convolve}
     * computes it as a strided slice and a 1x1 convolution. This proves that computation the same: the forward
     * pass against TensorFlow's own strided convolution (its forward kernel is sound), the kernel's gradient against
     * the sum it must be. The abort is reproduced by {@code PrimitiveTrainerTest}'s warm start from a model of 1x1
     * stride-2 convolutions, which without the change aborted the test JVM on every run on such a CPU (this graph
     * without the assertions aborted a plain JVM, with them it did not: this test alone is no detector).
     */
    @Test
    void convolve_stridedPointwiseWithFewChannels_computesTheConvolutionAndItsGradient() {
        for (int stride : new int[] {2, 3, 4}) {
            Random rng = new Random(stride);
            float[] image = new float[BATCH * SIDE * SIDE * IN];
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) rng.nextGaussian();
            }
            float[] weights = new float[IN * OUT];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) rng.nextGaussian();
            }
            try (Graph g = new Graph()) {
                Ops tf = Ops.create(g);
                // fed, as a training step feeds its batch
                Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, SIDE, SIDE,
                        IN)));
                Variable<TFloat32> kernel = tf.variable(tf.constant(Shape.of(1, 1, IN, OUT),
                        DataBuffers.of(weights, true, false)));
                Operand<TFloat32> ours = TfNetwork.convolve(tf, x, kernel, 1, stride, Layer.Padding.SAME);
                Operand<TFloat32> reference = tf.nn.conv2d(x, kernel, List.of(1L, (long) stride, (long) stride, 1L),
                        "SAME");
                Output<?>[] gradient = g.addGradients(tf.reduceSum(tf.math.square(ours),
                        tf.constant(new int[] {0, 1, 2, 3})).asOutput(), new Output<?>[] {kernel.asOutput()});
                try (Session s = new Session(g)) {
                    s.initialize();
                    for (int step = 0; step < 5; step++) {
                        try (TFloat32 fed = TFloat32.tensorOf(Shape.of(BATCH, SIDE, SIDE, IN),
                                DataBuffers.of(image, true, false));
                             var result = s.runner().feed(x, fed).fetch(ours).fetch(reference).fetch(gradient[0])
                                     .run()) {
                            TFloat32 y = (TFloat32) result.get(0);
                            TFloat32 r = (TFloat32) result.get(1);
                            int side = (SIDE + stride - 1) / stride;
                            assertEquals(Shape.of(BATCH, side, side, OUT), y.shape(), "stride " + stride);
                            assertArrayEquals(values(r), values(y), 1e-4f, "stride " + stride);
                            assertArrayEquals(expectedGradient(image, weights, stride),
                                    values((TFloat32) result.get(2)), 0.5f, "stride " + stride);
                        }
                    }
                }
            }
        }
    }

    /** d sum(y^2) / d w[c][o]: the sum, over the pixels the convolution reads, of 2 y[o] x[c]. */
    private static float[] expectedGradient(float[] image, float[] weights, int stride) {
        double[] gradient = new double[IN * OUT];
        for (int b = 0; b < BATCH; b++) {
            for (int y = 0; y < SIDE; y += stride) {
                for (int x = 0; x < SIDE; x += stride) {
                    int pixel = ((b * SIDE + y) * SIDE + x) * IN;
                    for (int o = 0; o < OUT; o++) {
                        double out = 0;
                        for (int c = 0; c < IN; c++) {
                            out += image[pixel + c] * weights[c * OUT + o];
                        }
                        for (int c = 0; c < IN; c++) {
                            gradient[c * OUT + o] += 2 * out * image[pixel + c];
                        }
                    }
                }
            }
        }
        float[] result = new float[gradient.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) gradient[i];
        }
        return result;
    }

    private static float[] values(TFloat32 t) {
        float[] v = new float[(int) t.size()];
        t.copyTo(DataBuffers.of(v, false, false));
        return v;
    }
}
