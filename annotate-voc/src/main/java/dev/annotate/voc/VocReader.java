package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.format.SecureXml;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;
import dev.annotate.voc.internal.XmlAnnotation;
import dev.annotate.voc.internal.XmlObject;
import dev.annotate.voc.internal.XmlSize;
import dev.annotate.voc.internal.XmlSource;
import jakarta.xml.bind.JAXBException;
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
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Reading one VOC document ({@link Voc#parse}): the hardened, lenient JAXB unmarshalling, its errors in this codec's
 * words with line and column, then the conversion to core types collecting every problem.
 */
final class VocReader {

    private VocReader() {
    }

    /** The document's image and problems; see {@link Voc#parse}. */
    static ReadResult read(byte[] xml, Path source) throws FormatException {
        List<Problem> problems = new ArrayList<>();
        XmlAnnotation doc = unmarshal(xml, source, problems);
        return new Reading(doc, source, problems).result();
    }

    private static XmlAnnotation unmarshal(byte[] xml, Path source, List<Problem> problems) throws FormatException {
        try {
            Unmarshaller u = VocBinding.CONTEXT.createUnmarshaller();
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
            org.w3c.dom.Element mark = child(doc.source.other, VocBinding.MARK_ELEMENT);
            Optional<String> model = mark == null ? Optional.empty()
                    : MachineMark.model(mark.getTextContent(), image);
            if (model.isEmpty()) {
                return image;
            }
            List<Annotation> scored = new ArrayList<>();
            for (int i = 0; i < doc.objects.size(); i++) {
                XmlObject o = doc.objects.get(i);
                Annotation a = image.annotations().get(i);
                org.w3c.dom.Element score = child(o.other, VocBinding.SCORE_ELEMENT);
                OptionalDouble confidence = score == null ? OptionalDouble.empty() : confidence(score, a, i + 1);
                if (confidence.isPresent()) {
                    Map<String, String> extras = new LinkedHashMap<>(a.extras());
                    replace(extras, Voc.XML_KEY, without(o.other, score));
                    a = new Annotation(a.label(), a.box(), confidence, a.difficult(), a.truncated(), a.pose(),
                            extras);
                }
                scored.add(a);
            }
            Map<String, String> extras = new LinkedHashMap<>(image.extras());
            replace(extras, Voc.SOURCE_XML_KEY, without(doc.source.other, mark));
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
                String fromPath = VocBinding.lastSegment(path);
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
                image = source.resolveSibling(VocBinding.lastSegment(fileName));
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
            keep(extras, Voc.XML_KEY, o.other);
            keep(extras, Voc.BNDBOX_XML_KEY, o.bndbox.other);
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
                extras.put(Voc.FOLDER_KEY, doc.folder);
            }
            XmlSource src = doc.source;
            if (src != null) {
                String db = strip(src.database);
                if (db != null && !db.equals(VocBinding.UNKNOWN_DATABASE)) {
                    extras.put(Voc.DATABASE_KEY, db);
                }
                keep(extras, Voc.SOURCE_XML_KEY, src.other);
            }
            if (doc.size != null) {
                keep(extras, Voc.SIZE_XML_KEY, doc.size.other);
            }
            String seg = strip(doc.segmented);
            if (seg != null && !seg.equals("0")) {
                extras.put(Voc.SEGMENTED_KEY, seg);
            }
            keep(extras, Voc.XML_KEY, doc.other);
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
}
