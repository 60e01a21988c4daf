package dev.annotate.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The CLI's progress bars: ASCII, on stderr, so stdout keeps the summary for scripts. */
final class Bars {

    private Bars() {
    }

    /** A bar for {@code task} over {@code max} steps ({@code -1} when not yet known). */
    static ProgressBar open(String task, long max) {
        return new ProgressBarBuilder().setTaskName(task).setStyle(ProgressBarStyle.ASCII).setInitialMax(max).build();
    }
}
