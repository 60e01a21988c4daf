package dev.annotate.train;

import dev.annotate.core.model.PrimitiveModel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ATSS assignment and the targets of level heads. */
final class LevelTargetsTest {

    private static final int SIZE = 320;
    private final LevelTargets targets = new LevelTargets(SIZE);

    /** The stride of a cell: levels of 40x40, 20x20 and 10x10 cells at 320. */
    private static int stride(int cell) {
        return cell < 1600 ? 8 : cell < 2000 ? 16 : 32;
    }

    @Test
    void cells_coverEveryLevel() {
        assertEquals(1600 + 400 + 100, targets.cells());
    }

    @Test
    void aSmallBox_learnsAtStride8_aLargeOneAtStride32() {
        int[] small = targets.assign(List.of(new TrainingData.Box(100, 100, 124, 124, 0)));
        int[] large = targets.assign(List.of(new TrainingData.Box(20, 30, 300, 290, 0)));
        for (int c = 0; c < small.length; c++) {
            if (small[c] >= 0) {
                assertEquals(8, stride(c), "cell " + c + " of a 24-pixel box");
            }
            if (large[c] >= 0) {
                assertEquals(32, stride(c), "cell " + c + " of a 280-pixel box");
            }
        }
        assertTrue(java.util.Arrays.stream(small).anyMatch(a -> a == 0));
        assertTrue(java.util.Arrays.stream(large).anyMatch(a -> a == 0));
    }

    @Property(tries = 200)
    void everyBox_learnsSomewhere_fromCellsInsideIt_andItsTargetsDecodeToIt(
            @ForAll @DoubleRange(min = 0, max = 300) double x, @ForAll @DoubleRange(min = 0, max = 300) double y,
            @ForAll @DoubleRange(min = 12, max = 320) double w, @ForAll @DoubleRange(min = 12, max = 320) double h) {
        TrainingData.Box box = new TrainingData.Box(x, y, Math.min(SIZE, x + w), Math.min(SIZE, y + h), 1);
        LevelTargets.Targets t = targets.encode(List.of(List.of(box)), 2);
        assertTrue(t.learning() > 0, "no cell learns " + box);
        int bins = PrimitiveModel.BINS;
        for (int c = 0; c < targets.cells(); c++) {
            if (t.positive()[c] == 0) {
                assertEquals(0f, t.classes()[c * 2 + 1]);
                continue;
            }
            assertEquals(0f, t.classes()[c * 2]);
            assertEquals(1f, t.classes()[c * 2 + 1]);
            assertEquals((float) box.x2(), t.boxes()[c * 4 + 2]);
            int s = stride(c);
            float[] centre = centre(c);
            assertTrue(centre[0] > box.x1() && centre[0] < box.x2() && centre[1] > box.y1() && centre[1] < box.y2(),
                    "a learning cell's centre lies inside the box");
            double[] sides = {centre[0] - box.x1(), centre[1] - box.y1(), box.x2() - centre[0], box.y2() - centre[1]};
            for (int side = 0; side < 4; side++) {
                double total = 0;
                double expected = 0;
                for (int i = 0; i < bins; i++) {
                    float v = t.bins()[(c * 4 + side) * bins + i];
                    total += v;
                    expected += v * i;
                }
                assertEquals(1, total, 1e-5, "bins of a side share 1");
                assertEquals(Math.min(sides[side] / s, bins - 1 - 0.01), expected, 1e-4,
                        "the bins' mean is the side's distance in strides, clipped");
            }
        }
    }

    @Property(tries = 300)
    void nearestCells_areThoseASortOfTheWholeLevelGives(@ForAll @DoubleRange(min = 0, max = 320) double x,
                                                       @ForAll @DoubleRange(min = 0, max = 320) double y) {
        int from = 0;
        for (int level = 0; level < 3; level++) {
            int s = PrimitiveModel.LEVEL_STRIDES.get(level);
            int n = SIZE / s;
            List<Integer> all = new java.util.ArrayList<>();
            for (int c = 0; c < n * n; c++) {
                all.add(from + c);
            }
            int base = from;
            all.sort(java.util.Comparator.comparingDouble(c -> {
                double dx = ((c - base) % n + 0.5) * s - x;
                double dy = ((c - base) / n + 0.5) * s - y;
                return dx * dx + dy * dy;
            }));
            assertEquals(all.subList(0, 9), targets.nearest(level, x, y), "level " + level);
            from += n * n;
        }
    }

    @Test
    void aCellTwoBoxesChoose_learnsTheOneItsAnchorOverlapsMost() {
        TrainingData.Box wide = new TrainingData.Box(40, 40, 280, 280, 0);
        TrainingData.Box near = new TrainingData.Box(130, 130, 210, 210, 1);
        int[] both = targets.assign(List.of(wide, near));
        int[] alone = targets.assign(List.of(near));
        for (int c = 0; c < both.length; c++) {
            if (alone[c] == 0 && both[c] != 1) {
                // the wide box may take a cell of the near one only where its anchor overlaps it more
                assertEquals(0, both[c]);
            }
        }
        assertTrue(java.util.Arrays.stream(both).anyMatch(a -> a == 0));
        assertTrue(java.util.Arrays.stream(both).anyMatch(a -> a == 1));
    }

    private static float[] centre(int cell) {
        int at = cell;
        for (int s : PrimitiveModel.LEVEL_STRIDES) {
            int n = SIZE / s;
            if (at < n * n) {
                return new float[] {(at % n + 0.5f) * s, (at / n + 0.5f) * s};
            }
            at -= n * n;
        }
        throw new AssertionError(cell);
    }
}
