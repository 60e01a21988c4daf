package dev.annotate.onnx;

import dev.annotate.core.BackendOptions;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * ONNX Runtime settings for {@link dev.annotate.core.DetectorOptions#backend(Class)}. Inference threads come
 * from {@link dev.annotate.core.DetectorOptions#threads()}.
 *
 * <pre>{@code
 * DetectorOptions options = DetectorOptions.defaults()
 *         .withBackend(OnnxOptions.defaults().withLayout(OnnxLayout.YOLOV8).withInputSize(1280));
 * }</pre>
 *
 * @param layout the output layout, when recognising it from the model is not wanted or not possible
 * @param resize how images are fitted into a fixed-size input; empty for the layout's convention (letterbox for
 *     YOLO-style layouts, stretch for the others)
 * @param inputSize side of the square input used when the model's input size is dynamic and the layout needs
 *     a fixed one (YOLO-style); default 640
 * @param optimization ONNX Runtime graph optimisation level
 * @param names a label map ({@code .pbtxt}) or names file (one class per line, class 0 first) naming the
 *     classes, when neither {@code DetectorOptions.labelMap} nor the model's {@code names} metadata should be used
 */
public record OnnxOptions(Optional<OnnxLayout> layout, Optional<Resize> resize, int inputSize,
                          Optimization optimization, Optional<Path> names) implements BackendOptions {

    /** How an image is fitted into a fixed model input. */
    public enum Resize {
        /** Keep the aspect ratio, centre, pad with grey 114 (Ultralytics). */
        LETTERBOX,
        /** Scale each axis to fill the input. */
        STRETCH
    }

    /** ONNX Runtime graph optimisation levels. */
    public enum Optimization {
        /** No optimisation. */
        NONE,
        /** Constant folding and redundant-node removal. */
        BASIC,
        /** Plus node fusions. */
        EXTENDED,
        /** Everything ONNX Runtime offers (its default). */
        ALL
    }

    /** Validates the values. */
    public OnnxOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(resize, "resize");
        Objects.requireNonNull(optimization, "optimization");
        Objects.requireNonNull(names, "names");
        if (inputSize < 32 || inputSize % 32 != 0) {
            throw new IllegalArgumentException("inputSize (" + inputSize + ") must be a positive multiple of 32");
        }
    }

    /** Layout recognised from the model, the layout's resize, 640, all optimisations, names from the model. */
    public static OnnxOptions defaults() {
        return new OnnxOptions(Optional.empty(), Optional.empty(), 640, Optimization.ALL, Optional.empty());
    }

    /** These options with a fixed layout. */
    public OnnxOptions withLayout(OnnxLayout value) {
        return new OnnxOptions(Optional.of(value), resize, inputSize, optimization, names);
    }

    /** These options with a fixed resize mode. */
    public OnnxOptions withResize(Resize value) {
        return new OnnxOptions(layout, Optional.of(value), inputSize, optimization, names);
    }

    /** These options with another input size for dynamic models. */
    public OnnxOptions withInputSize(int value) {
        return new OnnxOptions(layout, resize, value, optimization, names);
    }

    /** These options with another optimisation level. */
    public OnnxOptions withOptimization(Optimization value) {
        return new OnnxOptions(layout, resize, inputSize, value, names);
    }

    /** These options with a names file or label map. */
    public OnnxOptions withNames(Path value) {
        return new OnnxOptions(layout, resize, inputSize, optimization, Optional.of(value));
    }
}
