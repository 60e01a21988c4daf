package dev.annotate.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * File helpers for tests that manage their own temporary folders (jqwik properties, which have no
 * {@code @TempDir}). Shared with other modules' tests through annotate-core's test jar.
 */
public final class TestFiles {

    private TestFiles() {
    }

    /** Deletes a folder and everything below it, deepest first. */
    public static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
