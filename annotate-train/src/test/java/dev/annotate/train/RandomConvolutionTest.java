package dev.annotate.train;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TrainingData#randomConvolution}: colours and textures change, shapes stay where they are. */
final class RandomConvolutionTest {

    private static final int SIDE = 24;

    @Test
    void identityKernels_keepTheImage() {
        float[] image = new float[2 * SIDE * SIDE * 3];
        Random random = new Random(7);
        for (int i = 0; i < image.length; i++) {
            image[i] = random.nextFloat();
        }
        int base = SIDE * SIDE * 3;
        for (int k : new int[] {1, 3}) {
            float[] weights = new float[k * k * 9];
            int centre = (k / 2 * k + k / 2) * 9;
            for (int c = 0; c < 3; c++) {
                weights[centre + c * 3 + c] = 1;
            }
            for (double keep : new double[] {0, 0.4, 1}) {
                float[] out = image.clone();
                TrainingData.randomConvolution(out, base, SIDE, k, weights, keep);
                for (int i = 0; i < image.length; i++) {
                    assertEquals(image[i], out[i], 1e-5, "k " + k + ", keep " + keep + ", value " + i
                            + (i < base ? " (before the sample: must not change)" : ""));
                }
            }
        }
    }

    @Test
    void aPointOfLight_spreadsAsTheKernelSays() {
        int k = 3;
        float[] weights = new float[k * k * 9];
        Random random = new Random(11);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        float[] image = new float[SIDE * SIDE * 3];
        java.util.Arrays.fill(image, 0.5f);
        int cx = 9;
        int cy = 14;
        for (int c = 0; c < 3; c++) {
            image[(cy * SIDE + cx) * 3 + c] = 0.6f;
        }
        TrainingData.randomConvolution(image, 0, SIDE, k, weights, 0);
        // the output at (x, y) sums the input at (x + dx - 1, y + dy - 1) with tap (dx, dy); each output channel is
        // then moved and stretched (a positive gain), so around the point the outputs rank as the taps' sums over
        // the input channels do
        for (int out = 0; out < 3; out++) {
            for (int a = 0; a < 9; a++) {
                for (int b = 0; b < 9; b++) {
                    float wa = weights[a * 9 + out] + weights[a * 9 + 3 + out] + weights[a * 9 + 6 + out];
                    float wb = weights[b * 9 + out] + weights[b * 9 + 3 + out] + weights[b * 9 + 6 + out];
                    float va = image[((cy - (a / 3 - 1)) * SIDE + cx - (a % 3 - 1)) * 3 + out];
                    float vb = image[((cy - (b / 3 - 1)) * SIDE + cx - (b % 3 - 1)) * 3 + out];
                    assertEquals(Float.compare(wa, wb), Float.compare(va, vb), "taps " + a + " and " + b
                            + " of output channel " + out);
                }
            }
        }
    }

    /**
     * An image of two colours split by an upright edge: whatever the weights, rows stay alike, each side of the
     * edge stays one colour, and values stay in [0, 1].
     */
    @Property(tries = 200)
    void randomKernels_keepAnEdgeWhereItIs(@ForAll long seed, @ForAll @IntRange(min = 0, max = 1) int large,
                                          @ForAll @DoubleRange(min = 0, max = 1) double keep) {
        Random random = new Random(seed);
        int k = 1 + 2 * large;
        float[] weights = new float[k * k * 9];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (random.nextGaussian() / Math.sqrt(k * k * 3));
        }
        float[] left = {random.nextFloat(), random.nextFloat(), random.nextFloat()};
        float[] right = {random.nextFloat(), random.nextFloat(), random.nextFloat()};
        int edge = 1 + random.nextInt(SIDE - 2);
        float[] image = new float[SIDE * SIDE * 3];
        for (int p = 0; p < SIDE * SIDE; p++) {
            System.arraycopy(p % SIDE < edge ? left : right, 0, image, p * 3, 3);
        }
        TrainingData.randomConvolution(image, 0, SIDE, k, weights, keep);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                for (int c = 0; c < 3; c++) {
                    float v = image[(y * SIDE + x) * 3 + c];
                    assertTrue(v >= 0 && v <= 1, "value " + v);
                    assertEquals(image[x * 3 + c], v, 1e-5, "row " + y + " differs from row 0 at x " + x);
                    int sameSide = x < edge ? 0 : SIDE - 1;
                    if (Math.abs(x - edge) > k / 2 && Math.abs(x - edge + 1) > k / 2) {
                        assertEquals(image[sameSide * 3 + c], v, 1e-5, "x " + x + " of edge " + edge);
                    }
                }
            }
        }
    }
}
