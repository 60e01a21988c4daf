package dev.annotate.onnx.graph;

import com.google.protobuf.ByteString;
import dev.annotate.onnx.proto.AttributeProto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A node attribute.
 *
 * <pre>{@code
 * graph.node("ReduceMax", List.of("mask"), List.of("rows"), Attribute.ints("axes", 0, 1, 3), Attribute.i("keepdims", 0));
 * }</pre>
 */
public final class Attribute {

    private final AttributeProto proto;

    private Attribute(AttributeProto proto) {
        this.proto = proto;
    }

    /** An integer attribute. */
    public static Attribute i(String name, long value) {
        return new Attribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
                .setI(value).build());
    }

    /** A float attribute. */
    public static Attribute f(String name, float value) {
        return new Attribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                .setF(value).build());
    }

    /** A string attribute (UTF-8). */
    public static Attribute s(String name, String value) {
        return new Attribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build());
    }

    /** An integer list attribute. */
    public static Attribute ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.INTS);
        Arrays.stream(values).forEach(b::addInts);
        return new Attribute(b.build());
    }

    /** A float list attribute. */
    public static Attribute floats(String name, float... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.FLOATS);
        for (float v : values) {
            b.addFloats(v);
        }
        return new Attribute(b.build());
    }

    /** A tensor attribute, for {@code Constant} nodes. */
    public static Attribute tensor(String name, Tensor value) {
        return new Attribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR)
                .setT(value.toProto("")).build());
    }

    AttributeProto proto() {
        return proto;
    }
}
