/**
 * ONNX Runtime backend: {@link dev.annotate.onnx.OnnxProvider} opens {@code .onnx} files for
 * {@link dev.annotate.core.Detectors}, recognising the common export layouts ({@link dev.annotate.onnx.OnnxLayout})
 * and mapping boxes exactly back to the caller's pixels; typed settings in {@link dev.annotate.onnx.OnnxOptions}.
 *
 * <pre>{@code
 * try (Detector detector = Detectors.open(Path.of("yolov8n.onnx"))) {
 *     AnnotatedImage result = detector.detect(Path.of("street.jpg"));
 * }
 * }</pre>
 */
package dev.annotate.onnx;
