package dev.annotate.core.processing;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.LabelMap;
import dev.annotate.core.Slicing;
import dev.annotate.core.spi.AbstractDetector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class SlicedInferenceTest {

    /** The model's input side: like a real detector, it sees every image shrunk to this. */
    private static final int MODEL_SIDE = 256;

    @Property
    void origins_coverTheSide_withNeighboursOverlappingAsAsked(
            @ForAll @IntRange(min = 1, max = 20_000) int length, @ForAll @IntRange(min = 32, max = 4096) int tile,
            @ForAll @DoubleRange(min = 0, max = 0.9) double overlap) {
        Slicing s = new Slicing(tile, overlap);
        int[] o = s.origins(length);
        assertEquals(0, o[0]);
        if (length <= tile) {
            assertEquals(1, o.length);
            return;
        }
        assertEquals(length - tile, o[o.length - 1], "the last tile ends at the side");
        for (int i = 1; i < o.length; i++) {
            assertTrue(o[i] > o[i - 1], "origins increase");
            assertTrue(o[i - 1] + tile - o[i] >= Math.floor(overlap * tile) - 1, "overlap " + (o[i - 1] + tile - o[i]));
        }
    }

    @Test
    void slicing_outOfRange_namesTheValue() {
        assertEquals("tileSide (16) must be >= 32",
                assertThrows(IllegalArgumentException.class, () -> Slicing.of(16)).getMessage());
        assertEquals("overlap (0.95) must be in [0, 0.9]",
                assertThrows(IllegalArgumentException.class, () -> new Slicing(512, 0.95)).getMessage());
    }

    /**
     * A large image with small squares the model cannot see when the whole image is shrunk to its input, and a
     * large rectangle that every tile it crosses cuts: slicing finds every square once, the rectangle once and
     * whole, and costs one inference per tile more.
     */
    @Test
    void detect_sliced_findsSmallObjects_joinsCutOnes_andReportsEachOnce() {
        int w = 2400;
        int h = 1700;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        List<BoundingBox> truth = new ArrayList<>();
        BoundingBox large = BoundingBox.of(300, 500, 1500, 1000);
        g.fillRect(300, 500, 1200, 500);
        truth.add(large);
        Random random = new Random(3);
        while (truth.size() < 30) {
            int side = 10 + random.nextInt(12);
            BoundingBox b = BoundingBox.ofSize(random.nextInt(w - side), random.nextInt(h - side), side, side);
            BoundingBox margin = BoundingBox.of(b.xmin() - 4, b.ymin() - 4, b.xmax() + 4, b.ymax() + 4);
            if (truth.stream().noneMatch(t -> t.iou(margin) > 0 || t.overlapOfSmaller(margin) > 0)) {
                g.fillRect((int) b.xmin(), (int) b.ymin(), side, side);
                truth.add(b);
            }
        }
        g.dispose();
        AtomicInteger calls = new AtomicInteger();

        try (ShrinkingDetector whole = new ShrinkingDetector(DetectorOptions.defaults(), calls)) {
            List<Annotation> found = whole.detect(image);
            assertEquals(1, calls.get());
            assertEquals(1, found.size(), "shrunk to " + MODEL_SIDE + ", the squares vanish: " + found);
        }
        calls.set(0);
        Slicing slicing = Slicing.of(512);
        int tiles = slicing.origins(w).length * slicing.origins(h).length;
        try (ShrinkingDetector sliced = new ShrinkingDetector(DetectorOptions.defaults().withSlicing(slicing),
                calls)) {
            List<Annotation> found = sliced.detect(image);
            assertEquals(1 + tiles, calls.get());
            assertEquals(truth.size(), found.size(), "every object once: " + found);
            for (BoundingBox t : truth) {
                double best = found.stream().mapToDouble(a -> a.box().iou(t)).max().orElse(0);
                assertTrue(best >= 0.95, t + " found at IoU " + best);
            }
        }
    }

    /** A merge of whole boxes from different passes: one object seen twice is reported once. */
    @Test
    void merge_keepsTheBestOfADuplicate_andSeparateObjectsApart() {
        Annotation a = Annotation.predicted("car", BoundingBox.of(0, 0, 100, 50), 0.9);
        Annotation again = Annotation.predicted("car", BoundingBox.of(4, 2, 102, 52), 0.7);
        Annotation inside = Annotation.predicted("car", BoundingBox.of(10, 10, 30, 30), 0.8);
        Annotation cutPart = Annotation.predicted("car", BoundingBox.of(60, 0, 120, 50), 0.6);
        List<Annotation> merged = SlicedInference.merge(List.of(new SlicedInference.Candidate(a, 0, false),
                new SlicedInference.Candidate(again, 1, false), new SlicedInference.Candidate(inside, 1, false),
                new SlicedInference.Candidate(cutPart, 2, true)));
        assertEquals(List.of(a.withBox(BoundingBox.of(0, 0, 120, 50)), inside), merged);
    }

    /**
     * A stand-in model that reads the pixels: it shrinks the image to {@value #MODEL_SIDE} on its longer side, as
     * detectors do, and reports every dark connected region of at least 3 x 3 cells there, in image pixels.
     */
    private static final class ShrinkingDetector extends AbstractDetector {
        private final AtomicInteger calls;

        ShrinkingDetector(DetectorOptions options, AtomicInteger calls) {
            super("shrinking stand-in", LabelMap.fromNames(List.of("thing")), options);
            this.calls = calls;
        }

        @Override
        protected List<Annotation> infer(BufferedImage image) {
            calls.incrementAndGet();
            double k = Math.min(1, (double) MODEL_SIDE / Math.max(image.getWidth(), image.getHeight()));
            int cw = Math.max(1, (int) Math.round(image.getWidth() * k));
            int ch = Math.max(1, (int) Math.round(image.getHeight() * k));
            boolean[] dark = new boolean[cw * ch];
            for (int y = 0; y < ch; y++) {
                for (int x = 0; x < cw; x++) {
                    int px = Math.min(image.getWidth() - 1, (int) ((x + 0.5) / k));
                    int py = Math.min(image.getHeight() - 1, (int) ((y + 0.5) / k));
                    dark[y * cw + x] = (image.getRGB(px, py) & 0xFF) < 128;
                }
            }
            List<Annotation> out = new ArrayList<>();
            boolean[] seen = new boolean[dark.length];
            for (int start = 0; start < dark.length; start++) {
                if (!dark[start] || seen[start]) {
                    continue;
                }
                int[] box = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1};
                ArrayDeque<Integer> todo = new ArrayDeque<>(List.of(start));
                seen[start] = true;
                while (!todo.isEmpty()) {
                    int c = todo.pop();
                    int x = c % cw;
                    int y = c / cw;
                    box[0] = Math.min(box[0], x);
                    box[1] = Math.min(box[1], y);
                    box[2] = Math.max(box[2], x);
                    box[3] = Math.max(box[3], y);
                    for (int n : new int[] {x > 0 ? c - 1 : -1, x < cw - 1 ? c + 1 : -1, c - cw, c + cw}) {
                        if (n >= 0 && n < dark.length && dark[n] && !seen[n]) {
                            seen[n] = true;
                            todo.push(n);
                        }
                    }
                }
                int cells = Math.min(box[2] - box[0], box[3] - box[1]) + 1;
                if (cells >= 3) {
                    out.add(Annotation.predicted("thing", exact(image, box, k), Math.min(0.99, 0.6 + cells / 200.0)));
                }
            }
            return out;
        }

        /** The dark pixels' box around a region found in cells: a model that sees an object places its box well. */
        private static BoundingBox exact(BufferedImage image, int[] cells, double k) {
            int x0 = Math.max(0, (int) Math.floor((cells[0] - 1) / k));
            int y0 = Math.max(0, (int) Math.floor((cells[1] - 1) / k));
            int x1 = Math.min(image.getWidth(), (int) Math.ceil((cells[2] + 2) / k));
            int y1 = Math.min(image.getHeight(), (int) Math.ceil((cells[3] + 2) / k));
            int[] box = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1};
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    if ((image.getRGB(x, y) & 0xFF) < 128) {
                        box[0] = Math.min(box[0], x);
                        box[1] = Math.min(box[1], y);
                        box[2] = Math.max(box[2], x + 1);
                        box[3] = Math.max(box[3], y + 1);
                    }
                }
            }
            return BoundingBox.of(box[0], box[1], box[2], box[3]);
        }

        @Override
        protected void release() {
        }
    }
}
