package dev.annotate.cli;

import dev.annotate.command.Failures;
import dev.annotate.command.Programs;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code annotate} command. Exit codes: 0 success, 1 some images failed (they are listed), 2 bad usage or
 * input (the message names the file or value), 3 an internal error: a bug, or a model or native runtime that
 * failed (one line names the exception and the file holding its stack trace; {@code --verbose} prints it).
 *
 * <p>{@code --verbose}, accepted by every command, also lets TensorFlow's native start-up messages and the
 * library's informational log lines through; by default they stay off the terminal (see {@link NativeOutput}).
 *
 * <pre>
 * java -jar annotate-cli/target/annotate.jar predict --model model.onnx --images new-batch
 * </pre>
 */
@Command(name = "annotate", mixinStandardHelpOptions = true, version = "annotate 0.1.0",
        description = "Pre-annotate image datasets for object detection.")
public final class Annotate extends Programs.TopCommand {

    /** Some images failed. */
    public static final int SOME_FAILED = Failures.SOME_FAILED;
    /** Bad usage or bad input. */
    public static final int BAD_INPUT = Failures.BAD_INPUT;
    /** An internal error: a bug, or a model or native runtime that failed. */
    public static final int INTERNAL_ERROR = Failures.INTERNAL_ERROR;

    /** The commands, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, GenerateCommand.class,
            TrainCommand.class, PredictCommand.class, ServeCommand.class, TfRecordCommand.class, EvaluateCommand.class,
            ConvertCommand.class, InspectCommand.class);

    /**
     * Runs the command line and returns its exit code. Only the command named first is built when there is one:
     * picocli reads every option of every command it is given by reflection, a fifth of a second of start-up spent
     * on commands that do not run.
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        String first = args.length > 0 ? args[0] : "";
        boolean named = COMMANDS.stream().anyMatch(c -> name(c).equals(first));
        CommandLine cl = commandLine(command -> !named || name(command).equals(first));
        return Programs.execute("annotate", cl, out, err, () -> NativeOutput.log().orElse(null), args);
    }

    /** The command line with the commands {@code wanted} accepts, its converters set. */
    static CommandLine commandLine(java.util.function.Predicate<Class<?>> wanted) {
        CommandLine cl = new CommandLine(new Annotate());
        for (Class<?> command : COMMANDS) {
            if (wanted.test(command)) {
                cl.addSubcommand(name(command), newCommand(command));
            }
        }
        // every path a command is given is made absolute once, here: code that relates two paths (an output
        // file to its folder, a file to the dataset) then never mixes a relative one with an absolute one (#32:
        // the demo's default, relative --out failed in its second round)
        cl.registerConverter(Path.class, value -> Path.of(value).toAbsolutePath().normalize());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    private static String name(Class<?> command) {
        return command.getAnnotation(CommandLine.Command.class).name();
    }

    private static Object newCommand(Class<?> command) {
        try {
            var constructor = command.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("command " + command.getName() + " cannot be made", e);
        }
    }

    public static void main(String[] args) {
        boolean verbose = Arrays.asList(args).contains(Programs.VERBOSE);
        OneDnn.allow();
        LogLines.install(System.err, verbose);
        if (!verbose) {
            NativeOutput.enable();
        }
        int code = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        NativeOutput.finish(code == INTERNAL_ERROR);
        System.exit(code);
    }
}
