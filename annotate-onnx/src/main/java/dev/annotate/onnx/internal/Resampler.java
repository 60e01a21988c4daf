package dev.annotate.onnx.internal;

import dev.annotate.core.processing.ResizeTransform;

/**
 * Resizes BGR bytes straight into a model's input layout in one pass: bilinear interpolation with pixel centres
 * at half-integers (as Java2D's bilinear and OpenCV's {@code INTER_LINEAR}), RGB order, optional scaling, and the
 * padding value outside the content area of a {@link ResizeTransform}. No intermediate image, no boxing.
 */
public final class Resampler {

    private Resampler() {
    }

    /** Column lookups shared by every row: left and right source column and the right column's weight. */
    private record Columns(int[] x0, int[] x1, float[] fx) {
        static Columns of(int sourceWidth, int contentWidth) {
            int[] x0 = new int[contentWidth];
            int[] x1 = new int[contentWidth];
            float[] fx = new float[contentWidth];
            double step = (double) sourceWidth / contentWidth;
            for (int x = 0; x < contentWidth; x++) {
                double sx = (x + 0.5) * step - 0.5;
                int left = (int) Math.floor(sx);
                float w = (float) (sx - left);
                if (left < 0) {
                    left = 0;
                    w = 0;
                }
                if (left >= sourceWidth - 1) {
                    left = sourceWidth - 1;
                    w = 0;
                }
                x0[x] = left * 3;
                x1[x] = Math.min(left + 1, sourceWidth - 1) * 3;
                fx[x] = w;
            }
            return new Columns(x0, x1, fx);
        }
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
        Columns cols = Columns.of(t.sourceWidth(), t.contentWidth());
        int sw3 = t.sourceWidth() * 3;
        double step = (double) t.sourceHeight() / t.contentHeight();
        for (int y = 0; y < t.contentHeight(); y++) {
            double sy = (y + 0.5) * step - 0.5;
            int top = (int) Math.floor(sy);
            float fy = (float) (sy - top);
            if (top < 0) {
                top = 0;
                fy = 0;
            }
            if (top >= t.sourceHeight() - 1) {
                top = t.sourceHeight() - 1;
                fy = 0;
            }
            int r0 = top * sw3;
            int r1 = Math.min(top + 1, t.sourceHeight() - 1) * sw3;
            int o = (y + t.padTop()) * tw + t.padLeft();
            for (int x = 0; x < t.contentWidth(); x++, o++) {
                int a = r0 + cols.x0[x];
                int b = r0 + cols.x1[x];
                int c = r1 + cols.x0[x];
                int d = r1 + cols.x1[x];
                float wx = cols.fx[x];
                for (int ch = 0; ch < 3; ch++) {
                    int k = 2 - ch; // BGR source, RGB planes
                    float upper = (bgr[a + k] & 0xFF) + ((bgr[b + k] & 0xFF) - (bgr[a + k] & 0xFF)) * wx;
                    float lower = (bgr[c + k] & 0xFF) + ((bgr[d + k] & 0xFF) - (bgr[c + k] & 0xFF)) * wx;
                    out[ch * plane + o] = (upper + (lower - upper) * fy) * scale;
                }
            }
        }
    }

    /** Interleaved RGB ({@code [H, W, 3]}, as NHWC) bytes, rounded; padding {@code pad}. */
    public static void toInterleavedRgb(byte[] bgr, ResizeTransform t, int pad, byte[] out) {
        int tw = t.targetWidth();
        java.util.Arrays.fill(out, 0, 3 * tw * t.targetHeight(), (byte) pad);
        Columns cols = Columns.of(t.sourceWidth(), t.contentWidth());
        int sw3 = t.sourceWidth() * 3;
        double step = (double) t.sourceHeight() / t.contentHeight();
        boolean identity = t.contentWidth() == t.sourceWidth() && t.contentHeight() == t.sourceHeight();
        for (int y = 0; y < t.contentHeight(); y++) {
            int o = ((y + t.padTop()) * tw + t.padLeft()) * 3;
            if (identity) {
                int s = y * sw3;
                for (int x = 0; x < t.contentWidth(); x++, o += 3, s += 3) {
                    out[o] = bgr[s + 2];
                    out[o + 1] = bgr[s + 1];
                    out[o + 2] = bgr[s];
                }
                continue;
            }
            double sy = (y + 0.5) * step - 0.5;
            int top = Math.max(0, Math.min((int) Math.floor(sy), t.sourceHeight() - 1));
            float fy = top == t.sourceHeight() - 1 || sy < 0 ? 0 : (float) (sy - top);
            int r0 = top * sw3;
            int r1 = Math.min(top + 1, t.sourceHeight() - 1) * sw3;
            for (int x = 0; x < t.contentWidth(); x++, o += 3) {
                int a = r0 + cols.x0[x];
                int b = r0 + cols.x1[x];
                int c = r1 + cols.x0[x];
                int d = r1 + cols.x1[x];
                float wx = cols.fx[x];
                for (int ch = 0; ch < 3; ch++) {
                    int k = 2 - ch;
                    float upper = (bgr[a + k] & 0xFF) + ((bgr[b + k] & 0xFF) - (bgr[a + k] & 0xFF)) * wx;
                    float lower = (bgr[c + k] & 0xFF) + ((bgr[d + k] & 0xFF) - (bgr[c + k] & 0xFF)) * wx;
                    out[o + ch] = (byte) Math.round(upper + (lower - upper) * fy);
                }
            }
        }
    }
}
