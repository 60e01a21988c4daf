/**
 * The primitive detector as a plain value: its layers, trained weights and classes, with no framework types.
 *
 * <p>The trainer (annotate-tf) produces a {@link dev.annotate.core.model.PrimitiveModel}; the SavedModel exporter
 * (annotate-tf) and the ONNX exporter (annotate-onnx) each read it and build the same network in their own
 * graph format, so neither backend module depends on the other.
 */
package dev.annotate.core.model;
