package dev.annotate.train;

import dev.annotate.train.TrainingData.Box;
import dev.annotate.train.TrainingData.Sample;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.DataBufferByte;
import java.awt.image.Kernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Draws training samples from the images in memory: each a random window of a random image (zoom 0.6x to 1.6x,
 * aspect jitter, windows may leave the image and show a grey border), maybe flipped, stretched to the input size
 * with bilinear sampling (as the exported graph resizes), its contrast, brightness and colour changed. For a network
 * learning from random weights ({@link TrainingData.Augmentation#FROM_SCRATCH}) half the samples are instead a 2x2
 * mosaic of four such windows, half the objects are partly covered, by a flat patch or by another training object
 * pasted in front (their boxes stay whole), lettering is added where no object is, samples are maybe blurred, and
 * light and camera change them further (gradients, shadows, noise). Boxes go through the same transforms; objects a
 * mosaic seam cuts down to slivers are returned apart, to be ignored rather than learnt as parts. The random numbers
 * are drawn in a fixed order, so a sample is a pure function of the generator's state.
 */
final class Augmenter {

    /** Share of samples made as a 2x2 mosaic of four images. */
    static final double MOSAIC_SHARE = 0.5;
    /** Windows are zoomed by a log-uniform factor in {@code [1 / ZOOM, ZOOM]}. */
    static final double ZOOM = 1.6;
    /**
     * Share of objects partly covered while their target stays the whole box, half of them by a flat patch from one
     * side (30-70% of the box each way), half by another training object pasted in front anywhere across the box
     * (with its own target): pre-annotation images have objects hidden behind others, and the model should box the
     * whole object, not its visible part. Measured at 2,850 steps on the trainer benchmark: without covering mAP
     * 0.890; flat patches over 0.3 of objects 0.903, over 0.5 0.904 (precision 0.913, recall 0.874); after the
     * generator stopped annotating hidden objects, flat patches only 0.925 (recall 0.899), patches and objects
     * pasted at the sides 0.933-0.940 (recall 0.919), only pasted objects 0.932; with flip averaging in serving,
     * objects pasted at the sides 0.939, anywhere across 0.938 (precision 0.925, recall 0.915; misplaced boxes
     * at 0.5, such as a car in front of a tree boxed twice its size, 18 against 35).
     */
    static final double OCCLUSION_SHARE = 0.5;
    /**
     * An object cut by a mosaic seam down to less than this share of its box is neither an object nor background: its
     * cells get no negative weight ({@link CenterNetTargets#ignore}) instead of the cut part becoming a target of its
     * own. A part shown as a whole next to another image's content (the front of a car at a seam, boxed on its own)
     * teaches the model to box parts; in photographs nothing is cut inside the frame. Measured (3 minutes, trainer
     * seeds 1 and 2) against ignoring every cut below half, the sample's border included: generated domain mAP 0.934 /
     * 0.928 → 0.934 / 0.935, recall 0.915 / 0.897 → 0.905 / 0.908, precision 0.904 / 0.926 → 0.930 / 0.939;
     * photographic-style mAP 0.329 / 0.263 → 0.319 / 0.295.
     */
    static final double KEPT_VISIBLE = 0.5;
    /**
     * An object cut by the sample's own border (as a photograph's frame cuts it) stays a target down to this share of
     * its box, as annotators box truncated objects; below it, it is left out.
     */
    static final double KEPT_AT_BORDER = 0.25;
    /** Share of samples blurred by {@link #blurred}. */
    static final double BLUR_SHARE = 0.3;
    /** Sensor noise: a standard deviation drawn per sample up to this, in 8-bit levels. */
    static final double MAX_NOISE = 8;
    /** A light gradient across the frame: gain changes by up to this from one side to the other. */
    static final double MAX_LIGHT_SLOPE = 0.4;
    /** Soft shadows darken by up to this. */
    static final double MAX_SHADOW = 0.4;
    /**
     * Share of samples given lettering where no object is ({@link #lettering}). With the shadows, measured with
     * lettering in a font (2,800 steps): photographic-style precision at the default score 0.17 → 0.38, recall
     * 0.31 → 0.33, mAP 0.20 → 0.28; generated-domain precision 0.93 → 0.95 at recall 0.90, mAP 0.936 → 0.940. The
     * strokes that replaced the font (no fonts needed, and not the evaluation domain's letters) were measured only in
     * the whole: see the README's Photographs.
     */
    static final double LETTERING_SHARE = 0.5;
    private static final int SHADE_GRID = 16;

    /**
     * A drawn sample's boxes, in input pixels.
     *
     * @param boxes the objects to learn
     * @param ignored objects a mosaic seam cut to a sliver: neither object nor background
     */
    record Drawn(List<Box> boxes, List<Box> ignored) {
    }

    private final List<Sample> samples;
    private final int inputSize;

    Augmenter(List<Sample> samples, int inputSize) {
        this.samples = samples;
        this.inputSize = inputSize;
    }

    /**
     * One training sample: a single image's window or, {@code fromScratch}, for {@value #MOSAIC_SHARE} of them, a
     * 2x2 mosaic of four (YOLOv4's mosaic: more objects per step, smaller ones, new contexts), colour-jittered as a
     * whole; its pixels written into {@code images} from {@code base} as floats in {@code [0, 1]}, NHWC.
     */
    Drawn draw(Random rng, boolean fromScratch, float[] images, int base) {
        int s = inputSize;
        BufferedImage out = new BufferedImage(s, s, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        int grey = 64 + rng.nextInt(128);
        g.setColor(new Color(grey, grey, grey));
        g.fillRect(0, 0, s, s);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        List<Box> boxes = new ArrayList<>();
        List<Box> ignored = new ArrayList<>();
        if (fromScratch && rng.nextDouble() < MOSAIC_SHARE) {
            int half = s / 2;
            for (int q = 0; q < 4; q++) {
                place(samples.get(rng.nextInt(samples.size())), rng, g, q % 2 * half, q / 2 * half, half, s, boxes,
                        ignored);
            }
        } else {
            place(samples.get(rng.nextInt(samples.size())), rng, g, 0, 0, s, s, boxes, ignored);
        }
        if (fromScratch) {
            List<Box> pasted = new ArrayList<>();
            for (Box box : boxes) {
                if (rng.nextDouble() < OCCLUSION_SHARE) {
                    if (rng.nextBoolean()) {
                        occlude(rng, g, box);
                    } else {
                        paste(rng, g, box, pasted);
                    }
                }
            }
            boxes.addAll(pasted);
            if (rng.nextDouble() < LETTERING_SHARE) {
                for (int i = 0, n = 1 + rng.nextInt(4); i < n; i++) {
                    lettering(rng, g, boxes);
                }
            }
        }
        g.dispose();
        if (fromScratch && rng.nextDouble() < BLUR_SHARE) {
            out = blurred(out);
        }
        photometric(rng, out, images, base, fromScratch);
        return new Drawn(List.copyOf(boxes), List.copyOf(ignored));
    }

    /**
     * Writes a sample's pixels into the batch as floats in {@code [0, 1]}, changing them as cameras and light do:
     * contrast, brightness and colour gain; {@code fromScratch}, also a light gradient across the frame, soft
     * shadows (a smooth random field) and sensor noise.
     */
    private void photometric(Random rng, BufferedImage out, float[] images, int base, boolean fromScratch) {
        int s = inputSize;
        double contrast = 0.75 + rng.nextDouble() * 0.5;
        double brightness = (rng.nextDouble() - 0.5) * 0.3 * 255;
        double[] gain = {0.9 + rng.nextDouble() * 0.2, 0.9 + rng.nextDouble() * 0.2, 0.9 + rng.nextDouble() * 0.2};
        double noise = fromScratch ? rng.nextDouble() * MAX_NOISE : 0;
        double slope = fromScratch ? rng.nextDouble() * MAX_LIGHT_SLOPE : 0;
        double angle = rng.nextDouble() * 2 * Math.PI;
        double gx = slope * Math.cos(angle) / s;
        double gy = slope * Math.sin(angle) / s;
        float[] shade = shadows(rng, fromScratch ? MAX_SHADOW : 0);
        // one Gaussian per pixel: java.util.Random's is synchronized and took half the batch thread's time
        SplittableRandom grains = new SplittableRandom(rng.nextLong());
        byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int p = 0; p < s * s; p++) {
            double light = (1 + (p % s - s / 2.0) * gx + (p / s - s / 2.0) * gy)
                    * shade[p / s * SHADE_GRID / s * SHADE_GRID + p % s * SHADE_GRID / s];
            double grain = noise > 0 ? grains.nextGaussian() * noise : 0;
            for (int c = 0; c < 3; c++) {
                int v = bgr[p * 3 + 2 - c] & 0xFF;
                double f = (((v - 128) * contrast + 128 + brightness) * gain[c] * light + grain) / 255;
                images[base + p * 3 + c] = (float) Math.min(1, Math.max(0, f));
            }
        }
    }

    /**
     * Soft shadows: a field from {@code 1 - depth} to 1 ({@code depth} up to {@code maxDepth}), bilinear
     * between 5x5 random values, sampled on a {@value #SHADE_GRID}-square grid that pixels take their nearest cell
     * of.
     */
    private static float[] shadows(Random rng, double maxDepth) {
        int c = 4;
        float[] coarse = new float[(c + 1) * (c + 1)];
        double depth = rng.nextDouble() * maxDepth;
        for (int i = 0; i < coarse.length; i++) {
            coarse[i] = (float) (1 - depth * rng.nextDouble());
        }
        float[] out = new float[SHADE_GRID * SHADE_GRID];
        for (int y = 0; y < SHADE_GRID; y++) {
            for (int x = 0; x < SHADE_GRID; x++) {
                double u = (double) x * c / SHADE_GRID;
                double v = (double) y * c / SHADE_GRID;
                int x0 = (int) u;
                int y0 = (int) v;
                double fx = u - x0;
                double fy = v - y0;
                double top = coarse[y0 * (c + 1) + x0] * (1 - fx) + coarse[y0 * (c + 1) + x0 + 1] * fx;
                double bottom = coarse[(y0 + 1) * (c + 1) + x0] * (1 - fx) + coarse[(y0 + 1) * (c + 1) + x0 + 1] * fx;
                out[y * SHADE_GRID + x] = (float) (top * (1 - fy) + bottom * fy);
            }
        }
        return out;
    }

    /**
     * A line of lettering, on a board half the time, where it covers no object: text is everywhere in photographs and
     * is no object. The glyphs are strokes (bars, diagonals, bows and rings in a letter's cell, 3% to 12% of the input
     * high), not a font's, so training needs no fonts installed and never draws the letters of any one font.
     */
    private void lettering(Random rng, Graphics2D g, List<Box> boxes) {
        int s = inputSize;
        double h = s * (0.03 + rng.nextDouble() * 0.09);
        double w = h * (0.5 + rng.nextDouble() * 0.2);
        int letters = 2 + rng.nextInt(7);
        double pad = h * 0.3;
        double x = rng.nextDouble() * s;
        double y = rng.nextDouble() * s;
        double x2 = x + letters * w * 1.25 + 2 * pad;
        double y2 = y + h + 2 * pad;
        for (Box b : boxes) {
            if (x < b.x2() && b.x1() < x2 && y < b.y2() && b.y1() < y2) {
                return;
            }
        }
        g.setClip(0, 0, s, s);
        Color board = Color.getHSBColor(rng.nextFloat(), rng.nextFloat(), 0.3f + rng.nextFloat() * 0.7f);
        if (rng.nextBoolean()) {
            g.setColor(board);
            g.fill(new Rectangle2D.Double(x, y, x2 - x, y2 - y));
        }
        g.setColor(rng.nextBoolean() ? Color.getHSBColor(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
                : board.getRed() + board.getGreen() > 250 ? Color.BLACK : Color.WHITE);
        g.setStroke(new BasicStroke((float) (h * (rng.nextBoolean() ? 0.16 : 0.09)), BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER));
        for (int i = 0; i < letters; i++) {
            double gx = x + pad + i * w * 1.25;
            double gy = y + pad;
            for (int k = 0, strokes = 2 + rng.nextInt(3); k < strokes; k++) {
                g.draw(switch (rng.nextInt(6)) {
                    case 0 -> new Line2D.Double(gx + w * rng.nextInt(3) / 2, gy, gx + w * rng.nextInt(3) / 2, gy + h);
                    case 1 -> new Line2D.Double(gx, gy + h * rng.nextInt(3) / 2, gx + w, gy + h * rng.nextInt(3) / 2);
                    case 2 -> new Line2D.Double(gx, gy + h, gx + w, gy);
                    case 3 -> new Line2D.Double(gx, gy, gx + w, gy + h);
                    case 4 -> new Arc2D.Double(gx, gy + h * rng.nextInt(2) / 2, w, h / 2, 90 * rng.nextInt(4), 180,
                            Arc2D.OPEN);
                    default -> new Ellipse2D.Double(gx, gy, w, h);
                });
            }
        }
    }

    /** A 3x3 box blur: focus and camera shake. */
    private static BufferedImage blurred(BufferedImage img) {
        float[] k = new float[9];
        Arrays.fill(k, 1f / 9);
        BufferedImage blurred = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        new ConvolveOp(new Kernel(3, 3, k), ConvolveOp.EDGE_NO_OP, null).filter(img, blurred);
        return blurred;
    }

    /**
     * Covers part of a box with a flat patch of a random colour from its left or right side, as an object in front
     * would; the box's target stays the whole object ({@link #OCCLUSION_SHARE}).
     */
    private static void occlude(Random rng, Graphics2D g, Box box) {
        double bw = box.x2() - box.x1();
        double bh = box.y2() - box.y1();
        double fw = 0.3 + rng.nextDouble() * 0.4;
        double fh = 0.3 + rng.nextDouble() * 0.4;
        double x = rng.nextBoolean() ? box.x1() - bw * 0.1 : box.x2() - bw * fw + bw * 0.1;
        double y = box.y1() + rng.nextDouble() * bh * (1 - fh);
        g.setClip(null);
        g.setColor(new Color(rng.nextInt(0x1000000)));
        g.fillRect((int) x, (int) y, (int) Math.ceil(bw * fw), (int) Math.ceil(bh * fh));
    }

    /**
     * Covers part of a box with another training object (its box cut from a random sample, scaled to 30-70% of
     * the box's width) anywhere across it, from overhanging its left side to overhanging its right, as objects
     * hide each other in a scene (a car in front of the middle of a tree, too); the pasted object gets its own
     * target and the covered one keeps its whole box.
     */
    private void paste(Random rng, Graphics2D g, Box box, List<Box> pasted) {
        Sample other = samples.get(rng.nextInt(samples.size()));
        if (other.boxes().isEmpty()) {
            occlude(rng, g, box);
            return;
        }
        Box source = other.boxes().get(rng.nextInt(other.boxes().size()));
        double sw = source.x2() - source.x1();
        double sh = source.y2() - source.y1();
        double bw = box.x2() - box.x1();
        double bh = box.y2() - box.y1();
        double w = bw * (0.3 + rng.nextDouble() * 0.4);
        double h = w * sh / sw;
        if (w < 4 || h < 4 || sw < 2 || sh < 2) {
            occlude(rng, g, box);
            return;
        }
        double x = box.x1() - w * 0.3 + rng.nextDouble() * (bw - w * 0.4);
        double y = box.y1() + rng.nextDouble() * Math.max(0, bh - h * 0.5) - h * 0.25;
        boolean flip = rng.nextBoolean();
        g.setClip(0, 0, inputSize, inputSize);
        int dx1 = (int) Math.round(x);
        int dy1 = (int) Math.round(y);
        int dx2 = (int) Math.round(x + w);
        int dy2 = (int) Math.round(y + h);
        g.drawImage(other.image(), flip ? dx2 : dx1, dy1, flip ? dx1 : dx2, dy2, (int) source.x1(), (int) source.y1(),
                (int) Math.ceil(source.x2()), (int) Math.ceil(source.y2()), null);
        double cx1 = Math.max(0, dx1);
        double cy1 = Math.max(0, dy1);
        double cx2 = Math.min(inputSize, dx2);
        double cy2 = Math.min(inputSize, dy2);
        if (cx2 - cx1 >= 2 && cy2 - cy1 >= 2 && (cx2 - cx1) * (cy2 - cy1) >= 0.25 * (dx2 - dx1) * (dy2 - dy1)) {
            pasted.add(new Box(cx1, cy1, cx2, cy2, source.channel()));
        }
    }

    /**
     * Draws a random window of {@code sample} (zoom 0.6x to 1.6x, aspect jitter, maybe flipped; the window may
     * leave the image) into the square {@code (ox, oy, side)} of a {@code total}-pixel sample, and adds its boxes
     * clipped to it: those cut by a mosaic seam to less than {@link #KEPT_VISIBLE} to {@code ignored}, the rest
     * that stay at least {@link #KEPT_AT_BORDER} visible to {@code boxes}.
     */
    private static void place(Sample sample, Random rng, Graphics2D g, int ox, int oy, int side, int total,
                              List<Box> boxes, List<Box> ignored) {
        BufferedImage src = sample.image();
        double zoom = Math.exp((rng.nextDouble() * 2 - 1) * Math.log(ZOOM));
        double aspect = Math.exp((rng.nextDouble() * 2 - 1) * Math.log(1.2));
        double ww = src.getWidth() / zoom * aspect;
        double wh = src.getHeight() / zoom / aspect;
        double x0 = between(rng, Math.min(0, src.getWidth() - ww), Math.max(0, src.getWidth() - ww));
        double y0 = between(rng, Math.min(0, src.getHeight() - wh), Math.max(0, src.getHeight() - wh));
        boolean flip = rng.nextBoolean();
        double kx = side / ww;
        double ky = side / wh;
        AffineTransform t = new AffineTransform();
        t.translate(ox, oy);
        if (flip) {
            t.translate(side, 0);
            t.scale(-1, 1);
        }
        t.scale(kx, ky);
        t.translate(-x0, -y0);
        g.setClip(ox, oy, side, side);
        g.drawImage(src, t, null);

        for (Box box : sample.boxes()) {
            double ax = (box.x1() - x0) * kx;
            double bx = (box.x2() - x0) * kx;
            double x1 = ox + (flip ? side - bx : ax);
            double x2 = ox + (flip ? side - ax : bx);
            double y1 = oy + (box.y1() - y0) * ky;
            double y2 = oy + (box.y2() - y0) * ky;
            double area = (x2 - x1) * (y2 - y1);
            double cx1 = Math.max(ox, x1);
            double cy1 = Math.max(oy, y1);
            double cx2 = Math.min(ox + side, x2);
            double cy2 = Math.min(oy + side, y2);
            if (cx2 - cx1 < 2 || cy2 - cy1 < 2) {
                continue;
            }
            double visible = (cx2 - cx1) * (cy2 - cy1) / area;
            boolean seam = ox > 0 && x1 < cx1 || oy > 0 && y1 < cy1 || ox + side < total && x2 > cx2
                    || oy + side < total && y2 > cy2;
            if (seam && visible < KEPT_VISIBLE) {
                ignored.add(new Box(cx1, cy1, cx2, cy2, box.channel()));
            } else if (visible >= KEPT_AT_BORDER) {
                boxes.add(new Box(cx1, cy1, cx2, cy2, box.channel()));
            }
        }
    }

    private static double between(Random rng, double lo, double hi) {
        return lo + rng.nextDouble() * (hi - lo);
    }
}
