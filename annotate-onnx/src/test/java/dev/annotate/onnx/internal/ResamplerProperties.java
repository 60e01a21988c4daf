package dev.annotate.onnx.internal;

import dev.annotate.core.processing.ResizeTransform;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Both output layouts against a per-pixel reference written the textbook way: sample coordinates at half-integer
 * centres, clamped into the source, then the four neighbours weighted.
 */
final class ResamplerProperties {

    private static final int PAD = 114;

    @Property(tries = 300)
    void bothLayouts_matchTheTextbookBilinearResizeAndPadTheRest(
            @ForAll @IntRange(min = 1, max = 40) int sourceWidth, @ForAll @IntRange(min = 1, max = 40) int sourceHeight,
            @ForAll @IntRange(min = 1, max = 48) int targetWidth, @ForAll @IntRange(min = 1, max = 48) int targetHeight,
            @ForAll boolean letterbox, @ForAll long seed) {
        ResizeTransform t = letterbox
                ? ResizeTransform.letterbox(sourceWidth, sourceHeight, targetWidth, targetHeight, true)
                : ResizeTransform.stretch(sourceWidth, sourceHeight, targetWidth, targetHeight);
        byte[] bgr = new byte[sourceWidth * sourceHeight * 3];
        new Random(seed).nextBytes(bgr);
        int plane = targetWidth * targetHeight;
        float[] planar = new float[3 * plane];
        byte[] interleaved = new byte[3 * plane];
        float scale = 1 / 255f;

        Resampler.toPlanarRgb(bgr, t, scale, PAD, planar);
        Resampler.toInterleavedRgb(bgr, t, PAD, interleaved);

        for (int y = 0; y < targetHeight; y++) {
            for (int x = 0; x < targetWidth; x++) {
                int cx = x - t.padLeft();
                int cy = y - t.padTop();
                boolean inside = cx >= 0 && cy >= 0 && cx < t.contentWidth() && cy < t.contentHeight();
                for (int ch = 0; ch < 3; ch++) {
                    double expected = inside ? reference(bgr, t, cx, cy, 2 - ch) : PAD;
                    String at = "(" + x + "," + y + ") channel " + ch + " of " + t;
                    assertEquals(expected * scale, planar[ch * plane + y * targetWidth + x], 1e-4, at);
                    assertEquals(expected, interleaved[(y * targetWidth + x) * 3 + ch] & 0xFF, 0.5 + 1e-3, at);
                }
            }
        }
    }

    private static double reference(byte[] bgr, ResizeTransform t, int cx, int cy, int k) {
        int sw = t.sourceWidth();
        int sh = t.sourceHeight();
        double sx = clamp((cx + 0.5) * sw / t.contentWidth() - 0.5, sw - 1);
        double sy = clamp((cy + 0.5) * sh / t.contentHeight() - 0.5, sh - 1);
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        int x1 = Math.min(x0 + 1, sw - 1);
        int y1 = Math.min(y0 + 1, sh - 1);
        double wx = sx - x0;
        double wy = sy - y0;
        double top = value(bgr, sw, x0, y0, k) * (1 - wx) + value(bgr, sw, x1, y0, k) * wx;
        double bottom = value(bgr, sw, x0, y1, k) * (1 - wx) + value(bgr, sw, x1, y1, k) * wx;
        return top * (1 - wy) + bottom * wy;
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(v, max));
    }

    private static int value(byte[] bgr, int width, int x, int y, int k) {
        return bgr[(y * width + x) * 3 + k] & 0xFF;
    }
}
