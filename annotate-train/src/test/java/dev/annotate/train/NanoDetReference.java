package dev.annotate.train;

import com.google.protobuf.ByteString;
import dev.annotate.pretrained.TfjsGraphModel;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Records once what the original NanoDet-g graph computes, for {@link NanoDetParityTest}: the TensorFlow.js graph
 * model run as it is, in TensorFlow Java (its nodes rebuilt as a {@code GraphDef}, its weights as constants), on
 * {@link #picture()}, fed as NanoDet's preprocessing makes it (BGR, mean and standard deviation); of its six
 * outputs (class scores after the sigmoid, box logits; strides 8, 16, 32), every {@value #STEP}th value and each
 * output's sum go to {@code nanodet-reference.bin}. Run from the repository's root, after a build:
 *
 * <pre>
 * ./mvnw -q -pl annotate-train dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp annotate-train/target/test-classes:annotate-train/target/classes:$(cat annotate-train/target/cp.txt) \
 *     dev.annotate.train.NanoDetReference \
 *     annotate-pretrained/src/main/resources/dev/annotate/pretrained/nanodet-g/nanodet.json \
 *     annotate-train/src/test/resources/dev/annotate/train/nanodet-reference.bin
 * </pre>
 */
public final class NanoDetReference {

    /** Every STEP-th value of each output is recorded. */
    static final int STEP = 13;
    static final int SIDE = 416;
    static final List<String> OUTPUTS = List.of("Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4",
            "Identity_5");

    private NanoDetReference() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: NanoDetReference NANODET_JSON REFERENCE_BIN");
            System.exit(2);
        }
        TfjsGraphModel model = TfjsGraphModel.read(Path.of(args[0]));
        BufferedImage picture = picture();
        float[] nchw = new float[3 * SIDE * SIDE];
        float[] mean = {103.53f, 116.28f, 123.675f};
        float[] std = {57.375f, 57.12f, 58.395f};
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int rgb = picture.getRGB(x, y);
                int[] bgr = {rgb & 0xff, rgb >> 8 & 0xff, rgb >> 16 & 0xff};
                for (int c = 0; c < 3; c++) {
                    nchw[(c * SIDE + y) * SIDE + x] = (bgr[c] - mean[c]) / std[c];
                }
            }
        }
        try (Graph g = new Graph()) {
            g.importGraphDef(graphDef(model));
            try (Session s = new Session(g);
                 TFloat32 input = TFloat32.tensorOf(Shape.of(1, 3, SIDE, SIDE), DataBuffers.of(nchw, true, false))) {
                Session.Runner runner = s.runner().feed("input_1", input);
                OUTPUTS.forEach(runner::fetch);
                try (Result r = runner.run(); OutputStream file = Files.newOutputStream(Path.of(args[1]));
                     DataOutputStream out = new DataOutputStream(file)) {
                    out.writeInt(STEP);
                    for (int i = 0; i < OUTPUTS.size(); i++) {
                        TFloat32 t = (TFloat32) r.get(i);
                        float[] v = new float[(int) t.size()];
                        t.copyTo(DataBuffers.of(v, false, false));
                        double sum = 0;
                        for (float f : v) {
                            sum += f;
                        }
                        out.writeUTF(OUTPUTS.get(i));
                        out.writeInt((int) t.shape().get(1));
                        out.writeInt((int) t.shape().get(2));
                        out.writeDouble(sum);
                        for (int k = 0; k < v.length; k += STEP) {
                            out.writeFloat(v[k]);
                        }
                        System.out.printf("%s %s sum %.4f%n", OUTPUTS.get(i), t.shape(), sum);
                    }
                }
            }
        }
    }

    /** A generated picture with edges, a blob and gradients in every colour: something for every filter. */
    static BufferedImage picture() {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int r = (int) (128 + 100 * Math.sin(x / 23.0) * Math.cos(y / 31.0));
                int g = (x * y / 300) % 256;
                int b = ((x / 52 + y / 52) % 2) * 180 + (x % 9 == 0 || y % 13 == 0 ? 60 : 0);
                double d = Math.hypot(x - 150, y - 260);
                if (d < 70) {
                    r = 230;
                    g = 40;
                    b = 30;
                }
                image.setRGB(x, y, Math.min(255, r) << 16 | Math.min(255, g) << 8 | Math.min(255, b));
            }
        }
        return image;
    }

    /** The graph model's nodes as a TensorFlow GraphDef, each constant holding its weight. */
    static GraphDef graphDef(TfjsGraphModel model) {
        GraphDef.Builder graph = GraphDef.newBuilder();
        for (TfjsGraphModel.Node n : model.nodes()) {
            NodeDef.Builder node = NodeDef.newBuilder().setName(n.name()).setOp(n.op()).addAllInput(n.inputs());
            for (Map.Entry<String, TfjsGraphModel.Attr> a : n.attrs().entrySet()) {
                if (a.getKey().startsWith("_") || a.getValue() instanceof TfjsGraphModel.Attr.Other) {
                    continue;
                }
                node.putAttr(a.getKey(), attr(a.getValue()));
            }
            if (n.op().equals("Const")) {
                TfjsGraphModel.Weight w = model.weights().get(n.name());
                TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
                for (int d : w.shape()) {
                    shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
                }
                boolean floats = w.dtype() == TfjsGraphModel.DType.FLOAT32;
                // TensorFlow.js holds 64-bit integer constants as 32-bit ones; the node says which they were
                boolean longs = n.attrs().get("dtype") instanceof TfjsGraphModel.Attr.Type t
                        && t.value().equals("DT_INT64");
                int count = floats ? w.floats().length : w.ints().length;
                ByteBuffer bytes = ByteBuffer.allocate((longs ? 8 : 4) * count).order(ByteOrder.LITTLE_ENDIAN);
                if (floats) {
                    bytes.asFloatBuffer().put(w.floats());
                } else if (longs) {
                    for (int i : w.ints()) {
                        bytes.putLong(i);
                    }
                } else {
                    bytes.asIntBuffer().put(w.ints());
                }
                DataType type = floats ? DataType.DT_FLOAT : longs ? DataType.DT_INT64 : DataType.DT_INT32;
                node.putAttr("dtype", AttrValue.newBuilder().setType(type).build());
                node.putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(type)
                        .setTensorShape(shape).setTensorContent(ByteString.copyFrom(bytes.array()))).build());
            }
            graph.addNode(node);
        }
        return graph.build();
    }

    private static AttrValue attr(TfjsGraphModel.Attr a) {
        AttrValue.Builder v = AttrValue.newBuilder();
        if (a instanceof TfjsGraphModel.Attr.Int i) {
            v.setI(i.value());
        } else if (a instanceof TfjsGraphModel.Attr.Float f) {
            v.setF(f.value());
        } else if (a instanceof TfjsGraphModel.Attr.Bool b) {
            v.setB(b.value());
        } else if (a instanceof TfjsGraphModel.Attr.Str s) {
            v.setS(ByteString.copyFromUtf8(s.value()));
        } else if (a instanceof TfjsGraphModel.Attr.Type t) {
            v.setType(DataType.valueOf(t.value()));
        } else if (a instanceof TfjsGraphModel.Attr.Shape s) {
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
            if (s.dims() == null) {
                shape.setUnknownRank(true);
            } else {
                s.dims().forEach(d -> shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d)));
            }
            v.setShape(shape);
        } else {
            TfjsGraphModel.Attr.ListValue l = (TfjsGraphModel.Attr.ListValue) a;
            AttrValue.ListValue.Builder list = AttrValue.ListValue.newBuilder().addAllI(l.ints()).addAllF(l.floats());
            l.strings().forEach(s -> list.addS(ByteString.copyFromUtf8(s)));
            v.setList(list);
        }
        return v.build();
    }
}
