package dev.annotate.voc;

import dev.annotate.voc.internal.XmlAnnotation;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;

/**
 * What reading and writing VOC share: the JAXB binding of {@code dev.annotate.voc.internal}, made once, a marshaller
 * per thread, the elements the machine mark and scores live in, and path helpers for {@code <folder>}.
 */
final class VocBinding {

    static final String UNKNOWN_DATABASE = "Unknown";
    /** The {@code <source>} child holding the machine mark; the VOC devkit names the annotating party there. */
    static final String MARK_ELEMENT = "annotation";
    /** The {@code <object>} child holding a machine prediction's score. */
    static final String SCORE_ELEMENT = "score";

    static final JAXBContext CONTEXT = context();

    private VocBinding() {
    }

    /**
     * One marshaller per thread (a marshaller is not thread-safe): a new one per file would also make a new XSLT
     * identity transformer for every kept or machine element it writes, a few tens of microseconds each.
     */
    static final ThreadLocal<Marshaller> MARSHALLERS = ThreadLocal.withInitial(() -> {
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

    static String lastSegment(String path) {
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(cut + 1);
    }

    static String parentName(String path) {
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        if (cut <= 0) {
            return "";
        }
        return lastSegment(path.substring(0, cut));
    }

}
