package dev.annotate.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes what the distribution ships beside the launcher, from the picocli model of every command: a bash (and zsh,
 * through bashcompinit) completion script, and the manual as AsciiDoc pages, one per command. Run by the build
 * (annotate-cli's pom) with picocli-codegen on the class path, which the application itself never loads.
 */
final class Documentation {

    private Documentation() {
    }

    /**
     * {@code Documentation COMPLETION_FILE MANUAL_FOLDER}.
     *
     * @throws IOException if a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: Documentation COMPLETION_FILE MANUAL_FOLDER");
        }
        CommandLine all = Annotate.commandLine(command -> true);
        Path completion = Path.of(args[0]);
        Files.createDirectories(completion.toAbsolutePath().getParent());
        Files.writeString(completion, AutoComplete.bash("annotate", all));
        Path manual = Path.of(args[1]);
        Files.createDirectories(manual);
        int status = ManPageGenerator.generateManPage(manual.toFile(), null, new boolean[0], true,
                all.getCommandSpec());
        if (status != 0) {
            throw new IOException("the manual pages were not written (picocli-codegen status " + status + ")");
        }
    }
}
