package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.format.SecureXml;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Unmarshaller;
import org.w3c.dom.Element;

import javax.xml.namespace.QName;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.transform.dom.DOMResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

import static dev.annotate.formats.DatasetFiles.clean;

/**
 * Reading a CVAT for images 1.1 file ({@link CvatFormat#read}): streaming with StAX, each {@code <image>} bound with
 * JAXB as it comes and handed over, so a file of any size is read in the memory of one image; a broken file keeps
 * the images before the break, and its message says where it broke.
 */
final class CvatReader {

    private CvatReader() {
    }

    /** Reads {@code file}, which exists, reporting each image and problem as it comes. */
    static void read(Path file, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        int images = 0;
        // decoded here, strictly: the JDK's parser would print a malformed byte sequence to the console itself
        try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)))) {
            in.mark(1);
            if (in.read() != '\uFEFF') { // a byte order mark, as Windows editors write one
                in.reset();
            }
            Guarded xml = new Guarded(CvatFormat.Xml.STAX.createXMLStreamReader(in));
            try {
                Unmarshaller unmarshaller = CvatFormat.Xml.CONTEXT.createUnmarshaller();
                if (!toStart(xml) || !xml.getLocalName().equals("annotations")) {
                    results.accept(ReadResult.failed(new Problem(file, "", "not a CVAT XML file: the root element"
                            + " is not <annotations>")));
                    return;
                }
                xml.next();
                int tracks = 0;
                while (toStart(xml)) {
                    String element = xml.getLocalName();
                    String at = "line " + xml.getLocation().getLineNumber();
                    switch (element) {
                        case "image" -> {
                            xml.expectEnd();
                            CvatXml.Image image = unmarshaller.unmarshal(xml, CvatXml.Image.class).getValue();
                            results.accept(image(file, folder, at, image, labels));
                            images++;
                            xml.rethrow();
                        }
                        case "version" -> {
                            String version = xml.getElementText().strip();
                            xml.next();
                            if (!version.startsWith("1.")) {
                                results.accept(ReadResult.failed(new Problem(file, at, "CVAT XML version '"
                                        + clean(version) + "' is not 1.x; read as 1.1")));
                            }
                        }
                        case "track" -> {
                            tracks++;
                            skip(xml);
                        }
                        default -> skip(xml); // <meta>, and whatever a later version adds
                    }
                }
                if (tracks > 0) {
                    results.accept(ReadResult.failed(new Problem(file, "", tracks + " <track>s (CVAT for video)"
                            + " are not read: export the task as CVAT for images")));
                }
                while (xml.getEventType() != XMLStreamConstants.END_DOCUMENT) {
                    xml.next(); // the rest of the file must be well-formed too: a comment, nothing else
                }
            } finally {
                xml.close();
            }
        } catch (XMLStreamException | JAXBException e) {
            String before = images == 0 ? "" : images == 1 ? "; the image before it was read"
                    : "; the " + images + " images before it were read";
            results.accept(ReadResult.failed(new Problem(file, "", undecodable(e)
                    ? "not UTF-8 text: " + firstUndecodable(file) + before
                    : "not well-formed XML: " + syntaxMessage(e) + before)));
        } catch (java.nio.charset.CharacterCodingException e) {
            results.accept(ReadResult.failed(new Problem(file, "", "not UTF-8 text: " + firstUndecodable(file))));
        }
    }

    /**
     * The reader JAXB unmarshals an {@code <image>} from. After the image's end tag, JAXB moves on one event and
     * ignores it; in a truncated or broken file that move is what fails, and the image, whole, would be lost with
     * it. So an error there is held back until the image is handed over ({@link #rethrow()}). Also refuses
     * elements nested deeper than {@link SecureXml#MAX_DEPTH}, which no CVAT file has and which would exhaust the
     * stack of whatever walks the tree.
     */
    private static final class Guarded extends javax.xml.stream.util.StreamReaderDelegate {
        private int depth;
        private int end = -1;
        private XMLStreamException held;

        Guarded(XMLStreamReader reader) {
            super(reader);
        }

        /** The reader is on an element's start tag: hold back an error right after its end tag. */
        void expectEnd() {
            end = depth - 1;
        }

        void rethrow() throws XMLStreamException {
            end = -1;
            if (held != null) {
                throw held;
            }
        }

        @Override
        public int next() throws XMLStreamException {
            if (held != null) {
                throw held;
            }
            try {
                int event = super.next();
                if (event == XMLStreamConstants.START_ELEMENT && ++depth > SecureXml.MAX_DEPTH) {
                    throw new XMLStreamException("elements are nested deeper than " + SecureXml.MAX_DEPTH,
                            getLocation());
                } else if (event == XMLStreamConstants.END_ELEMENT) {
                    depth--;
                }
                return event;
            } catch (XMLStreamException e) {
                if (getEventType() == XMLStreamConstants.END_ELEMENT && depth == end) {
                    held = e;
                    return XMLStreamConstants.END_ELEMENT;
                }
                throw e;
            }
        }
    }

    /** Moves to the next start element at this level, skipping text; false at the parent's end or the document's. */
    private static boolean toStart(XMLStreamReader xml) throws XMLStreamException {
        while (true) {
            switch (xml.getEventType()) {
                case XMLStreamConstants.START_ELEMENT -> {
                    return true;
                }
                case XMLStreamConstants.END_ELEMENT, XMLStreamConstants.END_DOCUMENT -> {
                    return false;
                }
                case XMLStreamConstants.DTD -> throw new XMLStreamException("a DOCTYPE is not allowed",
                        xml.getLocation());
                default -> xml.next();
            }
        }
    }

    /** Skips the element the reader is on, ending after its end tag. */
    private static void skip(XMLStreamReader xml) throws XMLStreamException {
        int depth = 0;
        do {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        } while (depth >= 0);
        xml.next();
    }

    /** The parser's message for a person: where (line and column), then what, on one line. */
    private static String syntaxMessage(Exception e) {
        Throwable t = e instanceof JAXBException j && j.getLinkedException() != null ? j.getLinkedException() : e;
        if (!(t instanceof XMLStreamException) && t.getCause() instanceof XMLStreamException x) {
            t = x;
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        int what = m.indexOf("Message: ");
        m = (what >= 0 ? m.substring(what + "Message: ".length()) : m).replaceAll("\\s+", " ").strip();
        if (t instanceof XMLStreamException x && x.getLocation() != null && x.getLocation().getLineNumber() > 0) {
            m = "line " + x.getLocation().getLineNumber() + ", column " + x.getLocation().getColumnNumber() + ": " + m;
        }
        return m.length() > 200 ? m.substring(0, 197) + "..." : m;
    }

    private static boolean undecodable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() != t ? t.getCause() : null) {
            if (t instanceof java.nio.charset.CharacterCodingException) {
                return true;
            }
            if (t instanceof XMLStreamException x
                    && x.getNestedException() instanceof java.nio.charset.CharacterCodingException) {
                return true;
            }
            if (t instanceof JAXBException j && j.getLinkedException() != null && undecodable(j.getLinkedException())) {
                return true;
            }
        }
        return false;
    }

    /** Where the first byte sequence that is not UTF-8 starts. */
    private static String firstUndecodable(Path file) {
        try {
            return dev.annotate.core.format.TextFiles.firstUndecodable(file).stream()
                    .mapToObj(at -> "the bytes at offset " + at + " do not decode (CVAT XML is UTF-8)")
                    .findFirst().orElse("a byte sequence does not decode (CVAT XML is UTF-8)");
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static ReadResult image(Path file, Path folder, String line, CvatXml.Image x, LabelMap labels) {
        String name = x.name == null ? "" : x.name.strip();
        String at = line + ", image '" + clean(name) + "'";
        List<Problem> problems = new ArrayList<>();
        try {
            String fileName = name.substring(name.replace('\\', '/').lastIndexOf('/') + 1);
            if (fileName.isEmpty()) {
                throw new IllegalArgumentException("has no name naming its file");
            }
            int width = dimension(x.width, "width");
            int height = dimension(x.height, "height");
            Map<String, String> imageExtras = new LinkedHashMap<>();
            String mark = null;
            for (Map.Entry<QName, String> a : x.more.entrySet()) {
                if (a.getKey().getLocalPart().equals(CvatFormat.MARK_ATTRIBUTE)
                        && a.getKey().getNamespaceURI().isEmpty()) {
                    mark = a.getValue();
                } else {
                    imageExtras.put(CvatFormat.EXTRA_PREFIX + "@" + qualified(a.getKey()), a.getValue());
                }
            }
            List<Element> kept = new ArrayList<>();
            List<Annotation> boxes = new ArrayList<>();
            List<String> sources = new ArrayList<>();
            for (int b = 0; b < x.boxes.size(); b++) {
                CvatXml.Box box = x.boxes.get(b);
                String where = at + ", box " + (b + 1);
                try {
                    boxes.add(box(box, labels, file, where, problems));
                    sources.add(box.source);
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(file, where, e.getMessage() + "; kept as it is, not used as a box"));
                    kept.add(toElement(box));
                }
            }
            kept.addAll(x.other);
            if (!kept.isEmpty()) {
                imageExtras.put(CvatFormat.ELEMENTS, fragment(kept));
            }
            String subset = x.more.get(new QName("subset"));
            AnnotatedImage asRead = new AnnotatedImage(fileName, Optional.of(path(folder, name, subset)), width,
                    height, 3,
                    boxes, false, imageExtras);
            Optional<String> model = mark == null ? Optional.empty() : MachineMark.model(mark, asRead);
            if (mark != null && model.isEmpty()) {
                // changed by a person: theirs, kept
                imageExtras.put(CvatFormat.EXTRA_PREFIX + "@" + CvatFormat.MARK_ATTRIBUTE, mark);
            }
            String written = model.isPresent() ? "auto" : "manual";
            List<Annotation> withSources = new ArrayList<>();
            for (int b = 0; b < boxes.size(); b++) {
                Annotation a = boxes.get(b);
                String source = sources.get(b);
                if (source != null && !source.equals(written)) {
                    Map<String, String> extras = new LinkedHashMap<>(a.extras());
                    extras.put(CvatFormat.EXTRA_PREFIX + "@source", source);
                    a = a.withExtras(extras);
                }
                withSources.add(a);
            }
            return new ReadResult(file, Optional.of(new AnnotatedImage(fileName, asRead.path(), width, height, 3,
                    withSources, false, imageExtras, model)), problems);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(file, at, e.getMessage() + "; the image is left out"));
            return new ReadResult(file, Optional.empty(), problems);
        }
    }

    /**
     * Where the image is. An image of a project export's {@code subset} ({@code Train}, {@code Validation}, ...) is
     * looked for in {@code images/<subset>/} first, where CVAT puts it; then beside the file, then in
     * {@code images/} beside it (a task export's layout); the first that exists. When none does, an image with a
     * subset and a plain name is taken to be in {@code images/<subset>/}, so the same name in two subsets stays two
     * images; any other beside the file.
     */
    private static String path(Path folder, String name, String subset) {
        try {
            Path beside = folder.resolve(name).normalize();
            Path exported = folder.resolve("images").resolve(name).normalize();
            Path inSubset = null;
            if (subset != null && !subset.isBlank()) {
                try {
                    inSubset = folder.resolve("images").resolve(subset.strip()).resolve(name).normalize();
                    if (!inSubset.startsWith(folder.resolve("images"))) {
                        inSubset = null; // a subset of '..' or an absolute path names no folder of the export
                    }
                } catch (InvalidPathException e) {
                    inSubset = null;
                }
            }
            for (Path candidate : Arrays.asList(inSubset, beside, exported)) {
                if (candidate != null && Files.exists(candidate)) {
                    return candidate.toString();
                }
            }
            boolean plain = !name.replace('\\', '/').contains("/");
            return (inSubset != null && plain ? inSubset : beside).toString();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("name '" + clean(name) + "' is not a path on this system");
        }
    }

    private static int dimension(String text, String what) {
        try {
            if (text == null) {
                throw new IllegalArgumentException("has no " + what);
            }
            int v = Integer.parseInt(text.strip());
            if (v < 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + clean(String.valueOf(text))
                    + "' is not a whole number of pixels");
        }
    }

    private static Annotation box(CvatXml.Box box, LabelMap labels, Path file, String at, List<Problem> problems) {
        String label = box.label == null ? "" : box.label;
        if (label.isBlank()) {
            throw new IllegalArgumentException("has no label");
        }
        Map<String, String> extras = new LinkedHashMap<>();
        for (Map.Entry<QName, String> a : box.more.entrySet()) {
            String name = qualified(a.getKey());
            if (name.equals("rotation") && coordinate(a.getValue(), "rotation") % 360 != 0) {
                throw new IllegalArgumentException("is rotated by " + clean(a.getValue()) + " degrees");
            }
            extras.put(CvatFormat.EXTRA_PREFIX + "@" + name, a.getValue());
        }
        double[] c = {coordinate(box.xtl, "xtl"), coordinate(box.ytl, "ytl"), coordinate(box.xbr, "xbr"),
            coordinate(box.ybr, "ybr")};
        BoundingBox b;
        try {
            b = BoundingBox.of(c[0], c[1], c[2], c[3]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("corners (" + box.xtl + ", " + box.ytl + ", " + box.xbr + ", "
                    + box.ybr + ") are not a box: " + e.getMessage());
        }
        if (box.occluded != null && !box.occluded.strip().equals("0")) {
            extras.put(CvatFormat.EXTRA_PREFIX + "@occluded", box.occluded);
        }
        if (box.zOrder != null && !box.zOrder.strip().equals("0")) {
            extras.put(CvatFormat.EXTRA_PREFIX + "@z_order", box.zOrder);
        }
        OptionalDouble score = OptionalDouble.empty();
        boolean difficult = false;
        boolean truncated = false;
        String pose = Annotation.UNSPECIFIED_POSE;
        for (CvatXml.Attribute a : box.attributes) {
            String name = a.name == null ? "" : a.name;
            String value = a.value == null ? "" : a.value.strip();
            switch (name) {
                case "score" -> {
                    double s = parse(value);
                    if (s >= 0 && s <= 1) {
                        score = OptionalDouble.of(s);
                    } else {
                        problems.add(new Problem(file, at, "score '" + clean(value) + "' is not a number from 0"
                                + " to 1; kept as an attribute"));
                        extras.put(CvatFormat.ATTRIBUTE + name, a.value == null ? "" : a.value);
                    }
                }
                case "difficult", "truncated" -> {
                    Boolean flag = flag(value);
                    if (flag == null) {
                        problems.add(new Problem(file, at, name + " '" + clean(value) + "' is not true or false;"
                                + " kept as an attribute"));
                        extras.put(CvatFormat.ATTRIBUTE + name, a.value == null ? "" : a.value);
                    } else if (name.equals("difficult")) {
                        difficult = flag;
                    } else {
                        truncated = flag;
                    }
                }
                case "pose" -> pose = value.isEmpty() ? Annotation.UNSPECIFIED_POSE : value;
                default -> extras.put(CvatFormat.ATTRIBUTE + name, a.value == null ? "" : a.value);
            }
        }
        if (!box.other.isEmpty()) {
            extras.put(CvatFormat.ELEMENTS, fragment(box.other));
        }
        if (!labels.names().isEmpty() && !labels.names().contains(label)) {
            problems.add(new Problem(file, at, "label '" + label + "' is not in the label map " + labels.names()
                    + "; kept"));
        }
        return new Annotation(label, b, score, difficult, truncated, pose, extras);
    }

    private static double coordinate(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException("has no " + what);
        }
        double v = parse(text.strip());
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " '" + clean(String.valueOf(text)) + "' is not a number");
        }
        return v;
    }

    private static double parse(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static Boolean flag(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> Boolean.TRUE;
            case "false", "0", "no" -> Boolean.FALSE;
            default -> null;
        };
    }

    /**
     * Kept elements as text, without whitespace-only text anywhere in them: in CVAT's shapes it is only the
     * exporter's indentation, which a write re-indents, so it is dropped for a read and write to give the same.
     */
    private static String fragment(List<Element> elements) {
        elements.forEach(CvatReader::dropBlankText);
        return SecureXml.toFragment(elements);
    }

    private static void dropBlankText(org.w3c.dom.Node node) {
        org.w3c.dom.NodeList children = node.getChildNodes();
        for (int i = children.getLength() - 1; i >= 0; i--) {
            org.w3c.dom.Node child = children.item(i);
            if (child.getNodeType() == org.w3c.dom.Node.TEXT_NODE && child.getNodeValue().isBlank()) {
                node.removeChild(child);
            } else if (child.getNodeType() == org.w3c.dom.Node.ELEMENT_NODE) {
                dropBlankText(child);
            }
        }
    }

    private static String qualified(QName name) {
        return name.getPrefix().isEmpty() ? name.getLocalPart() : name.getPrefix() + ":" + name.getLocalPart();
    }

    /** A box the reader could not use, as an element to keep with the image's other shapes. */
    private static Element toElement(CvatXml.Box box) {
        try {
            DOMResult dom = new DOMResult();
            CvatFormat.Xml.CONTEXT.createMarshaller().marshal(box, dom);
            return ((org.w3c.dom.Document) dom.getNode()).getDocumentElement();
        } catch (JAXBException e) {
            throw new IllegalStateException("a CVAT box does not marshal", e);
        }
    }
}
