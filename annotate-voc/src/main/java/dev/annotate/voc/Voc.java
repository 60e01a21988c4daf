package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import jakarta.xml.bind.JAXBContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * PASCAL VOC XML as LabelImg 1.8.6 writes and reads it, with a reader that loses nothing and says what was wrong.
 *
 * <h2>Writing</h2>
 * {@link #toBytes(AnnotatedImage)} produces the bytes LabelImg writes: its element order, one tab per level, UTF-8,
 * no XML declaration, a trailing newline; {@code folder} is the name of the directory in {@code path};
 * {@code database} {@code Unknown}; {@code segmented} 0; coordinates from
 * {@link BoundingBox#toVocIntegers(int, int)} (truncated, at least 1, clamped to the image); {@code truncated} 1
 * when the annotation says so or the box touches the border (LabelImg's rule: {@code xmin} or {@code ymin} is 1,
 * {@code xmax} is the width or {@code ymax} the height), the rule every writer follows
 * ({@link Annotation#fittedTo(int, int)}). {@code verified="yes"} only when the image is verified,
 * which only a person's file can be. Values read from another tool ({@code folder}, {@code database},
 * {@code segmented}, unknown elements) are written back. One deliberate difference: LabelImg turns every two
 * consecutive spaces inside text into a tab (a side effect of its pretty printer); we keep text as it is.
 *
 * <h2>Reading</h2>
 * {@link #parse(byte[], Path)} accepts float coordinates, missing optional elements, the VOC devkit's
 * {@code occluded}, {@code part}, {@code actions} and {@code point}, unknown elements (kept in
 * {@code extras} under {@value #XML_KEY} and written back), CRLF, a UTF-8 byte order mark and any Unicode. Each
 * problem becomes a {@link Problem} with the line number; a broken object is reported and skipped, never the
 * others. A document with a DOCTYPE (the way to XXE and "billion laughs" attacks) is refused before anything
 * is read, as is one larger than {@link #MAX_DOCUMENT_BYTES}.
 *
 * <h2>Machine marks</h2>
 * A {@linkplain AnnotatedImage#predictedBy() predicted} image is written with its {@link MachineMark} as
 * {@code <source><annotation>} (after {@code <database>}; the VOC devkit names the annotating party there) and
 * each detection's confidence as {@code <score>} right after its {@code <bndbox>}. LabelImg reads neither and
 * writes neither when a person saves the file, so a saved file is a person's. Reading gives back the model and the
 * scores only while the mark matches the boxes; a file changed by hand keeps them as unknown elements and counts as
 * a person's ({@link AnnotatedImage#checked()}).
 *
 * <pre>{@code
 * ReadResult read = Voc.read(Path.of("images/a.xml"));
 * read.problems().forEach(System.err::println);
 * AnnotatedImage image = read.image().orElseThrow();
 * Voc.write(image.withAnnotations(corrected), Path.of("images/a.xml"));   // atomic
 * }</pre>
 *
 * <p>Thread-safe: every call uses its own parser and marshaller over one shared {@link JAXBContext}.
 */
public final class Voc {

    /** Documents larger than this are refused: 16 MiB, some 50,000 objects. */
    public static final long MAX_DOCUMENT_BYTES = 16L << 20;

    /** {@code extras} key holding elements this codec does not model, as XML text, in document order. */
    public static final String XML_KEY = "voc:xml";
    /** Image {@code extras} key for a {@code <folder>} read from a file. */
    public static final String FOLDER_KEY = "voc:folder";
    /** Image {@code extras} key for a {@code <database>} other than {@code Unknown}. */
    public static final String DATABASE_KEY = "voc:database";
    /** Image {@code extras} key for {@code <source>} children other than {@code database}, as XML text. */
    public static final String SOURCE_XML_KEY = "voc:source";
    /** Image {@code extras} key for unmodelled {@code <size>} children, as XML text. */
    public static final String SIZE_XML_KEY = "voc:size";
    /** Annotation {@code extras} key for unmodelled {@code <bndbox>} children, as XML text. */
    public static final String BNDBOX_XML_KEY = "voc:bndbox";
    /** Image {@code extras} key for a {@code <segmented>} other than 0. */
    public static final String SEGMENTED_KEY = "voc:segmented";

    private Voc() {
    }

    /** Makes the JAXB binding now (a tenth of a second) if it is not made yet; see {@code AnnotationFormat#prepare}. */
    public static void prepare() {
        Objects.requireNonNull(VocBinding.CONTEXT, "the VOC binding");
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads a VOC file.
     *
     * @throws FormatException if the file is not a usable VOC document at all (not XML, a DOCTYPE, too large,
     *     another root element), naming the file and line
     * @throws IOException if the file cannot be read
     */
    public static ReadResult read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_DOCUMENT_BYTES) {
            throw tooLarge(file, size);
        }
        return parse(Files.readAllBytes(file), file);
    }

    /**
     * Parses a VOC document.
     *
     * @param xml the document's bytes
     * @param source the file it came from: named in problems, and the image beside it is consulted when the
     *     document lacks a usable {@code <size>}
     * @return the image with every problem found, or no image (with the reason) when the size is unknowable
     * @throws FormatException if the bytes are not a usable VOC document at all
     */
    public static ReadResult parse(byte[] xml, Path source) throws FormatException {
        Objects.requireNonNull(source, "source");
        if (xml.length > MAX_DOCUMENT_BYTES) {
            throw tooLarge(source, xml.length);
        }
        return VocReader.read(xml, source);
    }

    private static FormatException tooLarge(Path file, long size) {
        return new FormatException(file, null, "document is " + size + " bytes, more than the limit of "
                + MAX_DOCUMENT_BYTES + " for one VOC file");
    }

    // ------------------------------------------------------------------ writing

    /** Writes an image's annotations to a VOC file atomically (temporary sibling, then rename). */
    public static void write(AnnotatedImage image, Path file) throws IOException {
        byte[] bytes = toBytes(image);
        AtomicFiles.write(file, bytes);
    }

    /**
     * The VOC document LabelImg would write for this image, byte for byte (see the class comment).
     *
     * @throws IllegalArgumentException if kept XML in {@code extras} is not well-formed, naming the key
     */
    public static byte[] toBytes(AnnotatedImage image) {
        return VocWriter.toBytes(image);
    }

}
