package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class VocReaderTest {

    /** A document as LabelImg 1.8.6 saves it after a person drew two boxes and pressed Space. */
    static final String LABELIMG = "<annotation verified=\"yes\">\n"
            + "\t<folder>images</folder>\n"
            + "\t<filename>0001.jpg</filename>\n"
            + "\t<path>/home/ann/data/images/0001.jpg</path>\n"
            + "\t<source>\n"
            + "\t\t<database>Unknown</database>\n"
            + "\t</source>\n"
            + "\t<size>\n"
            + "\t\t<width>1024</width>\n"
            + "\t\t<height>768</height>\n"
            + "\t\t<depth>3</depth>\n"
            + "\t</size>\n"
            + "\t<segmented>0</segmented>\n"
            + "\t<object>\n"
            + "\t\t<name>race car</name>\n"
            + "\t\t<pose>Unspecified</pose>\n"
            + "\t\t<truncated>1</truncated>\n"
            + "\t\t<difficult>0</difficult>\n"
            + "\t\t<bndbox>\n"
            + "\t\t\t<xmin>1</xmin>\n"
            + "\t\t\t<ymin>300</ymin>\n"
            + "\t\t\t<xmax>410</xmax>\n"
            + "\t\t\t<ymax>520</ymax>\n"
            + "\t\t</bndbox>\n"
            + "\t</object>\n"
            + "\t<object>\n"
            + "\t\t<name>tree</name>\n"
            + "\t\t<pose>Unspecified</pose>\n"
            + "\t\t<truncated>0</truncated>\n"
            + "\t\t<difficult>1</difficult>\n"
            + "\t\t<bndbox>\n"
            + "\t\t\t<xmin>700</xmin>\n"
            + "\t\t\t<ymin>20</ymin>\n"
            + "\t\t\t<xmax>900</xmax>\n"
            + "\t\t\t<ymax>400</ymax>\n"
            + "\t\t</bndbox>\n"
            + "\t</object>\n"
            + "</annotation>\n";

    @TempDir
    Path dir;

    private ReadResult parse(String xml) throws IOException {
        return Voc.parse(xml.getBytes(StandardCharsets.UTF_8), dir.resolve("a.xml"));
    }

    @Test
    void parse_labelImgDocument_givesEveryValue() throws IOException {
        ReadResult r = parse(LABELIMG);

        assertEquals(List.of(), r.problems());
        assertEquals(new AnnotatedImage("0001.jpg", Optional.of("/home/ann/data/images/0001.jpg"), 1024, 768, 3,
                List.of(new Annotation("race car", BoundingBox.of(1, 300, 410, 520), OptionalDouble.empty(), false,
                                true, "Unspecified", Map.of()),
                        new Annotation("tree", BoundingBox.of(700, 20, 900, 400), OptionalDouble.empty(), true,
                                false, "Unspecified", Map.of())),
                true, Map.of(Voc.FOLDER_KEY, "images")), r.image().orElseThrow());
    }

    @Test
    void parseThenWrite_labelImgDocument_isByteIdentical() throws IOException {
        assertArrayEquals(LABELIMG.getBytes(StandardCharsets.UTF_8), Voc.toBytes(parse(LABELIMG).image().orElseThrow()));
    }

    @Test
    void parse_crlfBomAndFloatCoordinates_areRead() throws IOException {
        String xml = "\uFEFF" + LABELIMG.replace("\n", "\r\n").replace("<xmin>700</xmin>", "<xmin> 700.75 </xmin>");
        ReadResult r = parse(xml);
        assertEquals(List.of(), r.problems());
        assertEquals(BoundingBox.of(700.75, 20, 900, 400), r.image().orElseThrow().annotations().get(1).box());
    }

    @Test
    void parse_missingOptionalElements_takesDefaultsSilently() throws IOException {
        ReadResult r = parse("<annotation><filename>x.png</filename><size><width>50</width><height>40</height>"
                + "</size><object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>"
                + "</bndbox></object></annotation>");
        assertEquals(List.of(), r.problems());
        AnnotatedImage img = r.image().orElseThrow();
        assertEquals(AnnotatedImage.of("x.png", 50, 40, 3, List.of(Annotation.of("cat", BoundingBox.of(1, 2, 3, 4)))),
                img);
    }

    /** A VOC2012 devkit layout: owner, richer source, occluded, parts, actions, point, plus foreign elements. */
    static final String DEVKIT = "<annotation>\n"
            + "\t<folder>VOC2012</folder>\n"
            + "\t<filename>2008_000008.jpg</filename>\n"
            + "\t<source>\n"
            + "\t\t<database>The VOC2008 Database</database>\n"
            + "\t\t<annotation>PASCAL VOC2008</annotation>\n"
            + "\t\t<image>flickr</image>\n"
            + "\t</source>\n"
            + "\t<owner><flickrid>someone</flickrid><name>Some One</name></owner>\n"
            + "\t<size>\n"
            + "\t\t<width>500</width>\n"
            + "\t\t<height>442</height>\n"
            + "\t\t<depth>3</depth>\n"
            + "\t\t<dpi>72</dpi>\n"
            + "\t</size>\n"
            + "\t<segmented>1</segmented>\n"
            + "\t<object>\n"
            + "\t\t<name>person</name>\n"
            + "\t\t<pose>Frontal</pose>\n"
            + "\t\t<truncated>1</truncated>\n"
            + "\t\t<occluded>0</occluded>\n"
            + "\t\t<bndbox>\n"
            + "\t\t\t<xmin>158</xmin>\n"
            + "\t\t\t<ymin>44</ymin>\n"
            + "\t\t\t<xmax>289</xmax>\n"
            + "\t\t\t<ymax>167</ymax>\n"
            + "\t\t\t<rotation>0</rotation>\n"
            + "\t\t</bndbox>\n"
            + "\t\t<difficult>0</difficult>\n"
            + "\t\t<part>\n"
            + "\t\t\t<name>head</name>\n"
            + "\t\t\t<bndbox><xmin>169</xmin><ymin>104</ymin><xmax>209</xmax><ymax>146</ymax></bndbox>\n"
            + "\t\t</part>\n"
            + "\t\t<actions><jumping>1</jumping><other>0</other></actions>\n"
            + "\t\t<point><x>200</x><y>120</y></point>\n"
            + "\t</object>\n"
            + "</annotation>\n";

    @Test
    void parseThenWrite_devkitDocument_losesNothing() throws IOException {
        ReadResult first = parse(DEVKIT);
        assertEquals(List.of(), first.problems());
        byte[] rewritten = Voc.toBytes(first.image().orElseThrow());

        assertEquals("<annotation>\n"
                + "\t<folder>VOC2012</folder>\n"
                + "\t<filename>2008_000008.jpg</filename>\n"
                + "\t<source>\n"
                + "\t\t<database>The VOC2008 Database</database>\n"
                + "\t\t<annotation>PASCAL VOC2008</annotation>\n"
                + "\t\t<image>flickr</image>\n"
                + "\t</source>\n"
                + "\t<size>\n"
                + "\t\t<width>500</width>\n"
                + "\t\t<height>442</height>\n"
                + "\t\t<depth>3</depth>\n"
                + "\t\t<dpi>72</dpi>\n"
                + "\t</size>\n"
                + "\t<segmented>1</segmented>\n"
                + "\t<object>\n"
                + "\t\t<name>person</name>\n"
                + "\t\t<pose>Frontal</pose>\n"
                + "\t\t<truncated>1</truncated>\n"
                + "\t\t<difficult>0</difficult>\n"
                + "\t\t<bndbox>\n"
                + "\t\t\t<xmin>158</xmin>\n"
                + "\t\t\t<ymin>44</ymin>\n"
                + "\t\t\t<xmax>289</xmax>\n"
                + "\t\t\t<ymax>167</ymax>\n"
                + "\t\t\t<rotation>0</rotation>\n"
                + "\t\t</bndbox>\n"
                + "\t\t<occluded>0</occluded>\n"
                + "\t\t<part>\n"
                + "\t\t\t<name>head</name>\n"
                + "\t\t\t<bndbox>\n"
                + "\t\t\t\t<xmin>169</xmin>\n"
                + "\t\t\t\t<ymin>104</ymin>\n"
                + "\t\t\t\t<xmax>209</xmax>\n"
                + "\t\t\t\t<ymax>146</ymax>\n"
                + "\t\t\t</bndbox>\n"
                + "\t\t</part>\n"
                + "\t\t<actions>\n"
                + "\t\t\t<jumping>1</jumping>\n"
                + "\t\t\t<other>0</other>\n"
                + "\t\t</actions>\n"
                + "\t\t<point>\n"
                + "\t\t\t<x>200</x>\n"
                + "\t\t\t<y>120</y>\n"
                + "\t\t</point>\n"
                + "\t</object>\n"
                + "\t<owner>\n"
                + "\t\t<flickrid>someone</flickrid>\n"
                + "\t\t<name>Some One</name>\n"
                + "\t</owner>\n"
                + "</annotation>\n", new String(rewritten, StandardCharsets.UTF_8));
        ReadResult second = Voc.parse(rewritten, dir.resolve("a.xml"));
        assertEquals(first.image(), second.image());
    }

    @Test
    void parse_missingSize_takesItFromTheImageBesideTheFile() throws IOException {
        ImageIO.write(new BufferedImage(33, 22, BufferedImage.TYPE_3BYTE_BGR), "png", dir.resolve("p.png").toFile());
        ReadResult r = parse("<annotation><filename>p.png</filename></annotation>");
        assertEquals(33, r.image().orElseThrow().width());
        assertEquals(List.of(dir.resolve("a.xml") + ": missing <size>; took 33x22 from the image p.png"),
                r.problems().stream().map(Object::toString).toList());
    }

    @Test
    void parse_documentAboveTheSizeCap_isRefusedUnread() {
        byte[] huge = new byte[(int) Voc.MAX_DOCUMENT_BYTES + 1];
        dev.annotate.core.FormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.annotate.core.FormatException.class, () -> Voc.parse(huge, dir.resolve("big.xml")));
        assertEquals(dir.resolve("big.xml") + ": document is 16777217 bytes, more than the limit of 16777216 for"
                + " one VOC file", e.getMessage());
    }

    /** Readers are pooled between calls: concurrent parses, some failing, must never see another's state. */
    @Test
    void parse_concurrentlyWithFailures_eachResultIsItsOwn() throws Exception {
        byte[] labelImg = LABELIMG.getBytes(StandardCharsets.UTF_8);
        byte[] devkit = DEVKIT.getBytes(StandardCharsets.UTF_8);
        byte[] broken = "<annotation><filename>x".getBytes(StandardCharsets.UTF_8);
        AnnotatedImage first = Voc.parse(labelImg, dir.resolve("a.xml")).image().orElseThrow();
        AnnotatedImage second = Voc.parse(devkit, dir.resolve("a.xml")).image().orElseThrow();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        switch ((i + offset) % 3) {
                            case 0 -> assertEquals(first, Voc.parse(labelImg, dir.resolve("a.xml")).image().orElseThrow());
                            case 1 -> assertEquals(second, Voc.parse(devkit, dir.resolve("a.xml")).image().orElseThrow());
                            default -> org.junit.jupiter.api.Assertions.assertThrows(
                                    dev.annotate.core.FormatException.class,
                                    () -> Voc.parse(broken, dir.resolve("a.xml")));
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                f.get(2, java.util.concurrent.TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void vocFormat_isInstalled_andTurnsUnusableFilesIntoProblems() throws IOException {
        PerImageFormat voc = (PerImageFormat) AnnotationFormats.byName("voc");
        Path bad = Files.writeString(dir.resolve("bad.xml"), "<html/>");
        ReadResult r = voc.readFile(bad, LabelMap.empty());
        assertTrue(r.image().isEmpty());
        assertEquals(bad + ": not a VOC annotation: the root element is <html>, expected <annotation>",
                r.problems().get(0).toString());
    }
}
