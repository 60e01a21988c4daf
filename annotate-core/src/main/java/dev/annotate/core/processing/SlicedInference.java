package dev.annotate.core.processing;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Slicing;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a model on a whole image and on its {@link Slicing} tiles, and merges the answers into one list of
 * candidates for {@link PostProcessing}.
 *
 * <p>Merging takes candidates best first. A candidate found by a pass (the whole image, or one tile) that has not
 * yet contributed to a kept box of the same label is compared with it: if either box is cut by a tile's inner
 * edge (it ends within {@value #EDGE_SHARE} of a tile side of an edge that is not the image's) and the smaller
 * lies at least half inside the other, the kept box grows to cover both (the parts of one object cut apart by
 * tiles are joined); if neither is cut and their IoU is at least 0.5, the candidate is the same object seen again
 * and is dropped. Anything else is kept; then kept boxes are joined the same way where the order of the first pass
 * left parts of one object apart. Candidates below {@code minScore} are dropped first, so that nothing
 * uncertain widens a box.
 *
 * <pre>{@code
 * List<Annotation> candidates = SlicedInference.candidates(image, Slicing.of(1024), model::infer, 0.5);
 * }</pre>
 */
public final class SlicedInference {

    /** A box ending this close to a tile's inner edge, as a share of the tile side, counts as cut by it. */
    static final double EDGE_SHARE = 0.02;
    /** Intersection over the smaller box at which a cut box joins another box of the same label. */
    static final double JOIN_OVERLAP = 0.5;
    /** IoU at which two whole boxes of the same label from different passes are one object. */
    static final double DUPLICATE_IOU = 0.5;

    private SlicedInference() {
    }

    /**
     * @param image the whole image
     * @param slicing the tiles
     * @param infer a model's raw candidates for an image, in its pixels, each with a confidence
     * @param minScore candidates below this are dropped before merging
     * @return the merged candidates, in image pixels, best first
     */
    public static List<Annotation> candidates(BufferedImage image, Slicing slicing,
                                              Function<BufferedImage, List<Annotation>> infer, double minScore) {
        int w = image.getWidth();
        int h = image.getHeight();
        List<Candidate> all = new ArrayList<>();
        add(all, infer.apply(image), 0, 0, 0, w, h, w, h, slicing, minScore);
        int[] xs = slicing.origins(w);
        int[] ys = slicing.origins(h);
        if (xs.length > 1 || ys.length > 1) {
            int pass = 1;
            for (int y : ys) {
                for (int x : xs) {
                    int tw = Math.min(slicing.tileSide(), w - x);
                    int th = Math.min(slicing.tileSide(), h - y);
                    add(all, infer.apply(tile(image, x, y, tw, th)), pass++, x, y, tw, th, w, h, slicing, minScore);
                }
            }
        }
        return merge(all);
    }

    /** One candidate: its box in image pixels, which pass found it, and whether a tile's inner edge cuts it. */
    record Candidate(Annotation annotation, int pass, boolean cut) {
    }

    private static void add(List<Candidate> all, List<Annotation> found, int pass, int x, int y, int tw, int th,
                            int w, int h, Slicing slicing, double minScore) {
        double margin = EDGE_SHARE * slicing.tileSide();
        for (Annotation a : found) {
            if (a.confidenceOr(0) < minScore) {
                continue;
            }
            BoundingBox b = a.box();
            BoundingBox placed = BoundingBox.of(b.xmin() + x, b.ymin() + y, b.xmax() + x, b.ymax() + y);
            // the whole image's pass (at 0, 0, as large as the image) has no inner edge
            boolean cut = x > 0 && b.xmin() <= margin || y > 0 && b.ymin() <= margin
                    || x + tw < w && b.xmax() >= tw - margin || y + th < h && b.ymax() >= th - margin;
            all.add(new Candidate(a.withBox(placed), pass, cut));
        }
    }

    /**
     * A copy of a region, so that backends that read an image's buffer directly see a plain image: of the image's
     * own type, or 8-bit BGR for types a new image cannot copy faithfully (custom, indexed and 1-bit images).
     */
    private static BufferedImage tile(BufferedImage image, int x, int y, int w, int h) {
        int type = switch (image.getType()) {
            case BufferedImage.TYPE_CUSTOM, BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_BYTE_BINARY ->
                    BufferedImage.TYPE_3BYTE_BGR;
            default -> image.getType();
        };
        BufferedImage out = new BufferedImage(w, h, type);
        Graphics2D g = out.createGraphics();
        g.drawImage(image.getSubimage(x, y, w, h), 0, 0, null);
        g.dispose();
        return out;
    }

    /** Merges as the class comment says. */
    static List<Annotation> merge(List<Candidate> candidates) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble((Candidate c) -> -c.annotation().confidenceOr(0)));
        List<Kept> kept = new ArrayList<>();
        for (Candidate c : sorted) {
            Kept next = new Kept(c);
            Kept match = null;
            boolean join = false;
            double best = 0;
            for (Kept k : kept) {
                if (!k.fromOtherPasses(next)) {
                    continue;
                }
                double iou = k.box.iou(next.box);
                boolean joins = k.joins(next);
                if ((joins || iou >= DUPLICATE_IOU) && iou >= best) {
                    match = k;
                    join = joins;
                    best = iou;
                }
            }
            if (match == null) {
                kept.add(next);
            } else if (join) {
                match.join(next);
            } else {
                match.passes.or(next.passes);
            }
        }
        joinKept(kept);
        return kept.stream().map(k -> k.first.withBox(k.box)).toList();
    }

    /**
     * Joins kept boxes that the greedy pass left apart because each met a different part first (two parts of a long
     * object overlap each other too little, but each lies inside the box of the whole image's pass): until nothing
     * changes, a later kept box joins an earlier one as {@link Kept#joins} says.
     */
    private static void joinKept(List<Kept> kept) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < kept.size() && !changed; i++) {
                Kept a = kept.get(i);
                for (int j = i + 1; j < kept.size(); j++) {
                    Kept b = kept.get(j);
                    if (a.fromOtherPasses(b) && a.joins(b)) {
                        a.join(b);
                        kept.remove(j);
                        changed = true;
                        break;
                    }
                }
            }
        }
    }

    /** A kept box: the best candidate's annotation, the box grown by joins, and the passes that found it. */
    private static final class Kept {
        final Annotation first;
        final String label;
        final BitSet passes = new BitSet();
        BoundingBox box;
        boolean cut;

        Kept(Candidate c) {
            first = c.annotation();
            label = first.label();
            box = first.box();
            cut = c.cut();
            passes.set(c.pass());
        }

        /** Whether {@code other} is of this label and found by passes none of which found this. */
        boolean fromOtherPasses(Kept other) {
            return label.equals(other.label) && !passes.intersects(other.passes);
        }

        /** Whether {@code other} is a part of the same object: either is cut and the smaller lies half inside. */
        boolean joins(Kept other) {
            return (cut || other.cut) && box.overlapOfSmaller(other.box) >= JOIN_OVERLAP;
        }

        /** Grows to cover {@code other}, cut only if both were, found by the passes of both. */
        void join(Kept other) {
            box = box.span(other.box);
            cut = cut && other.cut;
            passes.or(other.passes);
        }
    }
}
