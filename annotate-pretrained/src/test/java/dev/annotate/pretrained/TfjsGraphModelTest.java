package dev.annotate.pretrained;

import dev.annotate.core.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class TfjsGraphModelTest {

    /** A convolution as the converter writes NanoDet's: every attribute kind it uses, float16 weights. */
    static TfjsGraphModel small(Path file) {
        Map<String, TfjsGraphModel.Attr> conv = new LinkedHashMap<>();
        conv.put("T", new TfjsGraphModel.Attr.Type("DT_FLOAT"));
        conv.put("padding", new TfjsGraphModel.Attr.Str("VALID"));
        conv.put("strides", new TfjsGraphModel.Attr.ListValue(List.of(1L, 2L, 2L, 1L), List.of(), List.of()));
        conv.put("use_cudnn_on_gpu", new TfjsGraphModel.Attr.Bool(true));
        Map<String, TfjsGraphModel.Attr> input = Map.of("shape",
                new TfjsGraphModel.Attr.Shape(List.of(1L, 8L, 8L, 3L)), "dtype", new TfjsGraphModel.Attr.Type(
                        "DT_FLOAT"));
        List<TfjsGraphModel.Node> nodes = List.of(
                new TfjsGraphModel.Node("input_1", "Placeholder", List.of(), input),
                new TfjsGraphModel.Node("kernel", "Const", List.of(), Map.of("dtype",
                        new TfjsGraphModel.Attr.Type("DT_FLOAT"))),
                new TfjsGraphModel.Node("conv", "Conv2D", List.of("input_1", "kernel"), conv),
                new TfjsGraphModel.Node("act", "LeakyRelu", List.of("conv"), Map.of("alpha",
                        new TfjsGraphModel.Attr.Float(0.1f))),
                new TfjsGraphModel.Node("Identity", "Identity", List.of("act"), Map.of()));
        float[] kernel = new float[3 * 3 * 3 * 2];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = Float16.toFloat((short) (0x3000 + 37 * i));
        }
        Map<String, TfjsGraphModel.Weight> weights = new LinkedHashMap<>();
        weights.put("kernel", new TfjsGraphModel.Weight("kernel", TfjsGraphModel.DType.FLOAT32,
                new int[] {3, 3, 3, 2}, kernel, new int[0]));
        weights.put("perm", new TfjsGraphModel.Weight("perm", TfjsGraphModel.DType.INT32, new int[] {4},
                new float[0], new int[] {0, 3, 1, 2}));
        return new TfjsGraphModel(file, nodes, List.of("input_1:0"), List.of("Identity:0"), weights);
    }

    @Test
    void read_whatTheConverterWrites_givesItsGraphAndFloat16WeightsAsFloats(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.json");
        TfjsGraphModel written = small(file);
        TfjsWriter.write(file, written, true, 40);
        TfjsGraphModel read = TfjsGraphModel.read(file);
        assertEquals(written, read);
        assertEquals(List.of(1L, 2L, 2L, 1L), read.nodes().get(2).ints("strides"));
        assertEquals("VALID", read.nodes().get(2).string("padding"));
        assertArrayEquals(new int[] {0, 3, 1, 2}, read.weights().get("perm").ints());
        try (var files = Files.list(dir)) {
            assertEquals(5, files.count(), "124 bytes in four shards of at most 40, and model.json");
        }
    }

    @Test
    void read_aLayersModel_isRefusedWithWhatItReads(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("model.json"), "{\"format\": \"layers-model\"}");
        FormatException e = assertThrows(FormatException.class, () -> TfjsGraphModel.read(file));
        assertEquals(file + ": format: 'layers-model' is not 'graph-model': this reads TensorFlow.js graph models"
                + " (tensorflowjs_converter --output_format tfjs_graph_model)", e.getMessage());
    }

    @Test
    void read_shardOutsideTheFolder_isRefused(@TempDir Path dir) throws IOException {
        Path sub = Files.createDirectories(dir.resolve("model"));
        Files.write(dir.resolve("secret.bin"), new byte[8]);
        Path file = Files.writeString(sub.resolve("model.json"), "{\"format\": \"graph-model\", \"modelTopology\":"
                + " {\"node\": []}, \"weightsManifest\": [{\"paths\": [\"../secret.bin\"], \"weights\": []}]}");
        FormatException e = assertThrows(FormatException.class, () -> TfjsGraphModel.read(file));
        assertEquals(file + ": weightsManifest[0]: shard path '../secret.bin' is not a file beside model.json;"
                + " shards are read from " + sub + " only", e.getMessage());
    }

    @Test
    void read_shortOrLongShards_areRefusedNamingTheWeight(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.json");
        TfjsWriter.write(file, small(file), false, 1 << 20);
        Path shard = dir.resolve("model.group1-shard1.bin");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        FormatException shorter = assertThrows(FormatException.class, () -> TfjsGraphModel.read(file));
        assertEquals(file + ": weightsManifest[0].weights[1] 'perm': shape [4] needs 16 bytes; the shards have 15"
                + " left", shorter.getMessage());
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length + 3));
        FormatException longer = assertThrows(FormatException.class, () -> TfjsGraphModel.read(file));
        assertEquals(file + ": weightsManifest[0]: 3 bytes of its shards are left over after its weights: the"
                + " manifest does not describe these shards", longer.getMessage());
        Files.delete(shard);
        FormatException missing = assertThrows(FormatException.class, () -> TfjsGraphModel.read(file));
        assertEquals(file + ": weightsManifest[0]: shard 'model.group1-shard1.bin' not found at " + shard,
                missing.getMessage());
    }

    @Test
    void read_notJson_namesTheFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("model.json"), "{\"format\": ", StandardCharsets.UTF_8);
        FormatException e = assertThrows(FormatException.class, () -> TfjsGraphModel.read(file));
        assertEquals(file, e.file());
    }
}
