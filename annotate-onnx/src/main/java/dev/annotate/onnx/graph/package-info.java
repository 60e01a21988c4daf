/**
 * A small ONNX model writer: {@link dev.annotate.onnx.graph.OnnxGraph} with
 * {@link dev.annotate.onnx.graph.Tensor} constants and node {@link dev.annotate.onnx.graph.Attribute}s, over a
 * compiled subset of {@code onnx.proto}. Used for the primitive detector's ONNX export and for test fixtures.
 */
package dev.annotate.onnx.graph;
