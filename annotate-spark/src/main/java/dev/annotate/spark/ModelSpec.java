package dev.annotate.spark;

import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Slicing;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * What an executor needs to open the model, shipped with every task: the model's URI and the detector options
 * as plain values ({@link DetectorOptions} is not serializable, and need not be). Equal specs share one detector
 * per executor JVM ({@link ExecutorModels}).
 *
 * @param model the model's qualified URI: a {@code .onnx} file, a SavedModel directory or a frozen {@code .pb}
 * @param minScore the minimum score
 * @param labels the label map, or {@code null} to use the one found with the model
 * @param threads inference threads of the shared detector
 * @param sliceTile the {@link Slicing#tileSide()} of sliced inference, 0 for none
 * @param sliceOverlap the {@link Slicing#overlap()} of sliced inference
 */
record ModelSpec(String model, double minScore, LabelMapText labels, int threads, int sliceTile,
                 double sliceOverlap) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    ModelSpec {
        Objects.requireNonNull(model, "model");
        if (threads < 1) {
            throw new IllegalArgumentException("threads (" + threads + ") must be >= 1");
        }
    }

    /** The detector options these values stand for; parses the label map text. */
    DetectorOptions options() throws IOException {
        DetectorOptions options = DetectorOptions.defaults().withMinScore(minScore).withThreads(threads);
        if (labels != null) {
            options = options.withLabelMap(labels.parse());
        }
        if (sliceTile > 0) {
            options = options.withSlicing(new Slicing(sliceTile, sliceOverlap));
        }
        return options;
    }
}
