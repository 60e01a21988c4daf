package dev.annotate.core.model;

import dev.annotate.core.LabelMap;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class PrimitiveModelTest {

    static final LabelMap TWO = LabelMap.fromNames(List.of("a", "b"));

    static Layer.Conv conv(String name, String input, int k, int stride, int in, int out) {
        return new Layer.Conv(name, input, k, stride, in, out, Layer.Activation.RELU, new float[k * k * in * out],
                new float[out]);
    }

    /** input 32 -> 16 -> 8 (stride 4), an upsample-and-add branch, and the three heads. */
    static List<Layer> network(int classes) {
        List<Layer> l = new ArrayList<>();
        l.add(conv("c1", PrimitiveModel.INPUT, 3, 2, 3, 8));
        l.add(conv("c2", "c1", 3, 2, 8, 8));
        l.add(conv("c3", "c2", 3, 2, 8, 8));
        l.add(new Layer.Upsample("u", "c3"));
        l.add(new Layer.Add("m", "c2", "u"));
        l.add(conv(PrimitiveModel.HEATMAP, "m", 1, 1, 8, classes));
        l.add(conv(PrimitiveModel.SIZE, "m", 1, 1, 8, 2));
        l.add(conv(PrimitiveModel.OFFSET, "m", 1, 1, 8, 2));
        return l;
    }

    @Test
    void model_reportsItsGeometryAndParameters() {
        PrimitiveModel m = new PrimitiveModel(32, TWO, network(2), 10);
        assertEquals(8, m.outputSize());
        assertEquals(4, m.stride());
        assertEquals((27 * 8 + 8) + 2 * (72 * 8 + 8) + (8 * 2 + 2) * 3, m.parameterCount());
    }

    @Test
    void model_withHeadsOfTheWrongWidth_isRefusedNamingTheHead() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(32, LabelMap.fromNames(List.of("a", "b", "c")), network(2), 10));
        assertEquals("head 'heatmap' has 2 channels, expected 3", e.getMessage());
    }

    @Test
    void model_readingAnUnknownLayer_isRefusedNamingBoth() {
        List<Layer> l = network(2);
        l.set(1, conv("c2", "nope", 3, 2, 8, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(32, TWO, l, 10));
        assertEquals("layer 'c2' reads 'nope', which is neither the input nor an earlier layer", e.getMessage());
    }

    @Test
    void model_addingMismatchedShapes_isRefused() {
        List<Layer> l = network(2);
        l.set(4, new Layer.Add("m", "c1", "u"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(32, TWO, l, 10));
        assertEquals("add 'm': 'c1' is 16x16x8 but 'u' is 8x8x8", e.getMessage());
    }

    @Test
    void model_withMoreDetectionsThanCells_orNoClasses_isRefused() {
        assertEquals("maxDetections (129) exceeds the 128 (cell, class) scores of the heads",
                assertThrows(IllegalArgumentException.class,
                        () -> new PrimitiveModel(32, TWO, network(2), 129)).getMessage());
        assertEquals("a model needs at least one class; the label map is empty",
                assertThrows(IllegalArgumentException.class,
                        () -> new PrimitiveModel(32, LabelMap.empty(), network(1), 1)).getMessage());
    }

    /** input 64 -> strides 8, 16, 32, each with a level head of {@code classes + 44} channels. */
    static List<Layer> levels(int classes) {
        List<Layer> l = new ArrayList<>();
        l.add(conv("c0", PrimitiveModel.INPUT, 3, 2, 3, 8));
        l.add(conv("c0b", "c0", 3, 2, 8, 8));
        l.add(conv("c1", "c0b", 3, 2, 8, 8));
        l.add(conv("c2", "c1", 3, 2, 8, 8));
        l.add(conv("c3", "c2", 3, 2, 8, 8));
        int out = classes + 4 * PrimitiveModel.BINS;
        l.add(conv("head8", "c1", 1, 1, 8, out));
        l.add(conv("head16", "c2", 1, 1, 8, out));
        l.add(conv("head32", "c3", 1, 1, 8, out));
        return l;
    }

    @Test
    void levelHeads_areRecognisedByName_andChecked() {
        PrimitiveModel m = new PrimitiveModel(64, TWO, levels(2), 100);
        assertEquals(PrimitiveModel.Heads.LEVELS, m.heads());
        assertEquals(PrimitiveModel.Heads.CENTRES, new PrimitiveModel(32, TWO, network(2), 10).heads());
        assertEquals(8, m.outputSize());
        assertEquals(8, m.stride());
        assertEquals("maxDetections (169) exceeds the 168 (cell, class) scores of the heads",
                assertThrows(IllegalArgumentException.class,
                        () -> new PrimitiveModel(64, TWO, levels(2), 169)).getMessage());
        assertEquals("head 'head8' has 46 channels, expected 47", assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(64, LabelMap.fromNames(List.of("a", "b", "c")), levels(2), 10))
                .getMessage());
        assertEquals("the network ends in neither a 'heatmap' head (with 'size' and 'offset') nor level heads"
                + " ['head8', 'head16', 'head32']", assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(64, TWO, levels(2).subList(0, 5), 10)).getMessage());
        List<Layer> missing = levels(2);
        missing.remove(missing.size() - 1);
        assertEquals("the network has no 'head32' layer", assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(64, TWO, missing, 10)).getMessage());
        assertEquals("head 'head32' is 3 wide; at stride 32 of inputSize 80 it must be 2 (inputSize must be a"
                + " multiple of 32)", assertThrows(IllegalArgumentException.class,
                () -> new PrimitiveModel(80, TWO, levels(2), 10)).getMessage());
    }

    @Test
    void conv_withWrongWeightCount_isRefused_andCopiesItsArrays() {
        assertEquals("conv 'x': 5 weights, expected 1x1x3x2", assertThrows(IllegalArgumentException.class,
                () -> new Layer.Conv("x", "image", 1, 1, 3, 2, Layer.Activation.NONE, new float[5], new float[2]))
                .getMessage());
        float[] w = new float[6];
        Layer.Conv c = new Layer.Conv("x", "image", 1, 1, 3, 2, Layer.Activation.NONE, w, new float[2]);
        w[0] = 1;
        c.weights()[1] = 1;
        assertEquals(0f, c.weights()[0]);
        assertEquals(0f, c.weights()[1]);
    }
}
