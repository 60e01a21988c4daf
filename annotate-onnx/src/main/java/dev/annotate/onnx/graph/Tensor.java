package dev.annotate.onnx.graph;

import com.google.protobuf.ByteString;
import dev.annotate.onnx.proto.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Constant tensor data for initializers and {@code Constant} nodes, stored as ONNX {@code raw_data}
 * (little-endian, fixed width).
 *
 * <pre>{@code
 * Tensor weights = Tensor.floats(new float[] {1, 0, 0, 1}, 2, 2);
 * }</pre>
 */
public final class Tensor {

    private final ElementType type;
    private final long[] dims;
    private final byte[] raw;

    private Tensor(ElementType type, long[] dims, byte[] raw) {
        this.type = type;
        this.dims = dims.clone();
        this.raw = raw;
    }

    private static long count(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("dimension " + d + " of " + Arrays.toString(dims)
                        + " must be >= 0 for constant data");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void requireCount(long[] dims, int length) {
        if (count(dims) != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " holds " + count(dims)
                    + " values, but " + length + " were given");
        }
    }

    /** Float data of the given shape (row-major). */
    public static Tensor floats(float[] values, long... dims) {
        requireCount(dims, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(ElementType.FLOAT, dims, b.array());
    }

    /** Int64 data of the given shape. */
    public static Tensor longs(long[] values, long... dims) {
        requireCount(dims, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new Tensor(ElementType.INT64, dims, b.array());
    }

    /** Int32 data of the given shape. */
    public static Tensor ints(int[] values, long... dims) {
        requireCount(dims, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new Tensor(ElementType.INT32, dims, b.array());
    }

    /** Unsigned byte data of the given shape. */
    public static Tensor bytes(byte[] values, long... dims) {
        requireCount(dims, values.length);
        return new Tensor(ElementType.UINT8, dims, values.clone());
    }

    /** A float scalar. */
    public static Tensor scalar(float value) {
        return floats(new float[] {value});
    }

    /** An int64 scalar. */
    public static Tensor scalar(long value) {
        return longs(new long[] {value});
    }

    /** The element type. */
    public ElementType type() {
        return type;
    }

    /** The shape. */
    public long[] dims() {
        return dims.clone();
    }

    TensorProto toProto(String name) {
        Objects.requireNonNull(name, "name");
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type.onnx())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }
}
