package dev.annotate.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TensorFlow's native start-up messages stay off stderr unless {@code --verbose}, while the CLI's own lines still
 * arrive there: {@code main} run in a child JVM as the jar runs it (with its manifest's
 * {@code Add-Opens: java.base/java.io}), since only {@code main} diverts native output.
 */
final class NativeOutputIT {

    /** Lines of TensorFlow's logging (TSL and absl forms) and of oneDNN. */
    private static final Pattern NATIVE = Pattern.compile(
            "(?m)^(.*tensorflow/.*|[IWE]\\d{4} .*|WARNING: All log messages before absl.*|.*oneDNN.*)$");

    @TempDir
    static Path root;

    static Path data;
    static Path tmp;

    record Child(int code, String err) {
    }

    @BeforeAll
    static void dataset() throws IOException {
        data = root.resolve("data");
        AnnotateTest.Run g = AnnotateTest.run("generate", "--out", data.toString(), "--images", "8", "--seed", "5");
        assertEquals(0, g.code(), g.err());
        tmp = Files.createDirectories(root.resolve("tmp"));
    }

    static Child child(String... args) throws IOException, InterruptedException {
        return child(root, List.of("--add-opens", "java.base/java.io=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp),
                environment -> { }, args);
    }

    /**
     * Runs {@code main} with {@code args} in a child JVM on this test's class path, with {@code jvmOptions} and the
     * environment as {@code environment} leaves it; its exit code and standard error (kept in {@code scratch}).
     */
    static Child child(Path scratch, List<String> jvmOptions, Consumer<Map<String, String>> environment,
                       String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Annotate.class.getName()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(scratch, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command);
        environment.accept(builder.environment());
        Process p = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        p.waitFor(); // a hang is failsafe's to end (forkedProcessTimeoutInSeconds)
        return new Child(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void trainAndPredict_withTensorFlow_keepNativeMessagesOffStderr_unlessVerbose() throws Exception {
        Path model = root.resolve("model");
        Child train = child("train", "--voc", data.toString(), "--labels", data.resolve("label_map.pbtxt").toString(),
                "--out", model.toString(), "--steps", "2", "--backbone", "primitive");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.err().contains("train: 1000/1000 (100%)"), train.err()); // the CLI's own lines still come
        assertTrue(!NATIVE.matcher(train.err()).find(), train.err());

        Path savedModel = model.resolve(dev.annotate.train.ModelDirectory.SAVED_MODEL);
        Child quiet = child("predict", "--model", savedModel.toString(), "--images", data.toString(), "--out",
                root.resolve("quiet").toString());
        assertEquals(0, quiet.code(), quiet.err());
        assertTrue(quiet.err().contains("predict: 8/8 (100%)"), quiet.err());
        assertTrue(!NATIVE.matcher(quiet.err()).find(), quiet.err());

        Child verbose = child("predict", "--model", savedModel.toString(), "--images", data.toString(), "--out",
                root.resolve("verbose").toString(), "--verbose");
        assertEquals(0, verbose.code(), verbose.err());
        assertTrue(NATIVE.matcher(verbose.err()).find(), "TensorFlow printed nothing to divert: " + verbose.err());
        assertTrue(verbose.err().contains("annotate: " + data + ": 8 images, 8 written"), verbose.err());

        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".log")).toList(),
                    "the native output logs of successful runs are deleted");
        }
    }
}
