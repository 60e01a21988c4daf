package dev.annotate.command;

import dev.annotate.core.DetectorException;
import dev.annotate.core.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class FailuresTest {

    @TempDir
    Path dir;

    private record Reported(int code, String err) {
    }

    private static Reported report(Throwable e, boolean verbose, Path traceFile) {
        StringWriter err = new StringWriter();
        int code = Failures.report("prog", e, new PrintWriter(err), verbose, traceFile);
        return new Reported(code, err.toString());
    }

    @Test
    void exitCode_badInputIsTwo_everythingElseThree() {
        assertEquals(Failures.BAD_INPUT, Failures.exitCode(new IOException("x")));
        assertEquals(Failures.BAD_INPUT, Failures.exitCode(new FormatException(Path.of("a.xml"), null, "bad")));
        assertEquals(Failures.BAD_INPUT, Failures.exitCode(new UncheckedIOException(new IOException("x"))));
        assertEquals(Failures.BAD_INPUT, Failures.exitCode(new NumberFormatException("x")));
        assertEquals(Failures.INTERNAL_ERROR, Failures.exitCode(new IllegalStateException("x")));
        IllegalArgumentException fromTheJdk = assertThrows(IllegalArgumentException.class,
                () -> Path.of("relative").relativize(Path.of("/absolute")));
        assertEquals(Failures.INTERNAL_ERROR, Failures.exitCode(fromTheJdk), "a JDK refusal of our call is a bug");
        assertEquals(Failures.INTERNAL_ERROR, Failures.exitCode(new NullPointerException()));
        assertEquals(Failures.INTERNAL_ERROR, Failures.exitCode(new DetectorException("x")));
        assertEquals(Failures.INTERNAL_ERROR, Failures.exitCode(new OutOfMemoryError()));
    }

    @Test
    void describe_namesTheFile_ofTheJdksFileExceptions() {
        assertEquals("/d/a.xml: no such file", Failures.describe(new NoSuchFileException("/d/a.xml")));
        assertEquals("/d/m: no such file (no model)", Failures.describe(new NoSuchFileException("/d/m", null,
                "no model")));
        assertEquals("/d: permission denied", Failures.describe(new UncheckedIOException(
                new AccessDeniedException("/d"))));
        assertEquals("--min-score 2 must be <= 1", Failures.describe(new IllegalArgumentException(
                "--min-score 2 must be <= 1")));
        assertEquals("java.io.IOException", Failures.describe(new IOException()));
    }

    @Test
    void report_badInput_isOneLineWithTheMessage() {
        Reported r = report(new NoSuchFileException("/d/a.xml"), false, null);
        assertEquals(new Reported(Failures.BAD_INPUT, "prog: error: /d/a.xml: no such file" + System.lineSeparator()),
                r);
    }

    @Test
    void report_aBug_isOneLine_andTheStackTraceGoesToTheFileItNames() throws IOException {
        Path trace = dir.resolve("trace.txt");
        Files.writeString(trace, "native output before\n");
        NullPointerException bug = new NullPointerException("boom\nsecond line");
        Reported r = report(bug, false, trace);
        assertEquals(Failures.INTERNAL_ERROR, r.code());
        assertEquals("prog: internal error: java.lang.NullPointerException: boom (a bug in prog; the stack trace is in "
                + trace.toAbsolutePath() + ", or run again with --verbose)" + System.lineSeparator(), r.err());
        String written = Files.readString(trace);
        assertTrue(written.startsWith("native output before\njava.lang.NullPointerException: boom"), written);
        assertTrue(written.contains("at dev.annotate.command.FailuresTest.report_aBug"), written);
    }

    @Test
    void report_withoutATraceFile_writesANewOne() throws IOException {
        Reported r = report(new IllegalStateException("odd"), false, null);
        String prefix = "the stack trace is in ";
        int at = r.err().indexOf(prefix);
        assertTrue(at > 0, r.err());
        Path file = Path.of(r.err().substring(at + prefix.length(), r.err().indexOf(", or run again")));
        try {
            assertTrue(Files.readString(file).startsWith("java.lang.IllegalStateException: odd"), file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void report_verbose_printsTheStackTrace_andWritesNoFile() {
        Path trace = dir.resolve("trace.txt");
        Reported r = report(new IllegalStateException("odd"), true, trace);
        assertEquals(Failures.INTERNAL_ERROR, r.code());
        String[] lines = r.err().split("\\R");
        assertEquals("prog: internal error: java.lang.IllegalStateException: odd (a bug in prog)", lines[0]);
        assertEquals("java.lang.IllegalStateException: odd", lines[1]);
        assertTrue(lines[2].strip().startsWith("at dev.annotate.command.FailuresTest."), lines[2]);
        assertFalse(Files.exists(trace));
    }

    @Test
    void report_aFailingModel_isNotCalledABug() {
        Exception wrapped = new RuntimeException("job aborted", new DetectorException("ONNX Runtime failed on m.onnx"));
        Reported r = report(wrapped, true, null);
        assertEquals(Failures.INTERNAL_ERROR, r.code());
        assertTrue(r.err().startsWith("prog: internal error: java.lang.RuntimeException: job aborted (the model or"
                + " its runtime failed)"), r.err());
    }
}
