package dev.annotate.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A file that cannot be used as what it claims to be: a malformed annotation file, a corrupt record, an image
 * that does not decode. Carries the file and, where known, the position of the problem.
 *
 * <p>The message reads {@code "<file>: <position>: <what was wrong>"}, for example
 * {@code "data/a.xml: line 12, <bndbox>: xmin 'abc' is not a number"}.
 */
public class FormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String position;
    private final String problem;

    /**
     * @param file the file that was being read
     * @param position where in it, for example {@code "line 12, <bndbox>"} or {@code "byte offset 4096"};
     *     {@code null} or empty when the problem concerns the whole file
     * @param problem what was wrong, naming the value and what was expected
     */
    public FormatException(Path file, String position, String problem) {
        this(file, position, problem, null);
    }

    /** As {@link #FormatException(Path, String, String)}, with the underlying cause. */
    public FormatException(Path file, String position, String problem, Throwable cause) {
        super(format(file, position, problem), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.position = position == null ? "" : position;
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    private static String format(Path file, String position, String problem) {
        return file + ": " + (position == null || position.isEmpty() ? "" : position + ": ") + problem;
    }

    /** The file that could not be used. */
    public Path file() {
        return file;
    }

    /** Where in the file, if known. */
    public Optional<String> position() {
        return position.isEmpty() ? Optional.empty() : Optional.of(position);
    }

    /** What was wrong, without the file and position. */
    public String problem() {
        return problem;
    }
}
