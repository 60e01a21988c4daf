package dev.annotate.core;

/**
 * Marker for the typed options of one backend (ONNX Runtime session settings, TensorFlow signature names),
 * carried inside {@link DetectorOptions} so that {@link Detectors#open(java.nio.file.Path, DetectorOptions)}
 * stays one call whatever the backend.
 *
 * <p>Implementations are immutable records or classes in the backend's module. A backend reads its own with
 * {@link DetectorOptions#backend(Class)} and ignores the others.
 *
 * <pre>{@code
 * DetectorOptions options = DetectorOptions.defaults()
 *         .withMinScore(0.4)
 *         .withBackend(new MyBackendOptions("serving_default"));
 * }</pre>
 */
public interface BackendOptions {
}
