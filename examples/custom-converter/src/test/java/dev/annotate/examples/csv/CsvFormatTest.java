package dev.annotate.examples.csv;

import dev.annotate.cli.Annotate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI finds this format on the classpath, with no change to the CLI, and converts with it. */
final class CsvFormatTest {

    @TempDir
    Path dir;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Annotate.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void cli_listsTheFormat_andConvertsVocToCsvAndBack() throws IOException {
        assertTrue(run("convert", "--list")[1].contains("csv        one annotations.csv per dataset"));
        Path voc = dir.resolve("voc");
        assertEquals("0", run("generate", "--out", voc.toString(), "--images", "3", "--seed", "9")[0]);

        String[] toCsv = run("convert", "--from", "voc", "--to", "csv", "--in", voc.toString(), "--out",
                dir.resolve("csv").toString());
        assertEquals("0", toCsv[0], toCsv[2]);
        List<String> lines = Files.readAllLines(dir.resolve("csv/annotations.csv"));
        assertEquals(CsvFormat.HEADER, lines.get(0));
        assertTrue(lines.get(1).startsWith("000000.jpg,"), lines.get(1));

        String[] back = run("convert", "--from", "csv", "--to", "voc", "--in", dir.resolve("csv").toString(),
                "--out", dir.resolve("again").toString());
        assertEquals("0", back[0], back[2]);
        assertTrue(Files.isRegularFile(dir.resolve("again/000002.xml")));
    }
}
