package dev.annotate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's first command as a new user types it: {@code java -jar annotate-cli/target/annotate.jar demo}, the
 * packaged jar, started in a fresh working folder, with the demo's default, relative output folder (#32: it failed
 * in its second round, which related the relative folder to an absolute file). Smaller and shorter than the
 * default, which changes nothing of how paths are handled.
 */
final class ReadmeDemoIT {

    @Test
    void demo_fromAFreshWorkingFolder_withTheDefaultRelativeOut_passes(@TempDir Path home) throws Exception {
        Path work = Files.createDirectories(home.resolve("fresh folder"));
        Result r = inFolder(work, "demo", "--seed-images", "10", "--new-images", "6", "--steps", "20");
        assertEquals(0, r.code(), r.err());
        Path demo = work.resolve("annotate-demo");
        assertTrue(Files.isRegularFile(demo.resolve("model/model.onnx")), r.out());
        assertTrue(Files.isRegularFile(demo.resolve("model-2/model.onnx")), "the second round ran:\n" + r.out());
        assertTrue(r.out().contains("2 of 6 pre-annotations corrected and saved"), r.out());

        // and every path option given relative to the working folder, train to predict
        Result train = inFolder(work, "train", "--voc", "annotate-demo/seed-set", "--labels",
                "annotate-demo/seed-set/label_map.pbtxt", "--out", "relative-model", "--steps", "2");
        assertEquals(0, train.code(), train.err());
        Result predict = inFolder(work, "predict", "--model", "relative-model/model.onnx", "--images",
                "annotate-demo/new-batch", "--out", "relative-out", "--report", "run.json");
        assertEquals(0, predict.code(), predict.err());
        assertTrue(Files.isRegularFile(work.resolve("run.json")));
        try (var files = Files.list(work.resolve("relative-out"))) {
            assertEquals(6, files.filter(f -> f.toString().endsWith(".xml")).count());
        }
    }

    private record Result(int code, String out, String err) {
    }

    /** The packaged jar, run as README says, with {@code folder} as its working directory. */
    private static Result inFolder(Path folder, String... args) throws IOException, InterruptedException {
        Path jar = Path.of("target", "annotate.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is built by the package phase, before integration tests");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(folder.getParent(), "stdout", ".txt");
        Path err = Files.createTempFile(folder.getParent(), "stderr", ".txt");
        Process p = new ProcessBuilder(command).directory(folder.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the command did not finish");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
