package dev.annotate.onnx.graph;

import dev.annotate.core.format.AtomicFiles;
import dev.annotate.onnx.proto.GraphProto;
import dev.annotate.onnx.proto.ModelProto;
import dev.annotate.onnx.proto.NodeProto;
import dev.annotate.onnx.proto.OperatorSetIdProto;
import dev.annotate.onnx.proto.StringStringEntryProto;
import dev.annotate.onnx.proto.TensorShapeProto;
import dev.annotate.onnx.proto.TypeProto;
import dev.annotate.onnx.proto.ValueInfoProto;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds an ONNX model: inputs, outputs, initializers, nodes and metadata, written as an ONNX {@code ModelProto}.
 * Small and direct, for test fixtures and for exporting this project's primitive detector; it does not infer
 * shapes or check operator semantics (ONNX Runtime does that when it loads the model), but it does refuse a
 * node input that nothing defines, naming both.
 *
 * <p>Dimensions given as negative numbers become symbolic ({@code dim_param}), for dynamic batch or size.
 *
 * <pre>{@code
 * byte[] model = OnnxGraph.builder("identity")
 *         .input("x", ElementType.FLOAT, 1, 3, -1, -1)
 *         .node("Identity", List.of("x"), List.of("y"))
 *         .output("y", ElementType.FLOAT, 1, 3, -1, -1)
 *         .metadata("names", "{0: 'car'}")
 *         .toBytes();
 * }</pre>
 */
public final class OnnxGraph {

    /** IR version written: 8, which pairs with opsets 15 to 18. */
    public static final long IR_VERSION = 8;
    /** Default-domain opset written unless {@link Builder#opset(long)} says otherwise. */
    public static final long DEFAULT_OPSET = 17;

    private OnnxGraph() {
    }

    /** A builder for a graph with this name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Collects the parts of one model; {@link #toBytes()} checks that every node input is defined. */
    public static final class Builder {
        private final GraphProto.Builder graph = GraphProto.newBuilder();
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final Set<String> defined = new HashSet<>();
        private long opset = DEFAULT_OPSET;
        private int nodes;

        private Builder(String name) {
            graph.setName(Objects.requireNonNull(name, "name"));
        }

        /** The default-domain opset version. */
        public Builder opset(long version) {
            opset = version;
            return this;
        }

        /** A graph input; negative dimensions are symbolic. */
        public Builder input(String name, ElementType type, long... dims) {
            graph.addInput(valueInfo(name, type, dims));
            defined.add(name);
            return this;
        }

        /** A graph output; negative dimensions are symbolic. */
        public Builder output(String name, ElementType type, long... dims) {
            graph.addOutput(valueInfo(name, type, dims));
            return this;
        }

        /** A constant available to nodes under {@code name}. */
        public Builder initializer(String name, Tensor value) {
            graph.addInitializer(value.toProto(name));
            defined.add(name);
            return this;
        }

        /** A node of the default domain. */
        public Builder node(String opType, List<String> inputs, List<String> outputs, Attribute... attributes) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(opType + "_" + nodes++);
            for (String in : inputs) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new IllegalArgumentException("node " + opType + " reads '" + in
                            + "', which no input, initializer or earlier node defines");
                }
                n.addInput(in);
            }
            n.addAllOutput(outputs);
            for (Attribute a : attributes) {
                n.addAttribute(a.proto());
            }
            graph.addNode(n);
            defined.addAll(outputs);
            return this;
        }

        /** A {@code metadata_props} entry, for example Ultralytics' {@code names}. */
        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** The serialised model. */
        public byte[] toBytes() {
            for (ValueInfoProto out : graph.getOutputList()) {
                if (!defined.contains(out.getName())) {
                    throw new IllegalArgumentException("output '" + out.getName() + "' is produced by no node");
                }
            }
            ModelProto.Builder model = ModelProto.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .setProducerName("annotate")
                    .setProducerVersion("0.1.0")
                    .setGraph(graph)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
            metadata.forEach((k, v) -> model.addMetadataProps(
                    StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
            return model.build().toByteArray();
        }

        /** Writes the model atomically. */
        public void write(Path file) throws IOException {
            AtomicFiles.write(file, toBytes());
        }

        private static ValueInfoProto valueInfo(String name, ElementType type, long[] dims) {
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
            for (int i = 0; i < dims.length; i++) {
                TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
                if (dims[i] >= 0) {
                    d.setDimValue(dims[i]);
                } else {
                    d.setDimParam(name + "_dim" + i);
                }
                shape.addDim(d);
            }
            return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.onnx()).setShape(shape))).build();
        }
    }
}
