package dev.annotate.command;

import dev.annotate.core.Slicing;
import dev.annotate.core.pipeline.Existing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class ProgramsTest {

    @TempDir
    Path dir;

    @Command(name = "tool")
    static final class Tool extends Programs.TopCommand {
    }

    /** A command that reads the shared prediction options and fails as it is told. */
    @Command(name = "predict")
    static final class Predict implements Callable<Integer> {
        @Mixin
        PredictionOptions prediction = new PredictionOptions();

        @CommandLine.Option(names = "--fail")
        String fail;

        Existing existing;
        Optional<Slicing> slicing;

        @Override
        public Integer call() {
            existing = prediction.existing();
            slicing = prediction.slicing();
            if ("bug".equals(fail)) {
                throw new IllegalStateException("broken");
            }
            return "some".equals(fail) ? Failures.SOME_FAILED : 0;
        }
    }

    private record Run(int code, String out, String err, Predict predict) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Predict predict = new Predict();
        CommandLine cl = new CommandLine(new Tool()).addSubcommand(predict);
        int code = Programs.execute("tool", cl, new PrintWriter(out), new PrintWriter(err),
                () -> dir.resolve("trace.txt"), args);
        return new Run(code, out.toString(), err.toString(), predict);
    }

    @Test
    void predictionOptions_defaults() {
        Run r = run("predict");
        assertEquals(0, r.code());
        assertEquals(0.5, r.predict().prediction.minScore());
        assertEquals(Existing.SKIP, r.predict().existing);
        assertEquals(Optional.empty(), r.predict().slicing);
    }

    @Test
    void predictionOptions_given() {
        Run r = run("predict", "--min-score", "0.3", "--existing", "REFRESH", "--slice", "640");
        assertEquals(0, r.code(), r.err());
        assertEquals(0.3, r.predict().prediction.minScore());
        assertEquals(Existing.REFRESH, r.predict().existing);
        assertEquals(Optional.of(Slicing.of(640)), r.predict().slicing);
    }

    @Test
    void badExisting_isBadInput_namingTheOptionTheValueAndThePolicies() {
        Run r = run("predict", "--existing", "keep");
        assertEquals(Failures.BAD_INPUT, r.code());
        assertEquals("tool: error: --existing keep is not one of skip, skip-verified, refresh, overwrite\n",
                r.err().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aCommandsOwnCode_isTheExitCode() {
        assertEquals(Failures.SOME_FAILED, run("predict", "--fail", "some").code());
    }

    @Test
    void internalError_writesTheTraceToTheProgramsFile_unlessVerbose() throws Exception {
        Run quiet = run("predict", "--fail", "bug");
        assertEquals(Failures.INTERNAL_ERROR, quiet.code());
        assertTrue(quiet.err().startsWith("tool: internal error: java.lang.IllegalStateException: broken (a bug in"
                + " tool; the stack trace is in " + dir.resolve("trace.txt").toAbsolutePath()), quiet.err());
        assertTrue(Files.readString(dir.resolve("trace.txt")).contains("at dev.annotate.command.ProgramsTest"));

        // --verbose belongs to the top command and is accepted after the subcommand's name too
        for (String[] args : new String[][] {{"--verbose", "predict", "--fail", "bug"},
                {"predict", "--fail", "bug", "--verbose"}}) {
            Run loud = run(args);
            assertEquals(Failures.INTERNAL_ERROR, loud.code());
            assertTrue(loud.err().contains("at dev.annotate.command.ProgramsTest"), loud.err());
        }
    }

    @Test
    void noCommand_isBadUsage_namingTheCommands() {
        Run r = run();
        assertEquals(Failures.BAD_INPUT, r.code());
        assertTrue(r.err().contains("name a command: predict"), r.err());
    }

    @Test
    void badUsage_isBadInput() {
        Run r = run("predict", "--min-score");
        assertEquals(Failures.BAD_INPUT, r.code());
        assertTrue(r.err().contains("--min-score"), r.err());
    }
}
