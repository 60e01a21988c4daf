package dev.annotate.core;

import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Replays a folder of hostile and broken inputs for one reader: each {@code NAME.EXT} in the folder has a
 * {@code NAME.expected} holding the outcome, one line each, with the input's path left out of every message:
 * {@code error: <message>} for the documented exception, or the lines a reader's results give ({@link #lines}).
 * Each input must give exactly that within {@link #LIMIT}: any other exception, a hang or running out of memory
 * fails the test. Grow the folders with every bug found. Public for other modules' tests (test jar).
 */
public final class Corpus {

    /** How long one input may take. */
    public static final Duration LIMIT = Duration.ofSeconds(30);

    private Corpus() {
    }

    /** How a reader answers one input, as outcome lines. */
    @FunctionalInterface
    public interface Reader {
        List<String> outcome(Path input) throws Exception;
    }

    /**
     * The inputs ending in {@code extension} (every file but the {@code .expected} ones for {@code ""}) in the
     * test resource folder {@code folder} of {@code anchor}.
     */
    public static Stream<Path> inputs(Class<?> anchor, String folder, String extension) throws IOException {
        Path dir;
        try {
            dir = Path.of(anchor.getResource(folder).toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(extension)
                    && !p.getFileName().toString().endsWith(".expected")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "empty corpus " + dir);
        return files.stream();
    }

    /** Asserts that {@code reader} gives {@code input}'s expected outcome, in time. */
    public static void assertOutcome(Path input, Reader reader) throws IOException {
        String name = input.getFileName().toString();
        Path expectedFile = input.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".expected");
        List<String> expected = Files.readAllLines(expectedFile, StandardCharsets.UTF_8);
        List<String> actual = assertTimeoutPreemptively(LIMIT, () -> reader.outcome(input),
                () -> name + " took longer than " + LIMIT);
        assertEquals(expected, actual, name);
    }

    /** {@code error: <message>} for a format exception, which must name {@code input}. */
    public static String error(Path input, FormatException e) {
        assertEquals(input, e.file(), e.getMessage());
        return "error: " + strip(input, e.getMessage());
    }

    /**
     * The outcome lines of a lenient reader's results: {@code image: <file name> <n> boxes} per image read,
     * {@code failed: <problem>} per failed result, {@code problem: <problem>} per problem of an image read;
     * every problem must name {@code input}.
     */
    public static List<String> lines(Path input, List<ReadResult> results) {
        List<String> lines = new ArrayList<>();
        for (ReadResult r : results) {
            if (r.image().isPresent()) {
                lines.add("image: " + r.image().get().fileName() + " " + r.image().get().annotations().size()
                        + " boxes");
            }
            for (Problem p : r.problems()) {
                assertEquals(input, p.file(), p.toString());
                lines.add((r.image().isPresent() ? "problem: " : "failed: ") + strip(input, p.toString()));
            }
        }
        return lines;
    }

    private static String strip(Path input, String message) {
        String prefix = input + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
