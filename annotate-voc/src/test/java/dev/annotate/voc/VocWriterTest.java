package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The writer's bytes against documents written out by hand in LabelImg 1.8.6's exact format. */
final class VocWriterTest {

    @TempDir
    Path dir;

    private static AnnotatedImage image(String path, int w, int h, int depth, Annotation... annotations) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return AnnotatedImage.of(name, w, h, depth, List.of(annotations)).withPath(path);
    }

    private static void assertBytes(String expected, AnnotatedImage image) {
        assertEquals(expected, new String(Voc.toBytes(image), StandardCharsets.UTF_8));
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), Voc.toBytes(image));
    }

    @Test
    void toBytes_oneObject_isLabelImgsDocument() {
        assertBytes("<annotation>\n"
                + "\t<folder>images</folder>\n"
                + "\t<filename>a.jpg</filename>\n"
                + "\t<path>/data/images/a.jpg</path>\n"
                + "\t<source>\n"
                + "\t\t<database>Unknown</database>\n"
                + "\t</source>\n"
                + "\t<size>\n"
                + "\t\t<width>640</width>\n"
                + "\t\t<height>480</height>\n"
                + "\t\t<depth>3</depth>\n"
                + "\t</size>\n"
                + "\t<segmented>0</segmented>\n"
                + "\t<object>\n"
                + "\t\t<name>car</name>\n"
                + "\t\t<pose>Unspecified</pose>\n"
                + "\t\t<truncated>0</truncated>\n"
                + "\t\t<difficult>0</difficult>\n"
                + "\t\t<bndbox>\n"
                + "\t\t\t<xmin>12</xmin>\n"
                + "\t\t\t<ymin>40</ymin>\n"
                + "\t\t\t<xmax>200</xmax>\n"
                + "\t\t\t<ymax>150</ymax>\n"
                + "\t\t</bndbox>\n"
                + "\t</object>\n"
                + "</annotation>\n",
                image("/data/images/a.jpg", 640, 480, 3,
                        Annotation.predicted("car", BoundingBox.of(12.3, 40.7, 200.9, 150.2), 0.9)));
    }

    @Test
    void toBytes_manyObjects_keepsTheirOrder_andDifficult() {
        assertBytes(head("images", "b.png", "/data/images/b.png", 320, 200, 3)
                        + object("tree", 0, 0, 10, 20, 30, 40)
                        + object("house", 0, 1, 100, 50, 300, 190)
                        + object("tree", 0, 0, 50, 60, 70, 80)
                        + "</annotation>\n",
                image("/data/images/b.png", 320, 200, 3,
                        Annotation.of("tree", BoundingBox.of(10, 20, 30, 40)),
                        Annotation.of("house", BoundingBox.of(100, 50, 300, 190)).withFlags(true, false),
                        Annotation.of("tree", BoundingBox.of(50, 60, 70, 80))));
    }

    @Test
    void toBytes_noObjects_endsAfterSegmented() {
        assertBytes(head("in", "c.jpg", "/in/c.jpg", 64, 48, 3) + "</annotation>\n",
                image("/in/c.jpg", 64, 48, 3));
    }

    @Test
    void toBytes_grayscale_writesDepthOne() {
        assertBytes(head("scans", "g.png", "/scans/g.png", 100, 100, 1)
                        + object("crack", 0, 0, 5, 5, 50, 50)
                        + "</annotation>\n",
                image("/scans/g.png", 100, 100, 1, Annotation.of("crack", BoundingBox.of(5, 5, 50, 50))));
    }

    @Test
    void toBytes_nonAsciiLabelAndPath_areUtf8Verbatim() {
        assertBytes(head("Fotos Straße", "Ünïcode 车.jpg", "/home/jürgen/Fotos Straße/Ünïcode 车.jpg", 640, 480, 3)
                        + object("voiture de course 🏎", 0, 0, 10, 10, 20, 20)
                        + "</annotation>\n",
                image("/home/jürgen/Fotos Straße/Ünïcode 车.jpg", 640, 480, 3,
                        Annotation.of("voiture de course 🏎", BoundingBox.of(10, 10, 20, 20))));
    }

    @Test
    void toBytes_boxTouchingEachBorder_isTruncated_andClampedAsLabelImgDoes() {
        assertBytes(head("d", "e.jpg", "/d/e.jpg", 640, 480, 3)
                        + object("left", 1, 0, 1, 100, 50, 200)
                        + object("top", 1, 0, 100, 1, 200, 50)
                        + object("right", 1, 0, 600, 100, 640, 200)
                        + object("bottom", 1, 0, 100, 400, 200, 480)
                        + object("inside", 0, 0, 2, 2, 639, 479)
                        + "</annotation>\n",
                image("/d/e.jpg", 640, 480, 3,
                        Annotation.of("left", BoundingBox.of(0, 100, 50, 200)),
                        Annotation.of("top", BoundingBox.of(100, 0.5, 200, 50)),
                        Annotation.of("right", BoundingBox.of(600, 100, 700, 200)),
                        Annotation.of("bottom", BoundingBox.of(100, 400, 200, 480)),
                        Annotation.of("inside", BoundingBox.of(2, 2, 639.9, 479.99))));
    }

    @Test
    void toBytes_verifiedImage_keepsVerifiedYes_machineOutputNever() {
        AnnotatedImage human = image("/d/v.jpg", 10, 10, 3).withVerified(true);
        assertBytes("<annotation verified=\"yes\">\n"
                + head("d", "v.jpg", "/d/v.jpg", 10, 10, 3).substring("<annotation>\n".length())
                + "</annotation>\n", human);
        assertEquals(false, new String(Voc.toBytes(human.withVerified(false)), StandardCharsets.UTF_8)
                .contains("verified"));
    }

    @Test
    void toBytes_markupCharactersAndCarriageReturn_areEscaped() {
        assertBytes(head("d", "x.jpg", "/d/x.jpg", 10, 10, 3)
                        + object("a&amp;b &lt;c&gt; \"d\" 'e' ]]&gt;", 0, 0, 2, 2, 5, 5)
                        + object("line&#13;break", 0, 0, 2, 2, 5, 5)
                        + "</annotation>\n",
                image("/d/x.jpg", 10, 10, 3,
                        Annotation.of("a&b <c> \"d\" 'e' ]]>", BoundingBox.of(2, 2, 5, 5)),
                        Annotation.of("line\rbreak", BoundingBox.of(2, 2, 5, 5))));
    }

    @Test
    void toBytes_poseWithACharacterXmlCannotHold_isRefusedNamingIt() {
        // labels, file names and paths never get this far (core refuses them); a pose is free text
        Annotation a = new Annotation("car", BoundingBox.of(1, 1, 2, 2), java.util.OptionalDouble.empty(), false,
                false, "bad\u0001", java.util.Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Voc.toBytes(
                image("/d/x.jpg", 10, 10, 3, a)));
        assertEquals("pose of 'car' in x.jpg contains U+0001 at index 3, which an XML 1.0 document cannot hold",
                e.getMessage());
    }

    @Test
    void write_replacesAtomically_andLeavesNoTemporaryFile() throws IOException {
        Path file = Files.writeString(dir.resolve("a.xml"), "person's file");
        AnnotatedImage img = image("/d/a.jpg", 10, 10, 3, Annotation.of("x", BoundingBox.of(2, 2, 5, 5)));
        Voc.write(img, file);
        assertArrayEquals(Voc.toBytes(img), Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    private static String head(String folder, String file, String path, int w, int h, int depth) {
        return "<annotation>\n"
                + "\t<folder>" + folder + "</folder>\n"
                + "\t<filename>" + file + "</filename>\n"
                + "\t<path>" + path + "</path>\n"
                + "\t<source>\n"
                + "\t\t<database>Unknown</database>\n"
                + "\t</source>\n"
                + "\t<size>\n"
                + "\t\t<width>" + w + "</width>\n"
                + "\t\t<height>" + h + "</height>\n"
                + "\t\t<depth>" + depth + "</depth>\n"
                + "\t</size>\n"
                + "\t<segmented>0</segmented>\n";
    }

    private static String object(String name, int truncated, int difficult, int x1, int y1, int x2, int y2) {
        return "\t<object>\n"
                + "\t\t<name>" + name + "</name>\n"
                + "\t\t<pose>Unspecified</pose>\n"
                + "\t\t<truncated>" + truncated + "</truncated>\n"
                + "\t\t<difficult>" + difficult + "</difficult>\n"
                + "\t\t<bndbox>\n"
                + "\t\t\t<xmin>" + x1 + "</xmin>\n"
                + "\t\t\t<ymin>" + y1 + "</ymin>\n"
                + "\t\t\t<xmax>" + x2 + "</xmax>\n"
                + "\t\t\t<ymax>" + y2 + "</ymax>\n"
                + "\t\t</bndbox>\n"
                + "\t</object>\n";
    }

    /** Marshallers are kept per thread: concurrent writes of marked images each get their own document. */
    @Test
    void toBytes_concurrently_givesWhatSequentialCallsGive() throws Exception {
        List<AnnotatedImage> images = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            images.add(image("/data/img" + i + ".jpg", 100 + i, 80, 3,
                    Annotation.predicted("car", BoundingBox.of(1, 2, 10 + i % 50, 20), 0.5 + i / 1000.0))
                    .withPredictedBy(java.util.Optional.of("round-" + i + "/m.onnx")));
        }
        List<byte[]> sequential = images.stream().map(Voc::toBytes).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<byte[]>> futures = new java.util.ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (AnnotatedImage image : images) {
                    futures.add(pool.submit(() -> Voc.toBytes(image)));
                }
            }
            for (int k = 0; k < futures.size(); k++) {
                assertArrayEquals(sequential.get(k % images.size()), futures.get(k).get(2,
                        java.util.concurrent.TimeUnit.MINUTES), "image " + k % images.size());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
