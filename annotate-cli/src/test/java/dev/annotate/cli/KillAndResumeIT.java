package dev.annotate.cli;

import dev.annotate.onnx.Fixtures;
import dev.annotate.synthetic.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise that matters most: kill {@code annotate predict} with SIGKILL in the middle of a run, start it
 * again, and the output tree is byte for byte the one an uninterrupted run writes, with no temporary or partial
 * file left. For a dataset-level format, the one file is absent after the kill and the same after the rerun.
 *
 * <p>The run is stopped by a gate, not by a clock: every run goes through a {@link GateDetectorProvider} model
 * that passes the ONNX model's detections through, and in the child JVM it stops passing after a number of images,
 * so the child cannot finish before the kill on any machine, however fast, and the test waits for counts, never
 * for a time. An integration test (failsafe): it starts a JVM.
 */
final class KillAndResumeIT {

    /** Longest wait for a count the child must reach; only a hang takes this long. */
    private static final long PATIENCE_MINUTES = 10;

    @TempDir
    Path dir;

    @Test
    void predict_killedMidRunAndRunAgain_equalsAnUninterruptedRun() throws Exception {
        Path images = dir.resolve("images");
        SyntheticDataset.generate(images, SyntheticDataset.Options.defaults(600, 11).withSides(320, 480)
                .withExifShare(0.1));
        Path model = gate();
        Path reference = dir.resolve("reference");
        Path resumed = dir.resolve("resumed");

        assertEquals(0, predict(model, images, reference));

        Process child = child(200, "predict", "--model", model.toString(), "--images", images.toString(),
                "--out", resumed.toString(), "--min-score", "0.3", "--threads", "2");
        awaitInChild(child, () -> Files.exists(gateClosed()) && count(resumed) >= 40, "40 files and the gate");
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
        assertTrue(child.waitFor(PATIENCE_MINUTES, TimeUnit.MINUTES));
        long before = count(resumed);
        assertTrue(before >= 40 && before <= 200, before + " files written before the kill");

        assertEquals(0, predict(model, images, resumed));

        assertEquals(tree(reference), tree(resumed));
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
    }

    @Test
    void predictLabelStudio_killedMidRunAndRunAgain_writesTheFileAnUninterruptedRunWrites() throws Exception {
        Path images = dir.resolve("images");
        SyntheticDataset.generate(images, SyntheticDataset.Options.defaults(400, 12).withSides(320, 480)
                .withExifShare(0.1));
        Path model = gate();
        Path reference = dir.resolve("reference");
        try (Stream<Path> s = Files.walk(images)) {
            for (Path p : s.toList()) {
                Files.copy(p, reference.resolve(images.relativize(p).toString()));
            }
        }
        String[] options = {"--format", "labelstudio", "--min-score", "0.3", "--threads", "2"};
        assertEquals(0, predict(model, reference, options));

        Process child = child(200, args(model, images, options));
        Path journal = images.resolve(".tasks.json.journal");
        awaitInChild(child, () -> Files.exists(gateClosed()) && size(journal) >= 8000, "the gate and a journal");
        child.destroyForcibly();
        assertTrue(child.waitFor(PATIENCE_MINUTES, TimeUnit.MINUTES));
        assertTrue(Files.notExists(images.resolve("tasks.json")), "no file, not a partial one");
        assertTrue(size(journal) >= 8000);

        StringWriter out = new StringWriter();
        assertEquals(0, Annotate.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), args(model,
                images, options)));
        assertTrue(out.toString().startsWith("400 images: 400 written, 0 skipped"), out.toString());

        assertEquals(Files.readString(reference.resolve("tasks.json")), Files.readString(images.resolve("tasks.json")));
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".tmp") || n.endsWith(".journal")).toList());
        }
    }

    /** The ONNX fixture model behind a gate, so every run of a test writes the same machine mark. */
    private Path gate() throws IOException {
        Files.write(dir.resolve("model.onnx"), Fixtures.yolov8(640));
        return Files.writeString(dir.resolve("model.gate"), "model.onnx\n");
    }

    private Path gateClosed() {
        return dir.resolve("gate.closed");
    }

    /** {@code annotate} in a child JVM whose gate closes after {@code after} images. */
    private Process child(int after, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-D" + GateDetectorProvider.AFTER + "="
                + after, "-D" + GateDetectorProvider.REACHED + "=" + gateClosed(), "-cp",
                System.getProperty("java.class.path"), Annotate.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile())
                .start();
    }

    interface Check {
        boolean holds() throws IOException;
    }

    /** Waits until the check holds while the child runs; it cannot finish, so its end is a failure. */
    private void awaitInChild(Process child, Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(PATIENCE_MINUTES);
        while (!check.holds()) {
            if (!child.isAlive() || System.nanoTime() > deadline) {
                child.destroyForcibly();
                throw new AssertionError("waiting for " + what + ", the child " + (child.isAlive() ? "hangs"
                        : "ended with " + child.exitValue()) + ": " + Files.readString(dir.resolve("child.log")));
            }
            Thread.sleep(5);
        }
    }

    private static long size(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
    }

    private static int predict(Path model, Path images, String... options) {
        return Annotate.execute(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                args(model, images, options));
    }

    private static String[] args(Path model, Path images, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("predict", "--model", model.toString(), "--images",
                images.toString()));
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    private static int predict(Path model, Path images, Path out) {
        return Annotate.execute(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "predict",
                "--model", model.toString(), "--images", images.toString(), "--out", out.toString(), "--min-score",
                "0.3", "--threads", "2");
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".xml")).count();
        }
    }

    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }
}
