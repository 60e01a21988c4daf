package dev.annotate.core;

import dev.annotate.core.spi.DetectorProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Opens a {@link Detector} for a model path with whichever installed backend accepts it.
 *
 * <p>Backends are found with {@link ServiceLoader}: adding {@code annotate-onnx} or {@code annotate-tf} to the
 * classpath is all it takes.
 *
 * <pre>{@code
 * try (Detector detector = Detectors.open(Path.of("model.onnx"))) {
 *     List<Annotation> found = detector.detect(image);
 * }
 * }</pre>
 */
public final class Detectors {

    private Detectors() {
    }

    /** Opens a model with {@link DetectorOptions#defaults()}. */
    public static Detector open(Path model) throws IOException {
        return open(model, DetectorOptions.defaults());
    }

    /**
     * Opens a model with the first installed provider that supports its path.
     *
     * @throws NoSuchFileException if nothing exists at {@code model}
     * @throws IllegalArgumentException if no installed provider supports the path; the message lists every
     *     installed provider and what it accepts
     * @throws IOException if the chosen provider cannot load the model
     */
    public static Detector open(Path model, DetectorOptions options) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        if (!Files.exists(model)) {
            throw new NoSuchFileException(model.toString(), null, "no model file or directory");
        }
        List<DetectorProvider> providers = providers();
        for (DetectorProvider provider : providers) {
            if (provider.supports(model)) {
                return provider.open(model, options);
            }
        }
        throw new IllegalArgumentException("No installed detector backend accepts " + model + "; "
                + describe(providers));
    }

    /** The installed providers, in ServiceLoader order. */
    public static List<DetectorProvider> providers() {
        List<DetectorProvider> list = new ArrayList<>();
        ServiceLoader.load(DetectorProvider.class, Detectors.class.getClassLoader()).forEach(list::add);
        return List.copyOf(list);
    }

    private static String describe(List<DetectorProvider> providers) {
        if (providers.isEmpty()) {
            return "none is installed: add dev.annotate:annotate-onnx (for .onnx files) or dev.annotate:annotate-tf"
                    + " (for SavedModel directories and frozen .pb graphs) to the classpath";
        }
        return "installed: " + providers.stream()
                .map(p -> p.name() + " (" + p.accepts() + ")")
                .collect(Collectors.joining(", "));
    }
}
