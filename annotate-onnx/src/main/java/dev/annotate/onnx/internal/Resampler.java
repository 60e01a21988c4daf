package dev.annotate.onnx.internal;

import dev.annotate.core.image.Images;
import dev.annotate.core.processing.ResizeTransform;

/**
 * Resizes BGR bytes straight into a model's input layout in one pass: bilinear interpolation with pixel centres
 * at half-integers (as Java2D's bilinear and OpenCV's {@code INTER_LINEAR}), RGB order, optional scaling, and the
 * padding value outside the content area of a {@link ResizeTransform}. No intermediate image, no boxing.
 */
public final class Resampler {

    private Resampler() {
    }

    /**
     * Lookups along one axis, shared by every row (for columns) or every column (for rows): for each output
     * position, the offset of the lower and upper source sample and the upper one's weight. Pixel centres sit at
     * half-integers; positions before the first or past the last source centre take the edge sample alone.
     *
     * @param stride bytes from one source sample to the next along this axis
     */
    private record Axis(int[] lo, int[] hi, float[] weight) {
        static Axis of(int sourceLength, int contentLength, int stride) {
            int[] lo = new int[contentLength];
            int[] hi = new int[contentLength];
            float[] weight = new float[contentLength];
            double step = (double) sourceLength / contentLength;
            for (int i = 0; i < contentLength; i++) {
                double s = (i + 0.5) * step - 0.5;
                int low = (int) Math.floor(s);
                float w = (float) (s - low);
                if (low < 0) {
                    low = 0;
                    w = 0;
                }
                if (low >= sourceLength - 1) {
                    low = sourceLength - 1;
                    w = 0;
                }
                lo[i] = low * stride;
                hi[i] = Math.min(low + 1, sourceLength - 1) * stride;
                weight[i] = w;
            }
            return new Axis(lo, hi, weight);
        }
    }

    /** Bilinear value of byte {@code k} of the four source pixels at offsets a (top left) b, c, d (bottom right). */
    private static float blend(byte[] bgr, int a, int b, int c, int d, int k, float wx, float wy) {
        float upper = (bgr[a + k] & 0xFF) + ((bgr[b + k] & 0xFF) - (bgr[a + k] & 0xFF)) * wx;
        float lower = (bgr[c + k] & 0xFF) + ((bgr[d + k] & 0xFF) - (bgr[c + k] & 0xFF)) * wx;
        return upper + (lower - upper) * wy;
    }

    /**
     * Planar RGB ({@code [3, H, W]}, as NCHW) floats: {@code value * scale}, padding {@code pad * scale}.
     *
     * @param bgr source pixels, 3 bytes per pixel, rows without gaps
     * @param out at least {@code 3 * targetWidth * targetHeight} floats; every one is written
     */
    public static void toPlanarRgb(byte[] bgr, ResizeTransform t, float scale, int pad, float[] out) {
        int tw = t.targetWidth();
        int th = t.targetHeight();
        int plane = tw * th;
        float padValue = pad * scale;
        java.util.Arrays.fill(out, 0, 3 * plane, padValue);
        Axis cols = Axis.of(t.sourceWidth(), t.contentWidth(), 3);
        Axis rows = Axis.of(t.sourceHeight(), t.contentHeight(), t.sourceWidth() * 3);
        for (int y = 0; y < t.contentHeight(); y++) {
            int r0 = rows.lo[y];
            int r1 = rows.hi[y];
            float wy = rows.weight[y];
            int o = (y + t.padTop()) * tw + t.padLeft();
            for (int x = 0; x < t.contentWidth(); x++, o++) {
                int a = r0 + cols.lo[x];
                int b = r0 + cols.hi[x];
                int c = r1 + cols.lo[x];
                int d = r1 + cols.hi[x];
                float wx = cols.weight[x];
                for (int ch = 0; ch < 3; ch++) {
                    // BGR source, RGB planes
                    out[ch * plane + o] = blend(bgr, a, b, c, d, 2 - ch, wx, wy) * scale;
                }
            }
        }
    }

    /** Interleaved RGB ({@code [H, W, 3]}, as NHWC) bytes, rounded; padding {@code pad}; every byte is written. */
    public static void toInterleavedRgb(byte[] bgr, ResizeTransform t, int pad, byte[] out) {
        int tw = t.targetWidth();
        if (t.contentWidth() != tw || t.contentHeight() != t.targetHeight()) {
            java.util.Arrays.fill(out, 0, 3 * tw * t.targetHeight(), (byte) pad); // the letterbox bands
        }
        int sw3 = t.sourceWidth() * 3;
        Axis cols = Axis.of(t.sourceWidth(), t.contentWidth(), 3);
        Axis rows = Axis.of(t.sourceHeight(), t.contentHeight(), sw3);
        boolean identity = t.contentWidth() == t.sourceWidth() && t.contentHeight() == t.sourceHeight();
        for (int y = 0; y < t.contentHeight(); y++) {
            int o = ((y + t.padTop()) * tw + t.padLeft()) * 3;
            if (identity) {
                Images.bgrToRgb(bgr, y * sw3, out, o, t.contentWidth());
                continue;
            }
            int r0 = rows.lo[y];
            int r1 = rows.hi[y];
            float wy = rows.weight[y];
            for (int x = 0; x < t.contentWidth(); x++, o += 3) {
                int a = r0 + cols.lo[x];
                int b = r0 + cols.hi[x];
                int c = r1 + cols.lo[x];
                int d = r1 + cols.hi[x];
                float wx = cols.weight[x];
                for (int ch = 0; ch < 3; ch++) {
                    out[o + ch] = (byte) Math.round(blend(bgr, a, b, c, d, 2 - ch, wx, wy));
                }
            }
        }
    }
}
