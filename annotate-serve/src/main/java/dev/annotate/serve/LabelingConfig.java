package dev.annotate.serve;

import dev.annotate.core.format.SecureXml;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The parts of a Label Studio labeling config a prediction names: the first {@code <RectangleLabels>} (its
 * {@code name} and {@code toName}, its {@code <Label>} values) and the {@code <Image>} it points to, with that image's
 * data key ({@code value="$image"} gives {@code image}).
 *
 * @param fromName the rectangles' {@code name}, a region's {@code from_name}
 * @param toName the image's {@code name}, a region's {@code to_name}
 * @param dataKey the task data member naming the image
 * @param labels the labels the config lists; empty when it lists none (then every label is answered)
 */
record LabelingConfig(String fromName, String toName, String dataKey, Set<String> labels) {

    /**
     * Reads a labeling config; parsed with {@link SecureXml} (no DOCTYPE, a nesting limit).
     *
     * @throws Refused (400) naming what the config lacks
     */
    static LabelingConfig parse(String config) throws Refused {
        String xml = config.strip();
        if (xml.startsWith("<?xml")) {
            xml = xml.substring(xml.indexOf("?>") + 2);
        }
        List<Element> roots;
        try {
            roots = SecureXml.fromFragment(xml);
        } catch (IOException | RuntimeException e) {
            throw new Refused(400, "label_config is not well-formed XML: " + e.getMessage());
        }
        Element rectangles = null;
        List<Element> images = new ArrayList<>();
        for (Element root : roots) {
            for (Element e : descendants(root)) {
                String tag = e.getTagName();
                if (rectangles == null && tag.equals("RectangleLabels")) {
                    rectangles = e;
                } else if (tag.equals("Image")) {
                    images.add(e);
                }
            }
        }
        if (rectangles == null) {
            throw new Refused(400, "label_config has no <RectangleLabels>: this backend predicts boxes");
        }
        String fromName = rectangles.getAttribute("name");
        String toName = rectangles.getAttribute("toName");
        Element image = images.stream().filter(i -> i.getAttribute("name").equals(toName)).findFirst()
                .orElseThrow(() -> new Refused(400, "label_config's <RectangleLabels name=\"" + fromName
                        + "\"> points to toName=\"" + toName + "\", and no <Image> has that name"));
        String value = image.getAttribute("value").strip();
        if (!value.startsWith("$") || value.length() < 2) {
            throw new Refused(400, "label_config's <Image name=\"" + toName + "\"> has value=\"" + value
                    + "\", not $key");
        }
        Set<String> labels = new LinkedHashSet<>();
        for (Element e : descendants(rectangles)) {
            if (e.getTagName().equals("Label") && !e.getAttribute("value").isEmpty()) {
                labels.add(e.getAttribute("value"));
            }
        }
        if (fromName.isEmpty()) {
            throw new Refused(400, "label_config's <RectangleLabels> has no name");
        }
        return new LabelingConfig(fromName, toName, value.substring(1), Set.copyOf(labels));
    }

    /** An element and every element under it, in document order. */
    private static List<Element> descendants(Element root) {
        List<Element> out = new ArrayList<>();
        out.add(root);
        NodeList all = root.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            out.add((Element) all.item(i));
        }
        return out;
    }
}
