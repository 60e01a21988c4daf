package dev.annotate.voc;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What LabelImg 1.8.6 does to a VOC file a person opens and saves, written from its {@code pascal_voc_io.py}
 * without this project's codec: {@code PascalVocReader} keeps only each object's {@code name}, the
 * {@code bndbox} corners as {@code int(float(text))}, {@code difficult}, and the file's {@code verified} flag;
 * {@code PascalVocWriter} writes a fresh document in its own element order (size from the image, here the
 * document's own, {@code truncated} by the border rule, pose {@code Unspecified}), tab-indented. Every other
 * element is gone.
 */
final class LabelImgSave {

    /** One object as LabelImg holds it. */
    record Shape(String name, int xmin, int ymin, int xmax, int ymax, boolean difficult) {
    }

    private LabelImgSave() {
    }

    /** The objects LabelImg shows for a file, in file order. */
    static List<Shape> open(byte[] xml) throws Exception {
        Element root = parse(xml);
        List<Shape> shapes = new ArrayList<>();
        NodeList objects = root.getElementsByTagName("object");
        for (int i = 0; i < objects.getLength(); i++) {
            Element o = (Element) objects.item(i);
            Element box = child(o, "bndbox");
            String difficult = child(o, "difficult") == null ? "0" : text(child(o, "difficult"));
            shapes.add(new Shape(text(child(o, "name")), corner(box, "xmin"), corner(box, "ymin"),
                    corner(box, "xmax"), corner(box, "ymax"), Integer.parseInt(difficult.strip()) != 0));
        }
        return shapes;
    }

    /** The bytes LabelImg writes when a person saves the file, {@code verify} pressing Space first. */
    static byte[] save(byte[] xml, boolean verify) throws Exception {
        Element root = parse(xml);
        boolean verified = verify || "yes".equals(root.getAttribute("verified"));
        Element size = child(root, "size");
        int width = Integer.parseInt(text(child(size, "width")).strip());
        int height = Integer.parseInt(text(child(size, "height")).strip());
        String path = text(child(root, "path"));
        String folder = path.substring(0, Math.max(0, path.lastIndexOf('/')));
        folder = folder.substring(folder.lastIndexOf('/') + 1);
        StringBuilder sb = new StringBuilder();
        sb.append(verified ? "<annotation verified=\"yes\">\n" : "<annotation>\n");
        sb.append("\t<folder>").append(escape(folder)).append("</folder>\n");
        sb.append("\t<filename>").append(escape(text(child(root, "filename")))).append("</filename>\n");
        sb.append("\t<path>").append(escape(path)).append("</path>\n");
        sb.append("\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n");
        sb.append("\t<size>\n\t\t<width>").append(width).append("</width>\n\t\t<height>").append(height)
                .append("</height>\n\t\t<depth>").append(text(child(size, "depth")).strip())
                .append("</depth>\n\t</size>\n");
        sb.append("\t<segmented>0</segmented>\n");
        for (Shape s : open(xml)) {
            boolean truncated = s.ymax() == height || s.ymin() == 1 || s.xmax() == width || s.xmin() == 1;
            sb.append("\t<object>\n\t\t<name>").append(escape(s.name())).append("</name>\n")
                    .append("\t\t<pose>Unspecified</pose>\n")
                    .append("\t\t<truncated>").append(truncated ? 1 : 0).append("</truncated>\n")
                    .append("\t\t<difficult>").append(s.difficult() ? 1 : 0).append("</difficult>\n")
                    .append("\t\t<bndbox>\n\t\t\t<xmin>").append(s.xmin()).append("</xmin>\n\t\t\t<ymin>")
                    .append(s.ymin()).append("</ymin>\n\t\t\t<xmax>").append(s.xmax()).append("</xmax>\n\t\t\t<ymax>")
                    .append(s.ymax()).append("</ymax>\n\t\t</bndbox>\n\t</object>\n");
        }
        sb.append("</annotation>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Element parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        return doc.getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element e) {
        return e == null ? "" : e.getTextContent();
    }

    private static int corner(Element box, String name) {
        return (int) Double.parseDouble(text(child(box, name)).strip());
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
