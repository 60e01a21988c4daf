package dev.annotate.onnx.graph;

/** ONNX tensor element types this writer supports, with their {@code TensorProto.DataType} numbers. */
public enum ElementType {
    /** 32-bit float. */
    FLOAT(1),
    /** Unsigned byte. */
    UINT8(2),
    /** 32-bit integer. */
    INT32(6),
    /** 64-bit integer. */
    INT64(7),
    /** Boolean. */
    BOOL(9);

    private final int onnx;

    ElementType(int onnx) {
        this.onnx = onnx;
    }

    /** The ONNX {@code DataType} number. */
    public int onnx() {
        return onnx;
    }
}
