package dev.annotate.core.spi;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens models of one kind. Backends register an implementation in
 * {@code META-INF/services/dev.annotate.core.spi.DetectorProvider}; {@link dev.annotate.core.Detectors} asks
 * each installed provider in turn whether it {@linkplain #supports(Path) supports} a path.
 *
 * <p>Implementations need a public no-argument constructor, must be cheap to construct (no native library
 * loading before {@link #open}), and thread-safe.
 */
public interface DetectorProvider {

    /** A short lower-case name, for example {@code onnx}. */
    String name();

    /** What paths this provider opens, for people: for example {@code "*.onnx files"}. */
    String accepts();

    /**
     * Whether this provider can open the path, judged from names and directory layout only: no model loading,
     * no native code.
     */
    boolean supports(Path model);

    /**
     * Loads the model.
     *
     * @throws IOException if the model cannot be read or is malformed (a {@link dev.annotate.core.FormatException}
     *     naming the file)
     */
    Detector open(Path model, DetectorOptions options) throws IOException;
}
