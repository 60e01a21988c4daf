package dev.annotate.cli;

import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class BarsTest {

    private static final Pattern LINE = Pattern.compile("predict: (\\d+)/150 \\((\\d+)%\\) in 0:00:0\\d(, .*)?");

    @Test
    void lines_outsideATerminal_printAPlainLineEveryFewPercent_andOneAtTheEnd() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = Bars.lines("predict", 150, new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            for (int i = 1; i <= 150; i++) {
                Thread.sleep(10); // the bar's updater samples about once a second: a few lines on the way
                bar.stepTo(i);
                bar.setExtraMessage(i >= 100 ? "1 failed" : "");
            }
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.size() >= 2 && lines.size() <= 100 / Bars.Lines.PERCENT_STEP + 2, out);
        long lastPercent = -Bars.Lines.PERCENT_STEP;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINE.matcher(lines.get(i));
            assertTrue(m.matches(), lines.get(i));
            long percent = Long.parseLong(m.group(2));
            assertEquals(Long.parseLong(m.group(1)) * 100 / 150, percent, lines.get(i));
            boolean last = i == lines.size() - 1; // the closing line comes whatever the step
            assertTrue(last ? percent > lastPercent : percent / Bars.Lines.PERCENT_STEP
                    > lastPercent / Bars.Lines.PERCENT_STEP, out);
            lastPercent = percent;
        }
        assertEquals("predict: 150/150 (100%)", lines.get(lines.size() - 1).substring(0, 23));
        assertTrue(lines.get(lines.size() - 1).endsWith(", 1 failed"), out);
    }
}
