package dev.annotate.command;

import dev.annotate.core.DetectorException;
import dev.annotate.core.FormatException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * How a command-line program built on annotate tells its user what went wrong, so that every such program
 * answers alike: <em>bad input</em> (a file or a value the user can fix; exit {@value #BAD_INPUT}, one line with
 * the message) apart from an <em>internal error</em> (a bug, or a model or native runtime that failed; exit
 * {@value #INTERNAL_ERROR}, one line naming the exception and where its stack trace is).
 *
 * <pre>{@code
 * } catch (Exception e) {
 *     return Failures.report("annotate", e, err, verbose, null);
 * }</pre>
 */
public final class Failures {

    /** Exit code: some images failed; they are listed, the rest is done. */
    public static final int SOME_FAILED = 1;
    /** Exit code: bad usage or bad input; the message names the file or value. */
    public static final int BAD_INPUT = 2;
    /** Exit code: an internal error, a bug or a model or native runtime that failed. */
    public static final int INTERNAL_ERROR = 3;

    /** Where annotate's own classes live: an {@link IllegalArgumentException} first thrown there is validation. */
    private static final String OUR_PACKAGES = "dev.annotate.";

    private Failures() {
    }

    /**
     * Whether {@code e} is bad input the user can fix: any {@link IOException} (missing, unreadable or malformed
     * files; {@link FormatException} among them), an {@link UncheckedIOException}, or an
     * {@link IllegalArgumentException} that annotate's own validation threw (a value out of range, an option that
     * does not apply: its first stack frame is in a {@code dev.annotate} class). An
     * {@link IllegalArgumentException} the JDK or another library threw at our code is a bug in how we called it
     * (#32: {@code Path.relativize} refusing a relative and an absolute path was shown as bad input). Everything
     * else, {@link DetectorException} included, is an internal error.
     */
    public static boolean isBadInput(Throwable e) {
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return true;
        }
        if (!(e instanceof IllegalArgumentException)) {
            return false;
        }
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length > 0 && trace[0].getClassName().startsWith(OUR_PACKAGES);
    }

    /** The exit code for {@code e}: {@link #BAD_INPUT} or {@link #INTERNAL_ERROR}. */
    public static int exitCode(Throwable e) {
        return isBadInput(e) ? BAD_INPUT : INTERNAL_ERROR;
    }

    /**
     * The message a person reads for bad input {@code e}: the exception's own message, which names the file or
     * value ({@code "/data/x.xml: no such file"} for the JDK's file exceptions, which name only the path).
     */
    public static String describe(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return describe(u.getCause());
        }
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file" + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied" + (a.getReason() == null ? "" : " (" + a.getReason() + ")");
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + ": already exists" + (f.getReason() == null ? "" : " (" + f.getReason() + ")");
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * Prints one line about {@code e} on {@code err} and returns the exit code. Bad input:
     * {@code "PROGRAM: error: MESSAGE"}. Internal error: {@code "PROGRAM: internal error: EXCEPTION (a bug in
     * PROGRAM; ...)"} (or "the model or its runtime failed" when a {@link DetectorException} caused it), followed
     * by the stack trace on {@code err} when {@code verbose}, else with the stack trace appended to
     * {@code traceFile} (a new file in {@code java.io.tmpdir} when {@code null}), which the line names.
     *
     * @param program the program's name, which starts the line
     * @param e what went wrong
     * @param err where the line goes
     * @param verbose print an internal error's stack trace on {@code err} instead of into a file
     * @param traceFile where an internal error's stack trace goes when not {@code verbose}, or {@code null}
     * @return {@link #BAD_INPUT} or {@link #INTERNAL_ERROR}
     */
    public static int report(String program, Throwable e, PrintWriter err, boolean verbose, Path traceFile) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(e, "e");
        int code = exitCode(e);
        if (code == BAD_INPUT) {
            err.println(program + ": error: " + describe(e));
            err.flush();
            return code;
        }
        String what = causedByModel(e) ? "the model or its runtime failed" : "a bug in " + program;
        if (verbose) {
            err.println(program + ": internal error: " + firstLine(e.toString()) + " (" + what + ")");
            e.printStackTrace(err);
        } else {
            String where;
            try {
                where = "the stack trace is in " + appendTrace(e, traceFile) + ", or run again with --verbose";
            } catch (IOException | RuntimeException io) {
                where = "run again with --verbose for the stack trace (writing it to a file failed: " + io + ")";
            }
            err.println(program + ": internal error: " + firstLine(e.toString()) + " (" + what + "; " + where + ")");
        }
        err.flush();
        return code;
    }

    private static Path appendTrace(Throwable e, Path traceFile) throws IOException {
        Path file = traceFile != null ? traceFile : Files.createTempFile("annotate-error-", ".txt");
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        Files.writeString(file, trace.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return file.toAbsolutePath();
    }

    private static boolean causedByModel(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
            if (t instanceof DetectorException) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
