package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.VocBox;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The text a format stores to say that a machine wrote an annotation file, with which model, and which boxes:
 * {@code annotate pre-annotation; model=round-2/model.onnx; boxes=1a2b3c4d}.
 *
 * <p>The {@code boxes} digest (CRC-32C over each annotation's label, {@code difficult} flag and
 * {@linkplain dev.annotate.core.BoundingBox#toVocIntegers(int, int) VOC integer corners}, in order) ties the mark
 * to the boxes it was written with. A file still marked but whose boxes no longer match was changed by a person
 * with a tool that keeps elements it does not know (a text editor, say): it counts as checked, never as the
 * machine's. So a person's correction is never mistaken for a machine file, whatever tool made it; the price is
 * that a change of less than a pixel, or of a score, goes unnoticed, which loses nothing.
 *
 * <p>Formats place the text where the tools people correct in ignore it on reading and drop it on saving (VOC:
 * {@code <source><annotation>}, see the VOC codec); formats with no such place carry no mark, and their files
 * always count as a person's.
 */
public final class MachineMark {

    /** What every mark starts with. */
    public static final String PREFIX = "annotate pre-annotation; model=";

    private static final Pattern MARK = Pattern.compile(Pattern.quote(PREFIX) + "(.+); boxes=([0-9a-f]{8})");

    private MachineMark() {
    }

    /**
     * The mark for a predicted image.
     *
     * @throws IllegalArgumentException if the image is not {@linkplain AnnotatedImage#predictedBy() predicted}
     */
    public static String of(AnnotatedImage image) {
        String model = image.predictedBy().orElseThrow(() -> new IllegalArgumentException(
                image.fileName() + " is a person's work: it carries no machine mark"));
        return PREFIX + model + "; boxes=" + digest(image);
    }

    /**
     * The model a mark names, when the mark is well-formed and its digest matches the image's boxes as read;
     * empty when the text is no mark or the boxes were changed since the machine wrote them.
     *
     * @param text the mark as found in the file
     * @param asRead the image as read from the same file, its annotations in file order
     */
    public static Optional<String> model(String text, AnnotatedImage asRead) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = MARK.matcher(text.strip());
        if (!m.matches() || !m.group(2).equals(digest(asRead))) {
            return Optional.empty();
        }
        return Optional.of(m.group(1));
    }

    /** The eight hex digits of the boxes' digest. */
    static String digest(AnnotatedImage image) {
        CRC32C crc = new CRC32C();
        StringBuilder line = new StringBuilder();
        for (Annotation a : image.annotations()) {
            VocBox v = a.box().toVocIntegers(image.width(), image.height());
            line.setLength(0);
            line.append(a.label()).append('\t').append(a.difficult() ? 1 : 0).append('\t').append(v.xmin())
                    .append('\t').append(v.ymin()).append('\t').append(v.xmax()).append('\t').append(v.ymax())
                    .append('\n');
            crc.update(line.toString().getBytes(StandardCharsets.UTF_8));
        }
        String hex = Long.toHexString(crc.getValue()); // String.format("%08x") parses its pattern with a regex
        return "0".repeat(8 - hex.length()) + hex;
    }

    /**
     * A confidence as marks write it: four decimals, as much as a reviewer reads; what
     * {@code String.format(Locale.ROOT, "%.4f", confidence)} gives (half up from the shortest decimal that names the
     * double), without the regular expression that parses a format string, once per box.
     */
    public static String score(double confidence) {
        return java.math.BigDecimal.valueOf(confidence).setScale(4, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}
