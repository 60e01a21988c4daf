package dev.annotate.formats;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.SecureXml;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;
import org.w3c.dom.Element;

import javax.xml.namespace.QName;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;


/**
 * Writing a CVAT for images 1.1 file ({@link CvatFormat#openWriter}): each image is marshalled, as it comes, into
 * the spill file; the document is the header and the {@code <meta>} (known only at the end: the labels and
 * attributes used), then the images copied from the spill file.
 */
final class CvatWriter extends SpillWriter {
    private final LabelMap labels;
    private final Marshaller marshaller;
    private final Set<String> labelsSeen = new TreeSet<>();
    private final Set<String> attributesUsed = new TreeSet<>();
    private int images;

    CvatWriter(Path file, LabelMap labels) throws IOException {
        super(file, "CVAT");
        this.labels = labels;
        try {
            this.marshaller = CvatFormat.Xml.CONTEXT.createMarshaller();
            marshaller.setProperty(Marshaller.JAXB_FORMATTED_OUTPUT, Boolean.TRUE);
            marshaller.setProperty(Marshaller.JAXB_FRAGMENT, Boolean.TRUE);
            marshaller.setProperty(Marshaller.JAXB_ENCODING, "UTF-8");
            marshaller.setProperty("org.glassfish.jaxb.indentString", "  "); // CVAT's own indentation
        } catch (JAXBException e) {
            throw new IllegalStateException("the CVAT XML binding does not marshal", e);
        }
    }

    @Override
    void spill(String name, AnnotatedImage image, OutputStream spill) throws IOException {
        boolean machine = image.predictedBy().isPresent();
        CvatXml.Image x = new CvatXml.Image();
        x.id = Integer.toString(images);
        x.name = name;
        x.width = Integer.toString(image.width());
        x.height = Integer.toString(image.height());
        List<Element> kept = new ArrayList<>();
        for (Map.Entry<String, String> e : image.extras().entrySet()) {
            if (e.getKey().startsWith(CvatFormat.EXTRA_PREFIX + "@")) {
                x.more.put(new QName(e.getKey().substring(CvatFormat.EXTRA_PREFIX.length() + 1)), e.getValue());
            } else if (e.getKey().equals(CvatFormat.ELEMENTS)) {
                kept.addAll(SecureXml.fromFragment(e.getValue()));
            }
        }
        if (machine) {
            x.more.put(new QName(CvatFormat.MARK_ATTRIBUTE), MachineMark.of(image));
        }
        for (Annotation a : image.annotations()) {
            x.boxes.add(box(a, machine ? "auto" : "manual"));
            labelsSeen.add(a.label());
        }
        x.other = kept;
        spill.write(indented(x, "image " + name));
        images++;
    }

    private CvatXml.Box box(Annotation a, String source) throws IOException {
        BoundingBox b = a.box();
        CvatXml.Box x = new CvatXml.Box();
        x.label = a.label();
        x.source = a.extras().getOrDefault(CvatFormat.EXTRA_PREFIX + "@source", source);
        x.occluded = a.extras().getOrDefault(CvatFormat.EXTRA_PREFIX + "@occluded", "0");
        x.xtl = number(b.xmin());
        x.ytl = number(b.ymin());
        x.xbr = number(b.xmax());
        x.ybr = number(b.ymax());
        x.zOrder = a.extras().getOrDefault(CvatFormat.EXTRA_PREFIX + "@z_order", "0");
        for (Map.Entry<String, String> e : a.extras().entrySet()) {
            String key = e.getKey();
            if (key.startsWith(CvatFormat.EXTRA_PREFIX + "@") && !Set.of("source", "occluded", "z_order")
                    .contains(key.substring(CvatFormat.EXTRA_PREFIX.length() + 1))) {
                x.more.put(new QName(key.substring(CvatFormat.EXTRA_PREFIX.length() + 1)), e.getValue());
            }
        }
        if (a.confidence().isPresent()) {
            x.attributes.add(new CvatXml.Attribute("score", number(a.confidence().getAsDouble())));
            attributesUsed.add("score");
        }
        if (a.difficult()) {
            x.attributes.add(new CvatXml.Attribute("difficult", "true"));
            attributesUsed.add("difficult");
        }
        if (a.truncated()) {
            x.attributes.add(new CvatXml.Attribute("truncated", "true"));
            attributesUsed.add("truncated");
        }
        if (!a.pose().equals(Annotation.UNSPECIFIED_POSE)) {
            x.attributes.add(new CvatXml.Attribute("pose", a.pose()));
            attributesUsed.add("pose");
        }
        for (Map.Entry<String, String> e : a.extras().entrySet()) {
            if (e.getKey().startsWith(CvatFormat.ATTRIBUTE)) {
                x.attributes.add(new CvatXml.Attribute(e.getKey().substring(CvatFormat.ATTRIBUTE.length()),
                        e.getValue()));
            }
        }
        String elements = a.extras().get(CvatFormat.ELEMENTS);
        if (elements != null) {
            x.other.addAll(SecureXml.fromFragment(elements));
        }
        return x;
    }

    @Override
    void writeDocument(Path spill, OutputStream out) throws IOException {
        out.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n"
                .getBytes(StandardCharsets.UTF_8));
        out.write(indented(meta(), "the meta"));
        Files.copy(spill, out);
        out.write("</annotations>\n".getBytes(StandardCharsets.UTF_8));
    }

    /** An element as UTF-8 XML, indented one level (it goes inside {@code <annotations>}). */
    private byte[] indented(Object element, String what) throws IOException {
        StringWriter text = new StringWriter();
        try {
            marshaller.marshal(element, text);
        } catch (JAXBException e) {
            throw new IOException(file + ": " + what + " does not marshal: " + e, e);
        }
        StringBuilder indented = new StringBuilder();
        text.toString().strip().lines().forEach(l -> indented.append("  ").append(l).append('\n'));
        return indented.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The labels used, the label map's first in id order, with the attributes this file's boxes carry. */
    private CvatXml.Meta meta() {
        CvatXml.Meta meta = new CvatXml.Meta();
        meta.task.name = file.getFileName().toString();
        meta.task.size = Integer.toString(images);
        Set<String> names = new java.util.LinkedHashSet<>(labels.names());
        names.addAll(labelsSeen);
        for (String name : names) {
            CvatXml.Label label = new CvatXml.Label();
            label.name = name;
            for (String a : attributesUsed) {
                label.attributes.add(switch (a) {
                    case "difficult", "truncated" -> new CvatXml.LabelAttribute(a, "checkbox", "false", "false");
                    default -> new CvatXml.LabelAttribute(a, "text", "", "");
                });
            }
            meta.task.labels.add(label);
        }
        return meta;
    }

    /** A coordinate or score: {@code 12.00} when whole, as CVAT writes, else the double's shortest exact form. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return BigDecimal.valueOf(v).toPlainString();
    }
}
