package dev.annotate.cli;

import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.train.SavedModelExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers a pretrained network brings (#31: NanoDet's input normalisation, symmetric padding, leaky ReLU, max
 * pooling, concatenation, bilinear resizing both ways) computed alike by both exports, and read back from ONNX as
 * they were written.
 */
final class PretrainedLayersExportTest {

    static PrimitiveModel everyLayer() {
        Random rng = new Random(5);
        List<Layer> l = new ArrayList<>();
        l.add(new Layer.Affine("norm", PrimitiveModel.INPUT, new float[] {4.4f, 4.5f, 4.3f},
                new float[] {-1.8f, -2.0f, -2.1f}));
        l.add(conv(rng, "c1", "norm", 3, 2, 3, 8, Layer.Activation.LEAKY_RELU, Layer.Padding.SYMMETRIC));
        l.add(new Layer.MaxPool("pool", "c1"));
        l.add(conv(rng, "c2", "pool", 3, 1, 8, 8, Layer.Activation.LEAKY_RELU, Layer.Padding.SYMMETRIC));
        l.add(new Layer.Concat("cat", List.of("c2", "pool")));
        l.add(conv(rng, "c3", "cat", 3, 2, 16, 16, Layer.Activation.LEAKY_RELU, Layer.Padding.SYMMETRIC));
        l.add(conv(rng, "lateral", "c3", 1, 1, 16, 8, Layer.Activation.NONE, Layer.Padding.SYMMETRIC));
        l.add(new Layer.Resize("up", "lateral", true));
        l.add(new Layer.Add("merged", "c2", "up"));
        l.add(new Layer.Resize("down", "merged", false));
        l.add(new Layer.Resize("up2", "down", true));
        l.add(conv(rng, "h", "up2", 3, 1, 8, 8, Layer.Activation.LEAKY_RELU, Layer.Padding.SYMMETRIC));
        l.add(conv(rng, PrimitiveModel.HEATMAP, "h", 1, 1, 8, 2, Layer.Activation.NONE, Layer.Padding.SAME));
        l.add(conv(rng, PrimitiveModel.SIZE, "h", 1, 1, 8, 2, Layer.Activation.NONE, Layer.Padding.SAME));
        l.add(conv(rng, PrimitiveModel.OFFSET, "h", 1, 1, 8, 2, Layer.Activation.NONE, Layer.Padding.SAME));
        return new PrimitiveModel(64, LabelMap.fromNames(List.of("a", "b")), l, 20);
    }

    private static Layer.Conv conv(Random rng, String name, String input, int k, int stride, int in, int out,
                                   Layer.Activation activation, Layer.Padding padding) {
        float[] w = new float[k * k * in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * Math.sqrt(2.0 / (k * k * in)));
        }
        float[] b = new float[out];
        for (int i = 0; i < out; i++) {
            b[i] = (float) rng.nextGaussian() * 0.1f;
        }
        return new Layer.Conv(name, input, k, stride, in, out, activation, w, b, padding);
    }

    @Test
    void everyPretrainedLayer_bothExportsComputeTheSame_andOnnxReadsBackWhatWasWritten(@TempDir Path dir)
            throws Exception {
        PrimitiveModel model = everyLayer();
        assertEquals(4, model.stride());
        SavedModelExport.write(model, dir.resolve("saved_model"));
        OnnxExport.write(model, dir.resolve("model.onnx"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("model.onnx")),
                OnnxExport.toBytes(OnnxExport.read(dir.resolve("model.onnx"))), "read(write(m)) writes m again");
        assertEquals(model.layers().stream().map(Layer::name).toList(),
                OnnxExport.read(dir.resolve("model.onnx")).layers().stream().map(Layer::name).toList());

        Random rng = new Random(9);
        BufferedImage image = new BufferedImage(90, 70, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 70; y++) {
            for (int x = 0; x < 90; x++) {
                image.setRGB(x, y, (x * 3 + y * 5 + rng.nextInt(40)) << 16 | (y * 3) << 8 | rng.nextInt(256));
            }
        }
        Path png = dir.resolve("image.png");
        ImageIO.write(image, "png", png.toFile());
        try (ExportTensors tensors = new ExportTensors(dir)) {
            ExportTensors.Pair p = tensors.run(png);
            for (String name : ExportTensors.NAMES) {
                float[] tf = p.tf().get(name);
                float[] onnx = p.onnx().get(name);
                assertEquals(tf.length, onnx.length, name);
                double largest = 0;
                for (int i = 0; i < tf.length; i++) {
                    largest = Math.max(largest, Math.abs(tf[i] - onnx[i]));
                }
                assertTrue(largest < 1e-4, name + " differs by " + largest);
                assertTrue(java.util.stream.IntStream.range(0, tf.length).anyMatch(i -> tf[i] != tf[0]),
                        name + " is not constant: the comparison means something");
            }
        }
    }
}
