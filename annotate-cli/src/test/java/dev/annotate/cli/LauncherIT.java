package dev.annotate.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The distribution as a user installs it: {@code annotate-VERSION.tar.gz} unpacked elsewhere, {@code bin/annotate}
 * run with the class-data-sharing archive the build made (for another path: replaced on the first run), with the
 * one that run made (used), and with none; and with a Java that is missing or too old (exit 2, a clear message).
 */
final class LauncherIT {

    @TempDir
    static Path root;

    static Path home;
    static Path images;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void unpack() throws IOException, InterruptedException {
        assumeTrue(File.separatorChar == '/', "the POSIX launcher");
        Path archive = Path.of("target", "annotate-0.1.0.tar.gz").toAbsolutePath();
        assertTrue(Files.isRegularFile(archive), archive + " is built by package");
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", root.toString())
                .redirectErrorStream(true).start();
        assertTrue(tar.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, tar.exitValue(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        home = root.resolve("annotate-0.1.0");
        assertTrue(Files.isRegularFile(home.resolve("lib/annotate.jsa")), "the archive the build made is shipped");
        images = root.resolve("images");
        AnnotateTest.Run g = AnnotateTest.run("generate", "--out", images.toString(), "--images", "3", "--seed", "2");
        assertEquals(0, g.code(), g.err());
    }

    static Run launcher(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/annotate").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("ANNOTATE_OPTS");
        pb.environment().remove("ANNOTATE_CDS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(environment);
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the launcher did not end: " + command);
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void removeAnnotations() throws IOException {
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".xml")).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void unpacked_holdsTheLauncherTheJarTheManualCompletionAndLicences() {
        assertTrue(Files.isExecutable(home.resolve("bin/annotate")));
        assertTrue(Files.isRegularFile(home.resolve("bin/annotate.cmd")));
        assertTrue(Files.isRegularFile(home.resolve("lib/annotate.jar")));
        assertTrue(Files.isRegularFile(home.resolve("man/annotate-predict.adoc")));
        assertTrue(Files.isRegularFile(home.resolve("completion/annotate.bash")));
        assertTrue(Files.isRegularFile(home.resolve("licenses/THIRD-PARTY.txt")));
        assertTrue(Files.isRegularFile(home.resolve("licenses/annotate-pretrained-jar/dev/annotate/pretrained/nanodet-g"
                + "/LICENSE")));
    }

    @Test
    void version_andPredict_withTheBuildsArchive_thenTheOneTheFirstRunMade_thenNone() throws Exception {
        Run version = launcher(Map.of(), "--version");
        assertEquals(0, version.code(), version.err());
        assertEquals("annotate 0.1.0", version.out().strip());

        // the build's archive was made for the build folder: unusable here, silently; this run makes one for here
        removeAnnotations();
        Run first = launcher(Map.of(), "predict", "--model", "coco", "--images", images.toString());
        assertEquals(0, first.code(), first.err());
        assertFalse(first.err().contains("shared archive") || first.err().contains("[cds"), first.err());
        assertTrue(Files.readString(home.resolve("lib/annotate.jsa.stamp")).startsWith(home.resolve(
                "lib/annotate.jar") + " "), "the archive is now this installation's");

        // the next run maps it: the launcher's own classes come from it
        removeAnnotations();
        Run second = launcher(Map.of("ANNOTATE_OPTS", "-Xlog:class+load=info"), "predict", "--model", "coco",
                "--images", images.toString());
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("dev.annotate.cli.Annotate source: shared objects file (top)"),
                "Annotate not loaded from the archive");
        try (Stream<Path> s = Files.list(images)) {
            assertEquals(3, s.filter(p -> p.toString().endsWith(".xml")).count());
        }

        // without one, and told not to make one
        Files.delete(home.resolve("lib/annotate.jsa"));
        removeAnnotations();
        Run none = launcher(Map.of("ANNOTATE_CDS", "off"), "predict", "--model", "coco", "--images",
                images.toString());
        assertEquals(0, none.code(), none.err());
        assertFalse(Files.exists(home.resolve("lib/annotate.jsa")));
    }

    @Test
    void aMissingJava_exits2_namingJavaHome() throws Exception {
        Run r = launcher(Map.of("JAVA_HOME", root.resolve("no-such-java").toString()), "--version");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("JAVA_HOME is " + root.resolve("no-such-java")) && r.err().contains("Java 17"),
                r.err());
    }

    @Test
    void anOldJava_exits2_namingItsVersion() throws Exception {
        Path old = Files.createDirectories(root.resolve("java8/bin"));
        Path java = old.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"1.8.0_392\"' >&2\n");
        assertTrue(java.toFile().setExecutable(true));
        Run r = launcher(Map.of("JAVA_HOME", root.resolve("java8").toString()), "--version");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("is Java 1.8.0_392; annotate needs Java 17 or later"), r.err());

        Files.writeString(root.resolve("java8/release"), "JAVA_VERSION=\"11.0.2\"\n");
        Run release = launcher(Map.of("JAVA_HOME", root.resolve("java8").toString()), "--version");
        assertEquals(2, release.code(), release.err());
        assertTrue(release.err().contains("is Java 11.0.2; annotate needs Java 17 or later"), release.err());
    }
}
