package dev.annotate.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.annotate.onnx.graph.Attribute;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import dev.annotate.onnx.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What our writer produces, ONNX Runtime loads and computes as specified. */
final class OnnxGraphTest {

    @Test
    void writtenModel_runsInOnnxRuntime_withInitializersAttributesAndMetadata() throws OrtException {
        byte[] model = OnnxGraph.builder("affine")
                .input("x", ElementType.FLOAT, -1, 2)
                .initializer("w", Tensor.floats(new float[] {1, 2, 3, 4}, 2, 2))
                .initializer("b", Tensor.floats(new float[] {10, 20}, 2))
                .node("MatMul", List.of("x", "w"), List.of("xw"))
                .node("Add", List.of("xw", "b"), List.of("y0"))
                .node("ReduceMax", List.of("y0"), List.of("y"), Attribute.ints("axes", 1), Attribute.i("keepdims", 0))
                .output("y", ElementType.FLOAT, -1)
                .metadata("names", "{0: 'a'}")
                .toBytes();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1, 1, 2, 0}), new long[] {2, 2});
             OrtSession.Result r = s.run(Map.of("x", x))) {
            // [1,1]·w = [4,6] + b = [14,26] → max 26; [2,0]·w = [2,4] + b = [12,24] → max 24
            assertArrayEquals(new float[] {26, 24}, (float[]) r.get(0).getValue());
            assertEquals("{0: 'a'}", s.getMetadata().getCustomMetadata().get("names"));
            assertEquals("annotate", s.getMetadata().getProducerName());
        }
    }

    @Test
    void node_readingAnUndefinedValue_isRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraph.builder("g").input("x", ElementType.FLOAT, 1).node("Add", List.of("x", "nope"),
                        List.of("y")));
        assertEquals("node Add reads 'nope', which no input, initializer or earlier node defines", e.getMessage());
    }

    @Test
    void tensor_shapeNotMatchingTheData_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.floats(new float[] {1, 2, 3}, 2, 2));
        assertEquals("shape [2, 2] holds 4 values, but 3 were given", e.getMessage());
    }
}
