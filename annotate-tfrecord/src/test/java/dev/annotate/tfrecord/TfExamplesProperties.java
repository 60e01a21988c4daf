package dev.annotate.tfrecord;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.tfrecord.proto.Example;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

final class TfExamplesProperties {

    private static final List<String> NAMES = List.of("race car", "tree", "house", "自行车");
    private static final LabelMap LABELS = LabelMap.fromNames(NAMES);

    @Provide
    Arbitrary<AnnotatedImage> images() {
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 10_000);
        return Combinators.combine(side, side).flatAs((w, h) -> {
            Arbitrary<Annotation> annotation = Combinators.combine(Arbitraries.of(NAMES),
                    Arbitraries.doubles().between(0, w), Arbitraries.doubles().between(0, w),
                    Arbitraries.doubles().between(0, h), Arbitraries.doubles().between(0, h),
                    Arbitraries.of(true, false), Arbitraries.of(true, false),
                    Arbitraries.strings().ofMinLength(1).ofMaxLength(8).filter(s -> !s.isBlank()))
                    .as((label, xa, xb, ya, yb, difficult, truncated, pose) -> new Annotation(label,
                            BoundingBox.of(Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)),
                            OptionalDouble.empty(), difficult, truncated, pose, Map.of()));
            return Combinators.combine(Arbitraries.strings().ofMinLength(1).ofMaxLength(20)
                            .filter(s -> s.chars().allMatch(c -> (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
                                    && !Character.isSurrogate((char) c) && c < 0xFFFE)),
                            annotation.list().ofMaxSize(30))
                    .as((name, annotations) -> AnnotatedImage.of(name, w, h, 3, annotations));
        });
    }

    /** Float32 holds a normalised coordinate to ~6e-8 of the side: under a thousandth of a pixel at 10,000 px. */
    @Property(tries = 300)
    void encodeThenDecode_isIdentityWithinFloatPrecision(@ForAll("images") AnnotatedImage image,
                                                          @ForAll byte[] encoded) throws Exception {
        Example wire = Example.parseFrom(TfExamples.encode(image, encoded, "jpeg", LABELS).toByteArray());
        TfExamples.Decoded back = TfExamples.decode(wire, LABELS);

        assertArrayEquals(encoded, back.encodedImage());
        assertEquals("jpeg", back.format());
        AnnotatedImage got = back.image();
        assertEquals(image.fileName(), got.fileName());
        assertEquals(image.width(), got.width());
        assertEquals(image.height(), got.height());
        assertEquals(image.annotations().size(), got.annotations().size());
        double tolerance = 1e-3;
        for (int i = 0; i < image.annotations().size(); i++) {
            Annotation a = image.fitted().annotations().get(i); // as every writer writes it
            Annotation b = got.annotations().get(i);
            assertEquals(a.withBox(b.box()), b);
            assertEquals(a.box().xmin(), b.box().xmin(), tolerance);
            assertEquals(a.box().ymin(), b.box().ymin(), tolerance);
            assertEquals(a.box().xmax(), b.box().xmax(), tolerance);
            assertEquals(a.box().ymax(), b.box().ymax(), tolerance);
        }
    }
}
