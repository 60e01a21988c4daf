/**
 * TensorFlow Java backend: {@link dev.annotate.tf.TensorFlowProvider} opens TF Object Detection API SavedModels
 * (TF2 {@code input_tensor} uint8/float/string, TF1 {@code inputs}) and frozen graphs ({@code image_tensor}) for
 * {@link dev.annotate.core.Detectors}; typed settings in {@link dev.annotate.tf.TfOptions}.
 *
 * <pre>{@code
 * try (Detector detector = Detectors.open(Path.of("exported/saved_model"))) {
 *     AnnotatedImage result = detector.detect(Path.of("images/0001.jpg"));
 * }
 * }</pre>
 */
package dev.annotate.tf;
