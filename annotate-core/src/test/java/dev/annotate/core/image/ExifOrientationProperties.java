package dev.annotate.core.image;

import dev.annotate.core.BoundingBox;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class ExifOrientationProperties {

    @Provide
    Arbitrary<BoundingBox> boxes() {
        Arbitrary<Double> coord = Arbitraries.doubles().between(0, 500);
        Arbitrary<Double> size = Arbitraries.doubles().between(0, 500);
        return Combinators.combine(coord, coord, size, size).as(BoundingBox::ofSize);
    }

    @Property
    void toStored_undoesToDisplayed(@ForAll ExifOrientation o, @ForAll("boxes") BoundingBox box,
                                    @ForAll @IntRange(min = 1, max = 1000) int w,
                                    @ForAll @IntRange(min = 1, max = 1000) int h) {
        BoundingBox back = o.toStored(o.toDisplayed(box, w, h), w, h);
        assertEquals(box.xmin(), back.xmin(), 1e-9);
        assertEquals(box.ymin(), back.ymin(), 1e-9);
        assertEquals(box.xmax(), back.xmax(), 1e-9);
        assertEquals(box.ymax(), back.ymax(), 1e-9);
    }

    /** The box maths and the pixel maths must agree: a lit pixel lands where its box says. */
    @Property
    void apply_movesEachPixelWhereToDisplayedMovesItsBox(@ForAll ExifOrientation o,
                                                         @ForAll @IntRange(min = 1, max = 9) int w,
                                                         @ForAll @IntRange(min = 1, max = 9) int h,
                                                         @ForAll @IntRange(min = 0, max = 80) int pick) {
        int sx = pick % w;
        int sy = (pick / w) % h;
        BufferedImage stored = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        stored.setRGB(sx, sy, 0xFFFFFF);

        BufferedImage shown = o.apply(stored);

        assertEquals(o.displayedWidth(w, h), shown.getWidth());
        assertEquals(o.displayedHeight(w, h), shown.getHeight());
        BoundingBox expected = o.toDisplayed(BoundingBox.of(sx, sy, sx + 1, sy + 1), w, h);
        for (int y = 0; y < shown.getHeight(); y++) {
            for (int x = 0; x < shown.getWidth(); x++) {
                boolean lit = (shown.getRGB(x, y) & 0xFFFFFF) == 0xFFFFFF;
                assertEquals(expected.equals(BoundingBox.of(x, y, x + 1, y + 1)), lit,
                        o + " pixel (" + x + ", " + y + ") from stored (" + sx + ", " + sy + ")");
            }
        }
    }
}
