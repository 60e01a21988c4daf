package dev.annotate.cli;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.pretrained.CocoDetector;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --classes} for the commands that run a model ({@code predict}, {@code evaluate --model}), and the one
 * way they open {@code --model}: a file or folder, or {@value CocoDetector#NAME} for the COCO detector that ships
 * with annotate when nothing of that name is there.
 */
final class ClassOptions {

    /** The {@code --model} help of every command that accepts the COCO detector. */
    static final String MODEL_HELP = "A .onnx file, a SavedModel directory or a frozen .pb; or coco, the"
            + " COCO-pretrained NanoDet-g of 80 classes that ships with annotate (when no file of that name is there).";

    @Option(names = "--classes", paramLabel = "NAME[=NEW]", split = ",", description = "Keep only these classes,"
            + " as the model names them, each written as NEW where given: 'car=vehicle,truck=vehicle,person'.")
    List<String> classes;

    /**
     * {@code options} with the allow-list and renames.
     *
     * @throws IllegalArgumentException naming the item that is neither {@code NAME} nor {@code NAME=NEW}
     */
    DetectorOptions applyTo(DetectorOptions options) {
        if (classes == null) {
            return options;
        }
        Set<String> kept = new LinkedHashSet<>();
        Map<String, String> renames = new LinkedHashMap<>();
        for (String item : classes) {
            int eq = item.indexOf('=');
            String name = (eq < 0 ? item : item.substring(0, eq)).strip();
            if (name.isEmpty() || eq >= 0 && item.substring(eq + 1).isBlank()) {
                throw new IllegalArgumentException("--classes '" + item + "': each item is NAME or NAME=NEW");
            }
            kept.add(name);
            if (eq >= 0) {
                renames.put(name, item.substring(eq + 1).strip());
            }
        }
        return options.withAllowedLabels(kept).withLabelRenames(renames);
    }

    /**
     * Opens {@code model} with {@code options}, and refuses a kept class ({@link #applyTo}) the model does not
     * know.
     */
    static Detector open(Path model, DetectorOptions options) throws java.io.IOException {
        Detector detector = isCoco(model) ? CocoDetector.open(options) : Detectors.open(model, options);
        List<String> known = detector.labelMap().names();
        for (String name : options.allowedLabels()) {
            if (!known.isEmpty() && !known.contains(name)) {
                detector.close();
                throw new IllegalArgumentException("--classes: the model has no class '" + name + "'; its classes are "
                        + known);
            }
        }
        return detector;
    }

    /** Whether {@code --model} names the shipped COCO detector: {@value CocoDetector#NAME}, and no such file. */
    static boolean isCoco(Path model) {
        return model.getFileName() != null && model.getFileName().toString().equals(CocoDetector.NAME)
                && !Files.exists(model);
    }
}
