package dev.annotate.core.format;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Something wrong in an annotation file that a lenient reader worked around or could not: the file, where in
 * it, and what.
 *
 * @param file the file
 * @param position where, for example {@code "line 12, <object> 3"}; empty when it concerns the whole file
 * @param message what was wrong and what the reader did about it
 */
public record Problem(Path file, String position, String message) {

    /** Validates the components. */
    public Problem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(message, "message");
    }

    /** {@code "file: position: message"}, the form tools and editors recognise. */
    @Override
    public String toString() {
        return file + ": " + (position.isEmpty() ? "" : position + ": ") + message;
    }
}
