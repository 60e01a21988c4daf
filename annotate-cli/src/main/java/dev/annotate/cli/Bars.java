package dev.annotate.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The CLI's progress bars, on stderr so stdout keeps the summary for scripts. On a terminal: an ASCII bar
 * redrawn in place. Otherwise (a CI log, a pipe, a file: the JVM has no console): a plain {@linkplain Lines line}
 * each time another {@value Lines#PERCENT_STEP} percent is done, or after {@link Lines#EVERY} while progress moves
 * slower, and one at the end, instead of a frame with a carriage return every second.
 */
final class Bars {

    private Bars() {
    }

    /** A bar for {@code task} over {@code max} steps ({@code -1} when not yet known). */
    static ProgressBar open(String task, long max) {
        if (System.console() != null) {
            return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                    .build();
        }
        return lines(task, max, System.err);
    }

    /** A bar for {@code task} that prints {@linkplain Lines lines} on {@code out}. */
    static ProgressBar lines(String task, long max, PrintStream out) {
        Lines lines = new Lines(out);
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setRenderer(lines).setConsumer(lines)
                .build();
    }

    /**
     * Progress as separate lines: {@code "predict: 450/1000 (45%) in 0:00:12, 3 failed"}. The bar's updater calls
     * {@link #render} about once a second and hands the result to {@link #accept}; a line is printed at the start,
     * when the progress crossed another {@value #PERCENT_STEP} percent, when it moved and {@link #EVERY} passed
     * since the last line, and when the bar closes if anything changed since the last line.
     *
     * <p>No line is latched as the last: the bar's updater may be sampling while the bar closes and read the count
     * from before the last step with the bar already dead (its fields are read one by one), and the close's own
     * sample, with the final count, must still print.
     */
    static final class Lines implements ProgressBarRenderer, ProgressBarConsumer {

        static final int PERCENT_STEP = 5;
        static final Duration EVERY = Duration.ofSeconds(30);

        private final PrintStream out;
        private long lastStep = -1;
        private long lastCurrent = -1;
        private String lastExtra = "";
        private Duration lastAt;

        Lines(PrintStream out) {
            this.out = out;
        }

        @Override
        public String render(ProgressState state, int maxLength) {
            return line(state.getTaskName(), state.getCurrent(), state.getMax(), state.getExtraMessage(),
                    state.getTotalElapsed(), state.isAlive());
        }

        /** The line for one sample of the bar's state, or {@code ""} when none is due. */
        synchronized String line(String task, long current, long max, String extraMessage, Duration elapsed,
                                 boolean alive) {
            String extra = extraMessage == null ? "" : extraMessage.strip();
            long percent = max > 0 ? Math.min(100, current * 100 / max) : -1;
            long step = percent < 0 ? -1 : percent / PERCENT_STEP;
            boolean changed = current != lastCurrent || !extra.equals(lastExtra);
            boolean end = !alive;
            boolean due = lastAt == null || step > lastStep || (end && changed)
                    || (changed && elapsed.minus(lastAt).compareTo(EVERY) >= 0);
            if (!due) {
                return "";
            }
            lastStep = Math.max(lastStep, step);
            lastCurrent = current;
            lastExtra = extra;
            lastAt = elapsed;
            StringBuilder line = new StringBuilder(task).append(": ").append(current);
            if (percent >= 0) {
                line.append('/').append(max).append(" (").append(percent).append("%)");
            }
            long s = elapsed.getSeconds();
            line.append(String.format(Locale.ROOT, " in %d:%02d:%02d", s / 3600, s / 60 % 60, s % 60));
            if (!extra.isEmpty()) {
                line.append(", ").append(extra);
            }
            return line.toString();
        }

        @Override
        public int getMaxRenderedLength() {
            return Integer.MAX_VALUE;
        }

        @Override
        public void accept(String line) {
            if (!line.isEmpty()) {
                out.println(line);
            }
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
