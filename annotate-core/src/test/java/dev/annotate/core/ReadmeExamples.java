package dev.annotate.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README examples kept honest: a test holds the example's code between {@code // README-BEGIN} and
 * {@code // README-END} at method-body indentation (eight spaces), runs it, and checks here that the README
 * contains that block verbatim, unindented. Shared with other modules' tests through annotate-core's test jar.
 */
public final class ReadmeExamples {

    private static final String BEGIN = "// README-BEGIN\n";
    private static final String END = "        // README-END";

    private ReadmeExamples() {
    }

    /** Fails unless {@code readme} contains the marked block of {@code testSource}, unindented. */
    public static void assertReadmeContains(Path readme, Path testSource) throws IOException {
        String source = Files.readString(testSource, StandardCharsets.UTF_8);
        String block = source.substring(source.indexOf(BEGIN) + BEGIN.length(), source.indexOf(END));
        String unindented = block.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(Files.readString(readme, StandardCharsets.UTF_8).contains(unindented),
                readme + " must contain:\n" + unindented);
    }
}
