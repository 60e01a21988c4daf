package dev.annotate.pretrained;

import dev.annotate.core.FormatException;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class NanoDetTest {

    @Test
    void coco_isNanoDetG_andRunsAtAnyMultipleOf32() {
        NanoDet.Network net = NanoDet.coco();
        assertSame(net, NanoDet.coco(), "loaded once");
        assertEquals(3_786_068, net.parameterCount());
        assertEquals(416, net.inputSize());
        assertEquals(80, net.classes().size());
        assertEquals("person", net.classes().entries().get(0).name());
        assertEquals(34, net.layers().stream().filter(l -> l instanceof Layer.Conv).count());
        Layer.Affine first = (Layer.Affine) net.layers().get(0);
        assertEquals(PrimitiveModel.INPUT, first.input());
        // red, read first, is normalised with NanoDet's third (BGR) mean and deviation
        assertEquals(255 / 58.395f, first.multiply()[0], 1e-5f);
        assertEquals(-123.675f / 58.395f, first.add()[0], 1e-5f);
        for (int size : List.of(320, 416, 512)) {
            Map<String, int[]> shapes = PrimitiveModel.shapes(size, net.layers());
            for (int stride : NanoDet.STRIDES) {
                assertEquals(size / stride, shapes.get(NanoDet.HEAD + stride)[0], size + " at stride " + stride);
                assertEquals(124, shapes.get(NanoDet.HEAD + stride)[1]);
            }
        }
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> PrimitiveModel.shapes(336, net.layers()));
        assertTrue(odd.getMessage().contains("is 21x21x128"), odd.getMessage());
    }

    /** The shipped files are the ones PROVENANCE names, byte for byte. */
    @Test
    void shippedWeights_matchTheirProvenance() throws IOException, NoSuchAlgorithmException {
        String provenance = new String(NanoDet.resource("PROVENANCE"), StandardCharsets.UTF_8);
        for (String file : List.of("nanodet.json", "nanodet.bin")) {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(NanoDet.resource(file)));
            assertTrue(provenance.contains(sha + "  " + file), file + " has SHA-512 " + sha + ", not PROVENANCE's");
        }
        assertTrue(new String(NanoDet.resource("NOTICE"), StandardCharsets.UTF_8).contains("Copyright 2020-2021"
                + " RangiLyu"));
        assertTrue(new String(NanoDet.resource("LICENSE"), StandardCharsets.UTF_8).contains("Apache License"));
    }

    @Test
    void read_aGraphWithAnOpItDoesNotFollow_namesTheNode(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.json");
        TfjsGraphModel small = TfjsGraphModelTest.small(file);
        List<TfjsGraphModel.Node> nodes = new java.util.ArrayList<>(small.nodes());
        nodes.set(0, new TfjsGraphModel.Node("input_1", "Placeholder", List.of(), Map.of("shape",
                new TfjsGraphModel.Attr.Shape(List.of(1L, 3L, 8L, 8L)))));
        nodes.set(2, new TfjsGraphModel.Node("conv", "Conv3D", List.of("input_1", "kernel"), Map.of()));
        TfjsWriter.write(file, new TfjsGraphModel(file, nodes, small.inputs(), small.outputs(), small.weights()),
                true, 1 << 20);
        FormatException e = assertThrows(FormatException.class, () -> NanoDet.read(file));
        assertEquals(file + ": node 'conv' (Conv3D): op Conv3D is not followed", e.getMessage());
    }
}
