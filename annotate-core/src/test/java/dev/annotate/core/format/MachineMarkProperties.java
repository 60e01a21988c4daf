package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The mark's numbers are written as {@code String.format} wrote them, without its regular expression. */
final class MachineMarkProperties {

    @Property(tries = 3000)
    void score_isWhatFormatWritesWithFourDecimals(@ForAll @DoubleRange(min = 0, max = 1) double confidence) {
        assertEquals(String.format(Locale.ROOT, "%.4f", confidence), MachineMark.score(confidence));
    }

    @Property(tries = 300)
    void score_ofRoundingEdges_isWhatFormatWrites(@ForAll @IntRange(min = 0, max = 20000) int halves) {
        double edge = halves / 20000.0 + 0.00005; // x.xxxx5: the digit that rounds half up
        assertEquals(String.format(Locale.ROOT, "%.4f", edge), MachineMark.score(edge));
    }

    @Property(tries = 300)
    void digest_isEightLowerCaseHexDigits_asFormatWroteThem(@ForAll @IntRange(min = 0, max = 500) int x) {
        AnnotatedImage image = AnnotatedImage.of("a.jpg", 1000, 1000, 3, List.of(Annotation.of("car",
                BoundingBox.of(x, x / 2.0, x + 10, x + 20))));
        String digest = MachineMark.digest(image);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        var v = image.annotations().get(0).box().toVocIntegers(1000, 1000);
        crc.update(("car\t0\t" + v.xmin() + "\t" + v.ymin() + "\t" + v.xmax() + "\t" + v.ymax() + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(String.format(Locale.ROOT, "%08x", crc.getValue()), digest);
    }
}
