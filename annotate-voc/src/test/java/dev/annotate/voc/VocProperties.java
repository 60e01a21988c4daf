package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.VocBox;
import dev.annotate.core.format.ReadResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class VocProperties {

    private static final Path SOURCE = Path.of("property", "a.xml");

    /** Any text XML 1.0 can hold (BMP), including tabs, newlines and carriage returns, never blank. */
    private static Arbitrary<String> text(int maxLength) {
        return Arbitraries.strings()
                .withCharRange('\u0020', '\uD7FF')
                .withCharRange('\uE000', '\uFFFD')
                .withChars('\t', '\n', '\r')
                .ofMinLength(1).ofMaxLength(maxLength)
                .filter(s -> !s.isBlank());
    }

    @Provide
    Arbitrary<AnnotatedImage> images() {
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 5000);
        return Combinators.combine(side, side).flatAs((w, h) -> {
            Arbitrary<Annotation> annotation = Combinators.combine(
                    text(20),
                    Arbitraries.doubles().between(0, w), Arbitraries.doubles().between(0, w),
                    Arbitraries.doubles().between(0, h), Arbitraries.doubles().between(0, h),
                    Arbitraries.of(true, false), Arbitraries.of(true, false),
                    Arbitraries.oneOf(Arbitraries.just(Annotation.UNSPECIFIED_POSE), Arbitraries.of("Left", "Frontal"),
                            text(10)))
                    .as((label, xa, xb, ya, yb, difficult, truncated, pose) -> new Annotation(label,
                            BoundingBox.of(Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)),
                            OptionalDouble.empty(), difficult, truncated, pose, Map.of()));
            return Combinators.combine(text(30), text(60).optional(), Arbitraries.of(1, 3),
                            annotation.list().ofMaxSize(50), Arbitraries.of(true, false))
                    .as((name, path, depth, annotations, verified) -> new AnnotatedImage(name, path, w, h, depth,
                            annotations, verified, Map.of()));
        });
    }

    /** What reading a written image gives back: the documented VOC rounding and LabelImg's truncated rule. */
    private static AnnotatedImage expectedAfterRoundTrip(AnnotatedImage in) {
        List<Annotation> out = new ArrayList<>();
        for (Annotation a : in.annotations()) {
            VocBox v = a.box().toVocIntegers(in.width(), in.height());
            boolean touches = v.xmin() == 1 || v.ymin() == 1 || v.xmax() == in.width() || v.ymax() == in.height();
            out.add(a.withBox(BoundingBox.fromVocIntegers(v)).withFlags(a.difficult(), a.truncated() || touches));
        }
        String path = in.path().orElse("");
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        String parent = cut <= 0 ? "" : path.substring(0, cut);
        String folder = parent.substring(Math.max(parent.lastIndexOf('/'), parent.lastIndexOf('\\')) + 1);
        return in.withAnnotations(out).withExtras(Map.of(Voc.FOLDER_KEY, folder));
    }

    @Property(tries = 300)
    void writeThenRead_givesTheImageUnderTheDocumentedRounding(@ForAll("images") AnnotatedImage image)
            throws FormatException {
        ReadResult read = Voc.parse(Voc.toBytes(image), SOURCE);
        assertEquals(List.of(), read.problems());
        assertEquals(expectedAfterRoundTrip(image), read.image().orElseThrow());
    }

    @Property(tries = 300)
    void writeReadWrite_isByteIdentical(@ForAll("images") AnnotatedImage image) throws FormatException {
        byte[] once = Voc.toBytes(image);
        byte[] twice = Voc.toBytes(Voc.parse(once, SOURCE).image().orElseThrow());
        assertArrayEquals(once, twice);
    }

    @Provide
    Arbitrary<byte[]> arbitraryBytes() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(600),
                Arbitraries.strings().ofMaxLength(300).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.strings().withChars("<>/=\"' &;![]?-annotationbjecdfxmy0123456789\n")
                        .ofMaxLength(300).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    @Provide
    Arbitrary<byte[]> mutatedDocuments() {
        List<byte[]> seeds = List.of(VocReaderTest.LABELIMG.getBytes(StandardCharsets.UTF_8),
                VocReaderTest.DEVKIT.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.of(seeds).flatMap(seed -> {
            Arbitrary<Integer> at = Arbitraries.integers().between(0, seed.length - 1);
            Arbitrary<byte[]> replaced = Combinators.combine(at.list().ofMinSize(1).ofMaxSize(6),
                    Arbitraries.bytes().list().ofSize(6)).as((positions, values) -> {
                        byte[] copy = seed.clone();
                        for (int i = 0; i < positions.size(); i++) {
                            copy[positions.get(i)] = values.get(i);
                        }
                        return copy;
                    });
            Arbitrary<byte[]> cut = Combinators.combine(at, at).as((a, b) -> {
                int from = Math.min(a, b);
                int to = Math.max(a, b);
                byte[] copy = new byte[seed.length - (to - from)];
                System.arraycopy(seed, 0, copy, 0, from);
                System.arraycopy(seed, to, copy, from, seed.length - to);
                return copy;
            });
            Arbitrary<byte[]> duplicated = Combinators.combine(at, at).as((a, b) -> {
                int from = Math.min(a, b);
                int to = Math.max(a, b);
                byte[] copy = new byte[seed.length + (to - from)];
                System.arraycopy(seed, 0, copy, 0, to);
                System.arraycopy(seed, from, copy, to, seed.length - from);
                return copy;
            });
            return Arbitraries.oneOf(replaced, cut, duplicated);
        });
    }

    @Property(tries = 500)
    void parse_arbitraryBytes_returnsOrThrowsFormatException(@ForAll("arbitraryBytes") byte[] bytes) {
        parseOrFormatException(bytes);
    }

    @Property(tries = 1000)
    void parse_mutatedDocuments_returnsOrThrowsFormatException(@ForAll("mutatedDocuments") byte[] bytes) {
        parseOrFormatException(bytes);
    }

    private static void parseOrFormatException(byte[] bytes) {
        try {
            ReadResult r = Voc.parse(bytes, SOURCE);
            assertTrue(r.image().isPresent() || !r.problems().isEmpty());
            // whatever was read can be written and read again
            r.image().ifPresent(img -> {
                try {
                    Voc.parse(Voc.toBytes(img), SOURCE);
                } catch (FormatException e) {
                    throw new AssertionError("rewriting a read document gave an unreadable one: " + e, e);
                }
            });
        } catch (FormatException e) {
            assertEquals(SOURCE, e.file());
        }
    }
}
