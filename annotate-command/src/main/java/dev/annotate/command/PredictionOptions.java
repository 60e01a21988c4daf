package dev.annotate.command;

import dev.annotate.core.Slicing;
import dev.annotate.core.pipeline.Existing;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Optional;

/**
 * The options of a prediction run that {@code annotate predict} and {@code annotate-spark predict} share, declared
 * once: the minimum score, what to do with existing annotation files, and slicing large images into tiles.
 */
public final class PredictionOptions {

    @Option(names = "--min-score", defaultValue = "0.5", description = "Minimum score (default ${DEFAULT-VALUE}).")
    double minScore;

    @Option(names = "--existing", defaultValue = "skip",
            description = "What to do with existing annotation files: skip, skip-verified, refresh"
                    + " (re-predict the machine's files no person has checked), overwrite (default ${DEFAULT-VALUE}).")
    String existing;

    @Option(names = "--slice", paramLabel = "PIXELS",
            description = "Also run the model on tiles of this side (20%% overlap) of images larger than one, merging"
                    + " the answers: finds small objects in large photographs, at one inference per tile more.")
    Integer slice;

    /** {@code --min-score}. */
    public double minScore() {
        return minScore;
    }

    /**
     * {@code --existing}'s policy.
     *
     * @throws IllegalArgumentException naming the option, the value and the policies
     */
    public Existing existing() {
        try {
            return Existing.parse(existing);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--existing " + existing + " is not one of " + String.join(", ",
                    Arrays.stream(Existing.values()).map(Existing::optionName).toList()), e);
        }
    }

    /** {@code --slice}'s tiling, if given. */
    public Optional<Slicing> slicing() {
        return Optional.ofNullable(slice).map(Slicing::of);
    }
}
