package dev.annotate.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The CLI's logging: the libraries log through SLF4J, which the CLI binds to {@code java.util.logging}
 * ({@code slf4j-jdk14}); this formats each record as one line in the form of the CLI's own messages, on stderr
 * where they go: {@code "annotate: warning: skipping a.xml: ..."}, {@code "annotate: error: ..."}, and informational
 * lines ({@code "annotate: ..."}) only with {@code --verbose}, since the CLI prints its own summaries.
 */
final class LogLines extends Formatter {

    private LogLines() {
    }

    /** Sends every log record to {@code err}, one line each; informational ones only when {@code verbose}. */
    static void install(PrintStream err, boolean verbose) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Level level = verbose ? Level.INFO : Level.WARNING;
        Handler handler = new StreamHandler(err, new LogLines()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush(); // each line as it happens, between the progress bar's lines
            }
        };
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
    }

    @Override
    public String format(LogRecord r) {
        StringBuilder line = new StringBuilder("annotate: ");
        int level = r.getLevel().intValue();
        if (level >= Level.SEVERE.intValue()) {
            line.append("error: ");
        } else if (level >= Level.WARNING.intValue()) {
            line.append("warning: ");
        } else if (level < Level.INFO.intValue()) {
            line.append(r.getLevel().getName().toLowerCase(Locale.ROOT)).append(": ");
        }
        line.append(formatMessage(r));
        if (r.getThrown() != null) {
            line.append(" (").append(r.getThrown()).append(')');
        }
        return line.append(System.lineSeparator()).toString();
    }
}
