package dev.annotate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * The {@code annotate} command. Exit codes: 0 success, 1 some images failed (they are listed), 2 bad usage or
 * input (the message names the file or value).
 *
 * <pre>
 * java -jar examples/cli/target/annotate.jar predict --model model.onnx --images new-batch
 * </pre>
 */
@Command(name = "annotate", mixinStandardHelpOptions = true, version = "annotate 0.1.0",
        description = "Pre-annotate image datasets for object detection.",
        subcommands = {DemoCommand.class, GenerateCommand.class, TrainCommand.class, PredictCommand.class, TfRecordCommand.class, EvaluateCommand.class,
                ConvertCommand.class, InspectCommand.class})
public final class Annotate implements Runnable {

    /** Some images failed. */
    public static final int SOME_FAILED = 1;
    /** Bad usage or bad input. */
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** Runs the command line and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Annotate());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("annotate: error: " + message(e));
            commandLine.getErr().flush();
            return BAD_INPUT;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static String message(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": no such file" + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
        }
        if (e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            return e.getMessage();
        }
        return e.toString();
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }
}
