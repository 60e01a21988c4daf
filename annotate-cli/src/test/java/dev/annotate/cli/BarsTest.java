package dev.annotate.cli;

import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progress lines outside a terminal: the rule tested on given samples, no clock; the real bar end to end. */
final class BarsTest {

    @Test
    void lines_aLineAtTheStart_everyFivePercent_after30sOfMovement_andOneAtTheEnd() {
        Bars.Lines lines = new Bars.Lines(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        List<String> printed = new ArrayList<>();
        // the updater samples about once a second: sample i at i seconds, one image every second
        for (int i = 0; i < 150; i++) {
            String line = lines.line("predict", i, 150, i >= 100 ? "1 failed" : "", Duration.ofSeconds(i), true);
            if (!line.isEmpty()) {
                printed.add(line);
            }
        }
        printed.add(lines.line("predict", 150, 150, "1 failed", Duration.ofSeconds(150), false));
        assertEquals("", lines.line("predict", 150, 150, "1 failed", Duration.ofSeconds(151), false),
                "nothing after the closing line");

        List<Long> percents = printed.stream().map(l -> Long.parseLong(l.replaceAll(".*\\((\\d+)%\\).*", "$1")))
                .toList();
        assertEquals("predict: 0/150 (0%) in 0:00:00", printed.get(0));
        for (int k = 1; k < percents.size() - 1; k++) {
            assertTrue(percents.get(k) / Bars.Lines.PERCENT_STEP > percents.get(k - 1) / Bars.Lines.PERCENT_STEP,
                    "a line only when another 5 % is crossed: " + printed);
        }
        assertTrue(printed.contains("predict: 8/150 (5%) in 0:00:08"), printed.toString());
        assertTrue(printed.contains("predict: 98/150 (65%) in 0:01:38"), printed.toString());
        assertTrue(printed.contains("predict: 105/150 (70%) in 0:01:45, 1 failed"), printed.toString());
        assertEquals("predict: 150/150 (100%) in 0:02:30, 1 failed", printed.get(printed.size() - 1),
                "the closing line comes whatever the step");
        assertEquals(100 / Bars.Lines.PERCENT_STEP + 1, printed.size(), printed.toString());
    }

    @Test
    void lines_slowProgress_printsOnceEvery30Seconds_whileItMoves() {
        Bars.Lines lines = new Bars.Lines(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        List<String> printed = new ArrayList<>();
        for (int s = 0; s <= 120; s++) { // 1,000,000 images, 10 a second: well under 5 % in two minutes
            String line = lines.line("predict", s * 10L, 1_000_000, "", Duration.ofSeconds(s), true);
            if (!line.isEmpty()) {
                printed.add(line);
            }
        }
        assertEquals(List.of("predict: 0/1000000 (0%) in 0:00:00", "predict: 300/1000000 (0%) in 0:00:30",
                "predict: 600/1000000 (0%) in 0:01:00", "predict: 900/1000000 (0%) in 0:01:30",
                "predict: 1200/1000000 (0%) in 0:02:00"), printed);
        assertEquals("", lines.line("predict", 1200, 1_000_000, "", Duration.ofSeconds(200), true),
                "no line while nothing moves");
    }

    @Test
    void lines_aStaleSampleOfTheClosingBar_doesNotHideTheClosingLine() {
        // the updater read the count before the last step and the bar dead after close: a CI run (#33's first)
        // ended on "148/150" and the closing line was never printed
        Bars.Lines lines = new Bars.Lines(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals("predict: 0/150 (0%) in 0:00:00", lines.line("predict", 0, 150, "", Duration.ZERO, true));
        assertEquals("predict: 148/150 (98%) in 0:00:02, 1 failed", lines.line("predict", 148, 150, "1 failed",
                Duration.ofSeconds(2), false));
        assertEquals("predict: 150/150 (100%) in 0:00:02, 1 failed", lines.line("predict", 150, 150, "1 failed",
                Duration.ofSeconds(2), false));
        assertEquals("", lines.line("predict", 150, 150, "1 failed", Duration.ofSeconds(3), false));
    }

    @Test
    void lines_throughTheRealBar_plainLinesEndingWithTheClosingOne() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = Bars.lines("predict", 150, new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            for (int i = 1; i <= 150; i++) {
                bar.stepTo(i);
                bar.setExtraMessage(i >= 100 ? "1 failed" : "");
            }
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().toList();
        assertFalse(lines.isEmpty(), out);
        for (String line : lines) {
            assertTrue(line.matches("predict: \\d+/150 \\(\\d+%\\) in \\d+:\\d\\d:\\d\\d(, 1 failed)?"), line);
        }
        assertTrue(lines.get(lines.size() - 1).matches("predict: 150/150 \\(100%\\) in \\S+, 1 failed"), out);
    }
}
