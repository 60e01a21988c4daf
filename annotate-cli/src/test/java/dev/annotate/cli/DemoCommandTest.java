package dev.annotate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.annotate.cli.AnnotateTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo on a small scale: every stage runs and leaves its files; it never writes into a used folder. */
final class DemoCommandTest {

    @Test
    void demo_small_runsEveryStageAndPrintsTheSummary(@TempDir Path root) throws IOException {
        Path out = root.resolve("demo");
        AnnotateTest.Run r = run("demo", "--out", out.toString(), "--seed-images", "10", "--new-images", "6",
                "--steps", "20");
        assertEquals(0, r.code(), r.err());
        for (String stage : List.of("generate", "train + export", "pre-annotate (ONNX)", "evaluate saved_model",
                "evaluate model.onnx", "round 2: person checks", "round 2: warm-start train",
                "round 2: refresh (ONNX)", "round 1 on the unchecked", "round 2 on the unchecked",
                "tfrecord", "total")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(stage + " ")), stage + " missing from\n" + r.out());
        }
        assertTrue(r.out().contains("mAP@0.5 "), r.out());
        assertTrue(r.out().contains("2 of 6 pre-annotations corrected and saved; 4 still unchecked"), r.out());
        assertTrue(r.out().contains("on 12 images (seed + checked), 4 unchecked left out"), r.out());
        assertTrue(r.out().contains("4 unchecked files re-predicted; 2 of 2 checked files unchanged byte for byte"),
                r.out());
        assertTrue(Files.isRegularFile(out.resolve("model-2/model.onnx")));
        for (String round : List.of("round 1 on the unchecked", "round 2 on the unchecked")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(round) && l.contains(" 4 images: mAP@0.5 ")),
                    "measured on the 4 unchecked images only:\n" + r.out());
        }
        assertTrue(Files.isRegularFile(out.resolve("model/saved_model/saved_model.pb")));
        assertTrue(Files.isRegularFile(out.resolve("model/model.onnx")));
        assertTrue(Files.isRegularFile(out.resolve("previews/index.html")));
        try (Stream<Path> s = Files.list(out.resolve("pre-annotations"))) {
            assertEquals(6, s.filter(p -> p.toString().endsWith(".xml")).count());
        }
        try (Stream<Path> s = Files.list(out.resolve("tfrecord"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("seed-set_train.record")));
        }
    }

    @Test
    void demo_intoAFolderInUse_isRefused(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("precious.txt"), "keep");
        AnnotateTest.Run r = run("demo", "--out", root.toString(), "--steps", "1");
        assertEquals(2, r.code());
        assertEquals("annotate: error: " + root.toAbsolutePath() + " already exists and is not empty; give the demo a"
                + " new --out", r.err().strip());
        assertEquals("keep", Files.readString(root.resolve("precious.txt")));
    }
}
