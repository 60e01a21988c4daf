package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.VocBox;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.SecureXml;
import dev.annotate.voc.internal.XmlAnnotation;
import dev.annotate.voc.internal.XmlBndBox;
import dev.annotate.voc.internal.XmlObject;
import dev.annotate.voc.internal.XmlSize;
import dev.annotate.voc.internal.XmlSource;
import jakarta.xml.bind.JAXBException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writing one VOC document ({@link Voc#toBytes}): LabelImg's bytes, elements kept from a read written back. */
final class VocWriter {

    private VocWriter() {
    }

    /** See {@link Voc#toBytes}. */
    static byte[] toBytes(AnnotatedImage image) {
        XmlAnnotation doc = toXml(image);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            VocBinding.MARSHALLERS.get().marshal(doc, out);
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
        doc.folder = extras.containsKey(Voc.FOLDER_KEY) ? extras.get(Voc.FOLDER_KEY)
                : image.path().map(VocBinding::parentName).orElse("");
        doc.filename = xmlText(image.fileName(), "file name of " + image.fileName());
        doc.path = image.path().map(p -> xmlText(p, "path of " + image.fileName())).orElse(null);
        xmlText(doc.folder, "folder of " + image.fileName());
        doc.source = new XmlSource();
        doc.source.database = extras.getOrDefault(Voc.DATABASE_KEY, VocBinding.UNKNOWN_DATABASE);
        doc.source.other = kept(extras, Voc.SOURCE_XML_KEY, image.fileName());
        if (image.predictedBy().isPresent()) {
            doc.source.other.add(0, SecureXml.textElement(VocBinding.MARK_ELEMENT,
                    xmlText(MachineMark.of(image), "machine mark of " + image.fileName())));
        }
        doc.size = new XmlSize();
        doc.size.width = Integer.toString(image.width());
        doc.size.height = Integer.toString(image.height());
        doc.size.depth = Integer.toString(image.depth());
        doc.size.other = kept(extras, Voc.SIZE_XML_KEY, image.fileName());
        doc.segmented = extras.getOrDefault(Voc.SEGMENTED_KEY, "0");
        for (Annotation a : image.annotations()) {
            doc.objects.add(toXml(a, image));
        }
        doc.other = kept(extras, Voc.XML_KEY, image.fileName());
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
        o.bndbox.other = kept(a.extras(), Voc.BNDBOX_XML_KEY, image.fileName() + " object '" + a.label() + "'");
        o.other = kept(a.extras(), Voc.XML_KEY, image.fileName() + " object '" + a.label() + "'");
        if (image.predictedBy().isPresent() && a.confidence().isPresent()) {
            o.other.add(0, SecureXml.textElement(VocBinding.SCORE_ELEMENT,
                    MachineMark.score(a.confidence().getAsDouble())));
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
