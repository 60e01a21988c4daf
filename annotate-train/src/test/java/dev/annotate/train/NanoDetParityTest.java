package dev.annotate.train;

import dev.annotate.core.model.Layer;
import dev.annotate.pretrained.NanoDet;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers {@link NanoDet#coco()} recovers compute what the original NanoDet-g graph computes: its outputs,
 * recorded once by {@link NanoDetReference} from the TensorFlow.js model run as it is, against this project's
 * network (the {@link Layer}s built as TensorFlow ops by {@link TfNetwork}, as both exports build them) on the
 * same picture. The recovered network reads RGB in [0, 1] and normalises itself; the original was fed NanoDet's
 * BGR preprocessing.
 */
final class NanoDetParityTest {

    /** Largest difference measured: 2.4e-7 on scores, 5.7e-6 on box logits; room left for other CPUs' kernels. */
    private static final double TOLERANCE = 5e-4;

    @Test
    void coco_recoveredLayers_computeWhatTheOriginalGraphComputes() throws IOException {
        NanoDet.Network net = NanoDet.coco();
        assertEquals(3_786_068, net.parameterCount(), "NanoDet-g's parameters, biases holding the folded norms");
        int side = NanoDetReference.SIDE;
        BufferedImage picture = NanoDetReference.picture();
        float[] rgb = new float[side * side * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = picture.getRGB(x, y);
                rgb[(y * side + x) * 3] = (p >> 16 & 0xff) / 255f;
                rgb[(y * side + x) * 3 + 1] = (p >> 8 & 0xff) / 255f;
                rgb[(y * side + x) * 3 + 2] = (p & 0xff) / 255f;
            }
        }
        int classes = NanoDet.COCO_CLASSES.size();
        try (InputStream resource = getClass().getResourceAsStream("nanodet-reference.bin");
             Graph g = new Graph(); Session s = new Session(g)) {
            assertNotNull(resource, "nanodet-reference.bin");
            DataInputStream reference = new DataInputStream(resource);
            int step = reference.readInt();
            Ops tf = Ops.create(g);
            Operand<TFloat32> image = tf.constant(Shape.of(1, side, side, 3), DataBuffers.of(rgb, true, false));
            Map<String, Operand<TFloat32>> out = TfNetwork.forward(tf, image, side, net.layers(),
                    (c, x) -> TfNetwork.constantConv(tf, c, x));
            Session.Runner runner = s.runner();
            for (int stride : NanoDet.STRIDES) {
                runner.fetch(out.get(NanoDet.HEAD + stride));
            }
            try (var result = runner.run()) {
                // the reference holds the class scores of strides 8, 16, 32, then their box logits
                for (int part = 0; part < 6; part++) {
                    boolean scores = part < 3;
                    int level = part % 3;
                    String name = reference.readUTF();
                    int cells = reference.readInt();
                    int channels = reference.readInt();
                    double sum = reference.readDouble();
                    int n = (int) Math.round(Math.pow(side / NanoDet.STRIDES.get(level), 2));
                    assertEquals(n, cells, name);
                    assertEquals(scores ? classes : 4 * NanoDet.BINS, channels, name);
                    TFloat32 head = (TFloat32) result.get(level);
                    float[] v = new float[(int) head.size()];
                    head.copyTo(DataBuffers.of(v, false, false));
                    double ours = 0;
                    double largest = 0;
                    for (int k = 0; k < cells * channels; k++) {
                        int cell = k / channels;
                        int channel = k % channels;
                        float logit = v[cell * (classes + 4 * NanoDet.BINS) + (scores ? 0 : classes) + channel];
                        double value = scores ? 1 / (1 + Math.exp(-logit)) : logit;
                        ours += value;
                        if (k % step == 0) {
                            largest = Math.max(largest, Math.abs(value - reference.readFloat()));
                        }
                    }
                    assertTrue(largest < TOLERANCE, name + ": the recovered network differs by " + largest);
                    assertEquals(sum, ours, TOLERANCE * cells, name + ": the sum of every value");
                }
            }
        }
    }
}
