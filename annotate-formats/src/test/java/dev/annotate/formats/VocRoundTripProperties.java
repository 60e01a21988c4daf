package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.TestFiles;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.ReadResult;
import dev.annotate.voc.VocFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * LabelImg's VOC files through the review tools' formats and back: VOC → CVAT → VOC and
 * VOC → Label Studio → VOC keep every box within 0.01 px, the labels, the scores and the machine's mark; CVAT also the {@code difficult} and
 * {@code truncated} flags and the pose, which Label Studio's rectangles have no place for.
 */
final class VocRoundTripProperties {

    /**
     * Images VOC holds exactly: whole-pixel corners off the border (LabelImg marks a box touching it truncated), a
     * machine's with four-decimal scores and its model; flags and poses only when {@code withFlags}; at least
     * {@code minBoxes} boxes (a Label Studio task without regions does not say its image's size: the reader
     * opens the image, which these tests do not make).
     */
    private static Arbitrary<List<AnnotatedImage>> vocImages(boolean withFlags, int minBoxes) {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('!', '~').withChars(' ', 'é', '車', '<', '&')
                .ofMinLength(1).ofMaxLength(10).filter(s -> !s.isBlank() && s.strip().equals(s));
        Arbitrary<Integer> side = Arbitraries.integers().between(4, 5000);
        Arbitrary<AnnotatedImage> image = Combinators.combine(side, side, Arbitraries.of(true, false))
                .flatAs((w, h, machine) -> Combinators.combine(label, Arbitraries.integers().between(2, w - 2),
                                Arbitraries.integers().between(2, h - 2), Arbitraries.integers().between(0, w),
                                Arbitraries.integers().between(0, h), Arbitraries.doubles().between(0, 1)
                                        .map(d -> Math.round(d * 1e4) / 1e4),
                                Arbitraries.of(true, false), Arbitraries.of("Unspecified", "Left", "Frontal"))
                        .as((l, x, y, bw, bh, score, flag, pose) -> {
                            BoundingBox b = BoundingBox.of(x, y, Math.min(w - 1, x + bw), Math.min(h - 1, y + bh));
                            Annotation a = machine ? Annotation.predicted(l, b, score) : Annotation.of(l, b);
                            return withFlags ? a.withFlags(flag, !flag).withPose(pose) : a;
                        })
                        .list().ofMinSize(minBoxes).ofMaxSize(6).map(boxes -> new AnnotatedImage("x.jpg",
                                Optional.empty(), w, h, 3, boxes, false, Map.of(),
                                machine ? Optional.of("round-" + w + "/model.onnx") : Optional.empty())));
        return image.list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<List<AnnotatedImage>> withFlags() {
        return vocImages(true, 0);
    }

    @Provide
    Arbitrary<List<AnnotatedImage>> withoutFlags() {
        return vocImages(false, 1);
    }

    @Property(tries = 60)
    void vocToCvatToVoc(@ForAll("withFlags") List<AnnotatedImage> images) throws IOException {
        throughAndBack(new CvatFormat(), images);
    }

    @Property(tries = 60)
    void vocToLabelStudioToVoc(@ForAll("withoutFlags") List<AnnotatedImage> images) throws IOException {
        throughAndBack(new LabelStudioFormat(), images);
    }

    /** Writes each image as a VOC file, reads it, through {@code format} and back to VOC, compares. */
    private static void throughAndBack(AnnotationFormat format, List<AnnotatedImage> images) throws IOException {
        Path root = Files.createTempDirectory("voc-round-trip");
        try {
            VocFormat voc = new VocFormat();
            List<AnnotatedImage> fromVoc = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                Path xml = root.resolve("voc/" + i + ".xml");
                Files.createDirectories(xml.getParent());
                voc.writeFile(images.get(i).withPath(i + ".jpg"), xml, LabelMap.empty());
                fromVoc.add(voc.readFile(xml, LabelMap.empty()).image().orElseThrow());
            }
            try (DatasetWriter w = format.openWriter(root.resolve("tool"), LabelMap.empty())) {
                for (int i = 0; i < fromVoc.size(); i++) {
                    w.write("img/" + i + ".jpg", fromVoc.get(i));
                }
            }
            List<ReadResult> back = new ArrayList<>();
            format.read(root.resolve("tool"), LabelMap.empty(), back::add);
            assertEquals(images.size(), back.size());
            for (int i = 0; i < images.size(); i++) {
                assertEquals(List.of(), back.get(i).problems());
                Path again = root.resolve("again/" + i + ".xml");
                Files.createDirectories(again.getParent());
                voc.writeFile(back.get(i).image().orElseThrow(), again, LabelMap.empty());
                AnnotatedImage out = voc.readFile(again, LabelMap.empty()).image().orElseThrow();
                AnnotatedImage in = images.get(i);
                assertEquals(in.width(), out.width());
                assertEquals(in.height(), out.height());
                assertEquals(in.predictedBy(), out.predictedBy());
                assertEquals(in.annotations().size(), out.annotations().size());
                for (int k = 0; k < in.annotations().size(); k++) {
                    Annotation a = in.annotations().get(k);
                    Annotation b = out.annotations().get(k);
                    assertEquals(a.label(), b.label());
                    assertEquals(a.difficult(), b.difficult());
                    assertEquals(a.truncated(), b.truncated());
                    assertEquals(a.pose(), b.pose());
                    assertEquals(a.confidence().isPresent(), b.confidence().isPresent());
                    assertEquals(a.confidenceOr(0), b.confidenceOr(0), 1e-9);
                    assertEquals(a.box().xmin(), b.box().xmin(), 0.01);
                    assertEquals(a.box().ymin(), b.box().ymin(), 0.01);
                    assertEquals(a.box().xmax(), b.box().xmax(), 0.01);
                    assertEquals(a.box().ymax(), b.box().ymax(), 0.01);
                }
            }
        } finally {
            TestFiles.deleteTree(root);
        }
    }
}
