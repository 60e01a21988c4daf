package dev.annotate.synthetic;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.image.DecodedImage;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.Images;
import dev.annotate.voc.Voc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class SyntheticDatasetTest {

    @TempDir
    Path dir;

    private static final SyntheticDataset.Options MANY_ROTATED = SyntheticDataset.Options.defaults(40, 7)
            .withSides(160, 400).withExifShare(0.5);

    @Test
    void generate_sameSeed_writesIdenticalBytes_otherSeedDiffers() throws IOException {
        SyntheticDataset.Options options = SyntheticDataset.Options.defaults(6, 42);
        SyntheticDataset.Summary first = SyntheticDataset.generate(dir, options);
        List<byte[]> before = first.images().stream().map(SyntheticDatasetTest::bytes).toList();
        List<byte[]> beforeXml = first.annotationFiles().stream().map(SyntheticDatasetTest::bytes).toList();

        SyntheticDataset.Summary again = SyntheticDataset.generate(dir, options);

        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), bytes(again.images().get(i)));
            assertArrayEquals(beforeXml.get(i), bytes(again.annotationFiles().get(i)));
        }
        Path other = dir.resolve("other");
        SyntheticDataset.generate(other, SyntheticDataset.Options.defaults(1, 43));
        assertFalse(java.util.Arrays.equals(before.get(0), bytes(other.resolve("000000.jpg"))));
        assertEquals(SyntheticDataset.LABEL_MAP, LabelMaps.read(first.labelMap()));
    }

    @Test
    void generate_writesLabelImgFiles_withBoxesInsideTheDisplayedImage() throws IOException {
        SyntheticDataset.Summary s = SyntheticDataset.generate(dir, MANY_ROTATED);
        assertEquals(40, s.images().size());
        assertTrue(s.rotated() >= 10, "rotated " + s.rotated());
        long truncated = 0;
        for (int i = 0; i < s.images().size(); i++) {
            AnnotatedImage read = Voc.read(s.annotationFiles().get(i)).image().orElseThrow();
            SyntheticDataset.Scene scene = SyntheticDataset.render(MANY_ROTATED, i);
            assertEquals(scene.displayed().getWidth(), read.width());
            assertEquals(scene.displayed().getHeight(), read.height());
            assertEquals(scene.annotations().size(), read.annotations().size());
            assertEquals(scene.visibleShares(), s.visibleShares().get(i));
            for (Annotation a : read.annotations()) {
                assertTrue(SyntheticDataset.CLASSES.contains(a.label()), a.label());
                assertTrue(a.box().isInside(read.width(), read.height()), a.box() + " outside " + read.width()
                        + "x" + read.height());
                truncated += a.truncated() ? 1 : 0;
            }
        }
        assertTrue(truncated > 0, "some objects must be cut by the border");
    }

    /** Every image, turned or not, decodes to the displayed frame with each object's own colour inside its box. */
    @Test
    void generate_everyImage_decodesWithObjectsWhereTheirBoxesSay() throws IOException {
        SyntheticDataset.Summary s = SyntheticDataset.generate(dir, MANY_ROTATED);
        int checked = 0;
        int rotatedChecked = 0;
        for (int i = 0; i < s.images().size(); i++) {
            SyntheticDataset.Scene scene = SyntheticDataset.render(MANY_ROTATED, i);
            DecodedImage decoded = Images.read(s.images().get(i));
            assertEquals(scene.orientation(), decoded.header().orientation());
            assertEquals(scene.displayed().getWidth(), decoded.width());
            assertEquals(scene.displayed().getHeight(), decoded.height());
            for (int k = 0; k < scene.annotations().size(); k++) {
                Optional<SyntheticDataset.Probe> probe = scene.probes().get(k);
                if (probe.isEmpty()) {
                    continue;
                }
                SyntheticDataset.Probe p = probe.get();
                BoundingBox box = scene.annotations().get(k).box();
                assertTrue(box.xmin() <= p.x() && p.x() < box.xmax() && box.ymin() <= p.y() && p.y() < box.ymax(),
                        "probe outside its box");
                int got = decoded.image().getRGB(p.x(), p.y()) & 0xFFFFFF;
                assertTrue(near(p.rgb(), got, 48), "image " + i + " object " + k + " ("
                        + scene.annotations().get(k).label() + ", " + scene.orientation() + "): expected #"
                        + Integer.toHexString(p.rgb()) + " at (" + p.x() + ", " + p.y() + "), found #"
                        + Integer.toHexString(got));
                checked++;
                rotatedChecked += scene.orientation() == ExifOrientation.NORMAL ? 0 : 1;
            }
        }
        assertTrue(checked > 60 && rotatedChecked > 15, checked + " probes, " + rotatedChecked + " rotated");
    }

    /** Objects mostly hidden behind later ones are left out, as the VOC guidelines say; partly hidden ones stay. */
    @Test
    void render_annotatesOnlyObjectsVisibleEnough() {
        int partlyHidden = 0;
        for (int i = 0; i < MANY_ROTATED.images(); i++) {
            SyntheticDataset.Scene scene = SyntheticDataset.render(MANY_ROTATED, i);
            assertEquals(scene.annotations().size(), scene.visibleShares().size());
            for (double share : scene.visibleShares()) {
                assertTrue(share >= SyntheticDataset.MIN_VISIBLE_SHARE && share <= 1, "image " + i + ": " + share);
                partlyHidden += share < 0.9 ? 1 : 0;
            }
        }
        assertTrue(partlyHidden >= 5, partlyHidden + " partly hidden objects");
    }

    /**
     * The photographic style: the same seed gives the same scene, another style another; boxes lie inside the image,
     * each holds a pixel of its own object, objects range from small to filling most of the frame, some are cut by
     * the border and some partly hidden.
     */
    @Test
    void render_photographic_isAnotherDomain_withBoxesAroundTheirObjects() {
        SyntheticDataset.Options photo = SyntheticDataset.Options.defaults(30, 8).withSides(160, 400).withExifShare(0)
                .withStyle(SyntheticDataset.Style.PHOTOGRAPHIC);
        SyntheticDataset.Scene first = SyntheticDataset.render(photo, 0);
        SyntheticDataset.Scene again = SyntheticDataset.render(photo, 0);
        assertArrayEquals(pixels(first), pixels(again));
        assertEquals(first.annotations(), again.annotations());
        SyntheticDataset.Scene drawn = SyntheticDataset.render(SyntheticDataset.Options.defaults(30, 8)
                .withSides(160, 400).withExifShare(0), 0);
        assertFalse(java.util.Arrays.equals(pixels(first), pixels(drawn)));

        int small = 0;
        int large = 0;
        int truncated = 0;
        int hidden = 0;
        int probes = 0;
        for (int i = 0; i < photo.images(); i++) {
            SyntheticDataset.Scene scene = SyntheticDataset.render(photo, i);
            int w = scene.displayed().getWidth();
            for (int k = 0; k < scene.annotations().size(); k++) {
                Annotation a = scene.annotations().get(k);
                assertTrue(a.box().isInside(w, scene.displayed().getHeight()), "image " + i + ": " + a.box());
                double share = a.box().width() / w;
                small += share < 0.1 ? 1 : 0;
                large += share > 0.5 ? 1 : 0;
                truncated += a.truncated() ? 1 : 0;
                hidden += scene.visibleShares().get(k) < 0.9 ? 1 : 0;
                if (scene.probes().get(k).isPresent()) {
                    SyntheticDataset.Probe p = scene.probes().get(k).get();
                    assertTrue(a.box().xmin() <= p.x() && p.x() < a.box().xmax() && a.box().ymin() <= p.y()
                            && p.y() < a.box().ymax(), "image " + i + ": probe outside its box");
                    assertEquals(p.rgb(), scene.displayed().getRGB(p.x(), p.y()) & 0xFFFFFF);
                    probes++;
                }
            }
        }
        assertTrue(small >= 5 && large >= 5 && truncated >= 5 && hidden >= 5 && probes >= 40,
                small + " small, " + large + " large, " + truncated + " truncated, " + hidden + " partly hidden, "
                        + probes + " probes");
    }

    @Test
    void options_outOfRange_nameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticDataset.Options.defaults(1, 1).withSides(320, 200).withExifShare(0));
        assertEquals("sides must satisfy 64 <= minSide (320) <= maxSide (200)", e.getMessage());
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> SyntheticDataset.Options.defaults(1, 1).withObjectWidths(0.5, 0.2));
        assertEquals("object widths must satisfy 0 < minObject (0.5) <= maxObject (0.2) <= 1", widths.getMessage());
    }

    private static byte[] pixels(SyntheticDataset.Scene scene) {
        return ((java.awt.image.DataBufferByte) scene.displayed().getRaster().getDataBuffer()).getData();
    }

    private static boolean near(int a, int b, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) > tolerance) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
