package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.VocBox;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.format.SecureXml;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;
import dev.annotate.voc.internal.XmlAnnotation;
import dev.annotate.voc.internal.XmlBndBox;
import dev.annotate.voc.internal.XmlObject;
import dev.annotate.voc.internal.XmlSize;
import dev.annotate.voc.internal.XmlSource;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;
import jakarta.xml.bind.UnmarshalException;
import jakarta.xml.bind.Unmarshaller;
import jakarta.xml.bind.ValidationEvent;
import jakarta.xml.bind.ValidationEventLocator;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.transform.sax.SAXSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

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

    private static final String UNKNOWN_DATABASE = "Unknown";
    /** The {@code <source>} child holding the machine mark; the VOC devkit names the annotating party there. */
    private static final String MARK_ELEMENT = "annotation";
    /** The {@code <object>} child holding a machine prediction's score. */
    private static final String SCORE_ELEMENT = "score";

    private static final JAXBContext CONTEXT = context();

    private Voc() {
    }

    /** Makes the JAXB binding now (a tenth of a second) if it is not made yet; see {@code AnnotationFormat#prepare}. */
    public static void prepare() {
        Objects.requireNonNull(CONTEXT, "the VOC binding");
    }

    /**
     * One marshaller per thread (a marshaller is not thread-safe): a new one per file would also make a new XSLT
     * identity transformer for every kept or machine element it writes, a few tens of microseconds each.
     */
    private static final ThreadLocal<Marshaller> MARSHALLERS = ThreadLocal.withInitial(() -> {
        try {
            Marshaller m = CONTEXT.createMarshaller();
            m.setProperty(Marshaller.JAXB_FORMATTED_OUTPUT, Boolean.TRUE);
            m.setProperty(Marshaller.JAXB_ENCODING, "UTF-8");
            m.setProperty(Marshaller.JAXB_FRAGMENT, Boolean.TRUE);
            m.setProperty("org.glassfish.jaxb.indentString", "\t");
            return m;
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot make a marshaller of the VOC binding", e);
        }
    });

    private static JAXBContext context() {
        try {
            return JAXBContext.newInstance(XmlAnnotation.class);
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot build the JAXB context of the VOC binding", e);
        }
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
        List<Problem> problems = new ArrayList<>();
        XmlAnnotation doc = unmarshal(xml, source, problems);
        return new Reading(doc, source, problems).result();
    }

    private static FormatException tooLarge(Path file, long size) {
        return new FormatException(file, null, "document is " + size + " bytes, more than the limit of "
                + MAX_DOCUMENT_BYTES + " for one VOC file");
    }

    private static XmlAnnotation unmarshal(byte[] xml, Path source, List<Problem> problems) throws FormatException {
        try {
            Unmarshaller u = CONTEXT.createUnmarshaller();
            u.setEventHandler(event -> {
                if (event.getSeverity() == ValidationEvent.FATAL_ERROR) {
                    return false;
                }
                problems.add(new Problem(source, position(event.getLocator()), describe(event.getMessage())));
                return true;
            });
            org.xml.sax.XMLReader reader = SecureXml.acquireReader();
            Object root = u.unmarshal(new SAXSource(reader, new InputSource(new ByteArrayInputStream(xml))));
            SecureXml.release(reader); // not reached when the parse threw: a failed reader is dropped
            if (!(root instanceof XmlAnnotation doc)) {
                throw new FormatException(source, null, "root element is not <annotation>");
            }
            return doc;
        } catch (UnmarshalException e) {
            throw notVoc(source, e);
        } catch (JAXBException | SAXException e) {
            throw new FormatException(source, null, "cannot parse: " + e, e);
        }
    }

    private static FormatException notVoc(Path source, UnmarshalException e) {
        Throwable cause = e.getLinkedException() != null ? e.getLinkedException() : e.getCause();
        if (cause instanceof SAXParseException spe) {
            String message = clean(spe.getMessage());
            if (message.contains("DOCTYPE")) {
                message = "DOCTYPE declarations are not allowed in VOC files (they enable external entity and"
                        + " entity expansion attacks); nothing was read";
            }
            return new FormatException(source, lineColumn(spe.getLineNumber(), spe.getColumnNumber()), message, e);
        }
        String message = e.getMessage() != null ? e.getMessage() : String.valueOf(cause);
        java.util.regex.Matcher root = UNEXPECTED.matcher(clean(message));
        if (root.matches()) {
            return new FormatException(source, null, "not a VOC annotation: the root element is <" + root.group(1)
                    + ">, expected <annotation>", e);
        }
        return new FormatException(source, null, "not a VOC annotation: " + clean(message), e);
    }

    private static String lineColumn(int line, int column) {
        return line > 0 ? "line " + line + (column > 0 ? ", column " + column : "") : "";
    }

    private static String position(ValidationEventLocator l) {
        return l == null ? "" : lineColumn(l.getLineNumber(), -1);
    }

    private static final java.util.regex.Pattern UNEXPECTED =
            java.util.regex.Pattern.compile("unexpected element \\(uri:\"[^\"]*\", local:\"([^\"]*)\"\\).*",
                    java.util.regex.Pattern.DOTALL);

    /** JAXB's event text in this codec's words; the only event a lenient binding raises is markup inside text. */
    private static String describe(String jaxbMessage) {
        java.util.regex.Matcher m = UNEXPECTED.matcher(clean(jaxbMessage));
        return m.matches() ? "element <" + m.group(1) + "> inside a text value is not VOC; its text is lost"
                : clean(jaxbMessage);
    }

    private static String clean(String message) {
        return message == null ? "" : message.replace('\n', ' ').strip();
    }

    /** One document's conversion to core types, collecting problems; a single-use object. */
    private static final class Reading {
        private final XmlAnnotation doc;
        private final Path source;
        private final List<Problem> problems;

        Reading(XmlAnnotation doc, Path source, List<Problem> problems) {
            this.doc = doc;
            this.source = source;
            this.problems = problems;
        }

        ReadResult result() {
            String fileName = fileName();
            int[] size = size(fileName);
            if (size == null) {
                return new ReadResult(source, Optional.empty(), problems);
            }
            List<Annotation> annotations = new ArrayList<>();
            for (int i = 0; i < doc.objects.size(); i++) {
                annotation(doc.objects.get(i), i + 1, size[0], size[1]).ifPresent(annotations::add);
            }
            boolean verified = "yes".equalsIgnoreCase(strip(doc.verified));
            Optional<String> path = Optional.ofNullable(doc.path).filter(p -> !p.isBlank());
            AnnotatedImage image = new AnnotatedImage(fileName, path, size[0], size[1], size[2], annotations,
                    verified, imageExtras());
            return new ReadResult(source, Optional.of(machineMarked(image)), problems);
        }

        /**
         * The image as the machine wrote it, when the file carries a machine mark that still matches its boxes:
         * the model named, each object's {@code <score>} as its confidence, and neither left among the kept XML.
         * Otherwise the image as read, a person's work (a stale mark and scores stay kept XML, written back).
         */
        private AnnotatedImage machineMarked(AnnotatedImage image) {
            if (doc.source == null || image.annotations().size() != doc.objects.size()) {
                return image; // no mark, or an object so broken that no machine wrote it
            }
            org.w3c.dom.Element mark = child(doc.source.other, MARK_ELEMENT);
            Optional<String> model = mark == null ? Optional.empty()
                    : MachineMark.model(mark.getTextContent(), image);
            if (model.isEmpty()) {
                return image;
            }
            List<Annotation> scored = new ArrayList<>();
            for (int i = 0; i < doc.objects.size(); i++) {
                XmlObject o = doc.objects.get(i);
                Annotation a = image.annotations().get(i);
                org.w3c.dom.Element score = child(o.other, SCORE_ELEMENT);
                OptionalDouble confidence = score == null ? OptionalDouble.empty() : confidence(score, a, i + 1);
                if (confidence.isPresent()) {
                    Map<String, String> extras = new LinkedHashMap<>(a.extras());
                    replace(extras, XML_KEY, without(o.other, score));
                    a = new Annotation(a.label(), a.box(), confidence, a.difficult(), a.truncated(), a.pose(),
                            extras);
                }
                scored.add(a);
            }
            Map<String, String> extras = new LinkedHashMap<>(image.extras());
            replace(extras, SOURCE_XML_KEY, without(doc.source.other, mark));
            return image.withAnnotations(scored).withExtras(extras).withPredictedBy(model);
        }

        private OptionalDouble confidence(org.w3c.dom.Element score, Annotation a, int index) {
            String t = score.getTextContent().strip();
            try {
                double v = Double.parseDouble(t);
                if (v >= 0 && v <= 1) {
                    return OptionalDouble.of(v);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            problem("<object> " + index, "object '" + a.label() + "': <score> '" + abbreviate(t)
                    + "' is not a number from 0 to 1; kept as it is, not read as a confidence");
            return OptionalDouble.empty();
        }

        private static org.w3c.dom.Element child(List<org.w3c.dom.Element> elements, String name) {
            for (org.w3c.dom.Element e : elements) {
                if (name.equals(e.getTagName())) {
                    return e;
                }
            }
            return null;
        }

        private static List<org.w3c.dom.Element> without(List<org.w3c.dom.Element> elements,
                                                         org.w3c.dom.Element dropped) {
            List<org.w3c.dom.Element> rest = new ArrayList<>(elements);
            rest.remove(dropped);
            return rest;
        }

        private static void replace(Map<String, String> extras, String key, List<org.w3c.dom.Element> elements) {
            String fragment = SecureXml.toFragment(elements);
            if (fragment.isEmpty()) {
                extras.remove(key);
            } else {
                extras.put(key, fragment);
            }
        }

        private String fileName() {
            String name = doc.filename;
            if (name != null && !name.isBlank()) {
                return name;
            }
            String path = doc.path;
            if (path != null && !path.isBlank()) {
                String fromPath = lastSegment(path);
                problem("", "missing <filename>; using '" + fromPath + "' from <path>");
                return fromPath;
            }
            String own = source.getFileName().toString();
            String guess = own.endsWith(".xml") ? own.substring(0, own.length() - 4) + ".jpg" : own + ".jpg";
            problem("", "missing <filename> and <path>; assuming '" + guess + "'");
            return guess;
        }

        /** {width, height, depth}, or null when neither the document nor the image beside it gives a size. */
        private int[] size(String fileName) {
            XmlSize s = doc.size;
            String at = s == null ? "" : at(s.location, "<size>");
            Integer w = s == null ? null : dimension(s.width, "width", at);
            Integer h = s == null ? null : dimension(s.height, "height", at);
            int depth = 3;
            if (s != null && s.depth != null) {
                Integer d = dimension(s.depth, "depth", at);
                depth = d == null ? 3 : d;
            }
            if (w != null && h != null) {
                return new int[] {w, h, depth};
            }
            String what = s == null ? "missing <size>" : "unusable <size>";
            Path image;
            try {
                image = source.resolveSibling(lastSegment(fileName));
            } catch (java.nio.file.InvalidPathException e) {
                problem(at, what + " and <filename> '" + abbreviate(fileName) + "' is not a usable file name here;"
                        + " the boxes cannot be placed");
                return null;
            }
            try {
                ImageHeader header = Images.probe(image);
                problem(at, what + "; took " + header.width() + "x"
                        + header.height() + " from the image " + image.getFileName());
                return new int[] {header.width(), header.height(), depth};
            } catch (NoSuchFileException e) {
                problem(at, what + " and no image beside the file to take it from (" + image.getFileName() + ");"
                        + " the boxes cannot be placed");
            } catch (IOException e) {
                problem(at, what + " and the image beside the file"
                        + " cannot be read: " + e.getMessage());
            }
            return null;
        }

        private Integer dimension(String text, String element, String at) {
            String t = strip(text);
            if (t == null || t.isEmpty()) {
                problem(at, "<" + element + "> is missing or empty");
                return null;
            }
            try {
                double v = Double.parseDouble(t);
                if (v >= 1 && v <= Integer.MAX_VALUE && v == Math.rint(v)) {
                    return (int) v;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            problem(at, "<" + element + "> '" + t + "' is not a positive integer");
            return null;
        }

        private Optional<Annotation> annotation(XmlObject o, int index, int width, int height) {
            String at = at(o.location, "<object> " + index);
            String label = o.name; // verbatim, as LabelImg reads it: " car" and "car" are different classes
            if (label == null || label.isBlank()) {
                problem(at, "object has no <name>; skipped");
                return Optional.empty();
            }
            if (o.bndbox == null) {
                problem(at, "object '" + label + "' has no <bndbox>; skipped");
                return Optional.empty();
            }
            String boxAt = at(o.bndbox.location, "<object> " + index + " <bndbox>");
            double[] c = new double[4];
            String[] names = {"xmin", "ymin", "xmax", "ymax"};
            String[] texts = {o.bndbox.xmin, o.bndbox.ymin, o.bndbox.xmax, o.bndbox.ymax};
            for (int k = 0; k < 4; k++) {
                String t = strip(texts[k]);
                if (t == null || t.isEmpty()) {
                    problem(boxAt, "object '" + label + "' has no <" + names[k] + ">; skipped");
                    return Optional.empty();
                }
                try {
                    c[k] = Double.parseDouble(t);
                } catch (NumberFormatException e) {
                    c[k] = Double.NaN;
                }
                if (!Double.isFinite(c[k])) {
                    problem(boxAt, "object '" + label + "': <" + names[k] + "> '" + abbreviate(t)
                            + "' is not a finite number; skipped");
                    return Optional.empty();
                }
            }
            if (c[0] > c[2] || c[1] > c[3]) {
                problem(boxAt, "object '" + label + "': inverted box (xmin " + c[0] + ", ymin " + c[1] + ", xmax "
                        + c[2] + ", ymax " + c[3] + "); skipped");
                return Optional.empty();
            }
            BoundingBox box = BoundingBox.of(c[0], c[1], c[2], c[3]);
            if (!box.isInside(width, height)) {
                problem(boxAt, "object '" + label + "': box " + c[0] + "," + c[1] + "," + c[2] + "," + c[3]
                        + " extends beyond the image (" + width + "x" + height + "); kept, clamped when written");
            }
            boolean difficult = flag(o.difficult, "difficult", label, at);
            boolean truncated = flag(o.truncated, "truncated", label, at);
            String pose = o.pose;
            Map<String, String> extras = new LinkedHashMap<>();
            keep(extras, XML_KEY, o.other);
            keep(extras, BNDBOX_XML_KEY, o.bndbox.other);
            return Optional.of(new Annotation(label, box, OptionalDouble.empty(), difficult, truncated,
                    pose == null || pose.isBlank() ? Annotation.UNSPECIFIED_POSE : pose, extras));
        }

        private boolean flag(String text, String element, String label, String at) {
            String t = strip(text);
            if (t == null || t.isEmpty()) {
                return false;
            }
            switch (t.toLowerCase(Locale.ROOT)) {
                case "0", "false" -> {
                    return false;
                }
                case "1", "true" -> {
                    return true;
                }
                default -> {
                    problem(at, "object '" + label + "': <" + element + "> '" + abbreviate(t)
                            + "' is not 0 or 1; read as 0");
                    return false;
                }
            }
        }

        private Map<String, String> imageExtras() {
            Map<String, String> extras = new LinkedHashMap<>();
            if (doc.folder != null) {
                extras.put(FOLDER_KEY, doc.folder);
            }
            XmlSource src = doc.source;
            if (src != null) {
                String db = strip(src.database);
                if (db != null && !db.equals(UNKNOWN_DATABASE)) {
                    extras.put(DATABASE_KEY, db);
                }
                keep(extras, SOURCE_XML_KEY, src.other);
            }
            if (doc.size != null) {
                keep(extras, SIZE_XML_KEY, doc.size.other);
            }
            String seg = strip(doc.segmented);
            if (seg != null && !seg.equals("0")) {
                extras.put(SEGMENTED_KEY, seg);
            }
            keep(extras, XML_KEY, doc.other);
            return extras;
        }

        private static void keep(Map<String, String> extras, String key, List<org.w3c.dom.Element> elements) {
            String fragment = SecureXml.toFragment(elements);
            if (!fragment.isEmpty()) {
                extras.put(key, fragment);
            }
        }

        private void problem(String position, String message) {
            problems.add(new Problem(source, position, message));
        }

        private static String at(Locator location, String element) {
            return location == null || location.getLineNumber() <= 0
                    ? element : "line " + location.getLineNumber() + ", " + element;
        }
    }

    private static String strip(String s) {
        return s == null ? null : s.strip();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private static String lastSegment(String path) {
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(cut + 1);
    }

    private static String parentName(String path) {
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        if (cut <= 0) {
            return "";
        }
        return lastSegment(path.substring(0, cut));
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
        XmlAnnotation doc = toXml(image);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            MARSHALLERS.get().marshal(doc, out);
            return labelImgFraming(out.toByteArray());
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot marshal VOC document for " + image.fileName(), e);
        }
    }

    /**
     * JAXB's indenting fragment output puts the root element on a new line and may or may not end with one;
     * LabelImg's file starts with {@code <annotation>} and ends with exactly one newline.
     */
    private static byte[] labelImgFraming(byte[] marshalled) {
        int start = 0;
        while (start < marshalled.length && (marshalled[start] == '\n' || marshalled[start] == '\r')) {
            start++;
        }
        int end = marshalled.length;
        while (end > start && (marshalled[end - 1] == '\n' || marshalled[end - 1] == '\r')) {
            end--;
        }
        byte[] framed = java.util.Arrays.copyOfRange(marshalled, start, end + 1);
        framed[framed.length - 1] = '\n';
        return framed;
    }

    /** Refuses text XML 1.0 cannot carry (most control characters, lone surrogates, U+FFFE, U+FFFF). */
    private static String xmlText(String text, String what) {
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean legal = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                    || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!legal) {
                throw new IllegalArgumentException(what + " contains U+" + String.format("%04X", cp)
                        + " at index " + i + ", which an XML 1.0 document cannot hold");
            }
            i += Character.charCount(cp);
        }
        return text;
    }

    private static XmlAnnotation toXml(AnnotatedImage image) {
        XmlAnnotation doc = new XmlAnnotation();
        Map<String, String> extras = image.extras();
        doc.verified = image.verified() ? "yes" : null;
        doc.folder = extras.containsKey(FOLDER_KEY) ? extras.get(FOLDER_KEY)
                : image.path().map(Voc::parentName).orElse("");
        doc.filename = xmlText(image.fileName(), "file name of " + image.fileName());
        doc.path = image.path().map(p -> xmlText(p, "path of " + image.fileName())).orElse(null);
        xmlText(doc.folder, "folder of " + image.fileName());
        doc.source = new XmlSource();
        doc.source.database = extras.getOrDefault(DATABASE_KEY, UNKNOWN_DATABASE);
        doc.source.other = kept(extras, SOURCE_XML_KEY, image.fileName());
        if (image.predictedBy().isPresent()) {
            doc.source.other.add(0, SecureXml.textElement(MARK_ELEMENT,
                    xmlText(MachineMark.of(image), "machine mark of " + image.fileName())));
        }
        doc.size = new XmlSize();
        doc.size.width = Integer.toString(image.width());
        doc.size.height = Integer.toString(image.height());
        doc.size.depth = Integer.toString(image.depth());
        doc.size.other = kept(extras, SIZE_XML_KEY, image.fileName());
        doc.segmented = extras.getOrDefault(SEGMENTED_KEY, "0");
        for (Annotation a : image.annotations()) {
            doc.objects.add(toXml(a, image));
        }
        doc.other = kept(extras, XML_KEY, image.fileName());
        return doc;
    }

    private static XmlObject toXml(Annotation a, AnnotatedImage image) {
        VocBox v = a.box().toVocIntegers(image.width(), image.height());
        XmlObject o = new XmlObject();
        o.name = xmlText(a.label(), "label '" + a.label() + "' in " + image.fileName());
        o.pose = xmlText(a.pose(), "pose of '" + a.label() + "' in " + image.fileName());
        o.truncated = a.fittedTo(image.width(), image.height()).truncated() ? "1" : "0";
        o.difficult = a.difficult() ? "1" : "0";
        o.bndbox = new XmlBndBox();
        o.bndbox.xmin = Integer.toString(v.xmin());
        o.bndbox.ymin = Integer.toString(v.ymin());
        o.bndbox.xmax = Integer.toString(v.xmax());
        o.bndbox.ymax = Integer.toString(v.ymax());
        o.bndbox.other = kept(a.extras(), BNDBOX_XML_KEY, image.fileName() + " object '" + a.label() + "'");
        o.other = kept(a.extras(), XML_KEY, image.fileName() + " object '" + a.label() + "'");
        if (image.predictedBy().isPresent() && a.confidence().isPresent()) {
            o.other.add(0, SecureXml.textElement(SCORE_ELEMENT, MachineMark.score(a.confidence().getAsDouble())));
        }
        return o;
    }

    private static List<org.w3c.dom.Element> kept(Map<String, String> extras, String key, String owner) {
        String fragment = extras.get(key);
        if (fragment == null) {
            return new ArrayList<>();
        }
        try {
            return new ArrayList<>(SecureXml.fromFragment(fragment));
        } catch (IOException e) {
            throw new IllegalArgumentException("extras '" + key + "' of " + owner + ": " + e.getMessage(), e);
        }
    }
}
