package dev.annotate.command;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How every annotate program ({@code annotate}, {@code annotate-spark}) runs its command line, so they answer
 * alike: the exit codes of {@link Failures}, one line for a failure, {@code --verbose} on every command for the
 * stack trace.
 *
 * <pre>{@code
 * @Command(name = "tool", subcommands = {...})
 * final class Tool extends Programs.TopCommand {
 * }
 * int code = Programs.execute("tool", new CommandLine(new Tool()), out, err, () -> null, args);
 * }</pre>
 */
public final class Programs {

    /** The option that prints an internal error's stack trace instead of writing it to a file. */
    public static final String VERBOSE = "--verbose";

    private Programs() {
    }

    /** {@value #VERBOSE}, accepted by a program's every command: mix it into the top command. */
    public static final class Verbose {
        @Option(names = VERBOSE, scope = CommandLine.ScopeType.INHERIT,
                description = "Print stack traces, native libraries' messages and informational log lines.")
        boolean verbose;
    }

    /**
     * A program's top command: it takes {@value #VERBOSE} for every command, and, run without a command, says which
     * there are (bad usage, {@link Failures#BAD_INPUT}).
     */
    public abstract static class TopCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Verbose verbose;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command: "
                    + String.join(", ", spec.subcommands().keySet()));
        }
    }

    /**
     * Runs {@code commandLine} on {@code args} and returns its exit code: 0, a command's own code (such as
     * {@link Failures#SOME_FAILED}), picocli's for bad usage ({@link Failures#BAD_INPUT}), or what
     * {@link Failures#report} says for an exception a command threw.
     *
     * @param program the program's name, which starts a failure's line
     * @param traceFile where an internal error's stack trace goes without {@value #VERBOSE}, asked for when one
     *     happens (null: a new file in {@code java.io.tmpdir})
     */
    public static int execute(String program, CommandLine commandLine, PrintWriter out, PrintWriter err,
                              Supplier<Path> traceFile, String... args) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(traceFile, "traceFile");
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, c, parsed) -> Failures.report(program, e, c.getErr(),
                verbose(parsed), traceFile.get()));
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Whether {@value #VERBOSE} was given to any command of the parsed line. */
    static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return false;
    }
}
