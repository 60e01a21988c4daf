package dev.annotate.tf;

import dev.annotate.core.BackendOptions;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * TensorFlow settings for {@link dev.annotate.core.DetectorOptions#backend(Class)}. Intra-op threads come from
 * {@link dev.annotate.core.DetectorOptions#threads()}.
 *
 * <pre>{@code
 * DetectorOptions options = DetectorOptions.defaults()
 *         .withBackend(TfOptions.defaults().withSignature("detect").withNames(Map.of("detection_boxes", "boxes")));
 * }</pre>
 *
 * @param signature SavedModel signature to call; default {@code serving_default}
 * @param inputName the image input: a signature input key for SavedModels, an operation name for frozen
 *     graphs; empty for the conventions ({@code input_tensor} or {@code inputs}; {@code image_tensor})
 * @param names conventional output name ({@code detection_boxes}, {@code detection_scores},
 *     {@code detection_classes}, {@code num_detections}) → the model's own name, for models that differ
 * @param interOpThreads TensorFlow inter-op threads, shared by all calls on one detector; default one per
 *     processor. The kernels of concurrent calls run on this pool: with 1, two threads calling {@code detect}
 *     (the pipeline's workers) mostly take turns (measured 1.30x from 1 to 2 callers, against 2.02x with 2)
 */
public record TfOptions(String signature, Optional<String> inputName, Map<String, String> names, int interOpThreads)
        implements BackendOptions {

    /** Validates and copies. */
    public TfOptions {
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(inputName, "inputName");
        names = Map.copyOf(names);
        if (interOpThreads < 1) {
            throw new IllegalArgumentException("interOpThreads (" + interOpThreads + ") must be >= 1");
        }
    }

    /** {@code serving_default}, conventional names, one inter-op thread per processor. */
    public static TfOptions defaults() {
        return new TfOptions("serving_default", Optional.empty(), Map.of(),
                Runtime.getRuntime().availableProcessors());
    }

    /** These options calling another signature. */
    public TfOptions withSignature(String key) {
        return new TfOptions(key, inputName, names, interOpThreads);
    }

    /** These options with the image input named. */
    public TfOptions withInputName(String name) {
        return new TfOptions(signature, Optional.of(name), names, interOpThreads);
    }

    /** These options with output names mapped. */
    public TfOptions withNames(Map<String, String> conventionalToActual) {
        return new TfOptions(signature, inputName, conventionalToActual, interOpThreads);
    }

    /** These options with another number of inter-op threads. */
    public TfOptions withInterOpThreads(int n) {
        return new TfOptions(signature, inputName, names, n);
    }

    /** The model's name for a conventional output. */
    String output(String conventional) {
        return names.getOrDefault(conventional, conventional);
    }
}
