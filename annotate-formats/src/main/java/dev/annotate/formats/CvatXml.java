package dev.annotate.formats;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlAnyAttribute;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlElementWrapper;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlType;
import jakarta.xml.bind.annotation.XmlValue;
import org.w3c.dom.Element;

import javax.xml.namespace.QName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JAXB binding of CVAT for images 1.1 ({@link CvatFormat}): an {@code <image>} with its {@code <box>}es, every
 * attribute and element the format does not model kept in "any" fields, and the {@code <meta>} the writer makes.
 * Values are bound as text so the reader can name a bad one.
 */
final class CvatXml {

    private CvatXml() {
    }

    /** {@code <image id name width height>}: boxes first, then the other shapes (kept). */
    @XmlRootElement(name = "image")
    @XmlAccessorType(XmlAccessType.FIELD)
    @XmlType(propOrder = {"boxes", "other"})
    static final class Image {
        @XmlAttribute
        String id;
        @XmlAttribute
        String name;
        @XmlAttribute
        String width;
        @XmlAttribute
        String height;
        @XmlAnyAttribute
        Map<QName, String> more = new LinkedHashMap<>();
        @XmlElement(name = "box")
        List<Box> boxes = new ArrayList<>();
        @XmlAnyElement
        List<Element> other = new ArrayList<>();
    }

    /** {@code <box label source occluded xtl ytl xbr ybr z_order>} with its {@code <attribute>}s. */
    @XmlRootElement(name = "box")
    @XmlAccessorType(XmlAccessType.FIELD)
    @XmlType(propOrder = {"attributes", "other"})
    static final class Box {
        @XmlAttribute
        String label;
        @XmlAttribute
        String source;
        @XmlAttribute
        String occluded;
        @XmlAttribute
        String xtl;
        @XmlAttribute
        String ytl;
        @XmlAttribute
        String xbr;
        @XmlAttribute
        String ybr;
        @XmlAttribute(name = "z_order")
        String zOrder;
        @XmlAnyAttribute
        Map<QName, String> more = new LinkedHashMap<>();
        @XmlElement(name = "attribute")
        List<Attribute> attributes = new ArrayList<>();
        @XmlAnyElement
        List<Element> other = new ArrayList<>();
    }

    /** {@code <attribute name="score">0.93</attribute>}. */
    @XmlAccessorType(XmlAccessType.FIELD)
    static final class Attribute {
        @XmlAttribute
        String name;
        @XmlValue
        String value;

        Attribute() {
        }

        Attribute(String name, String value) {
            this.name = name;
            this.value = value;
        }
    }

    /** The {@code <meta>} the writer makes: the task's size and its labels with the attributes used. */
    @XmlRootElement(name = "meta")
    @XmlAccessorType(XmlAccessType.FIELD)
    static final class Meta {
        Task task = new Task();
    }

    @XmlAccessorType(XmlAccessType.FIELD)
    @XmlType(propOrder = {"name", "size", "mode", "labels"})
    static final class Task {
        String name;
        String size;
        String mode = "annotation";
        @XmlElementWrapper(name = "labels")
        @XmlElement(name = "label")
        List<Label> labels = new ArrayList<>();
    }

    @XmlAccessorType(XmlAccessType.FIELD)
    @XmlType(propOrder = {"name", "attributes"})
    static final class Label {
        String name;
        @XmlElementWrapper(name = "attributes")
        @XmlElement(name = "attribute")
        List<LabelAttribute> attributes = new ArrayList<>();
    }

    /** A label's attribute declaration, as CVAT's task export writes it. */
    @XmlAccessorType(XmlAccessType.FIELD)
    @XmlType(propOrder = {"name", "mutable", "inputType", "defaultValue", "values"})
    static final class LabelAttribute {
        String name;
        String mutable = "False";
        @XmlElement(name = "input_type")
        String inputType;
        @XmlElement(name = "default_value")
        String defaultValue;
        String values;

        LabelAttribute() {
        }

        LabelAttribute(String name, String inputType, String defaultValue, String values) {
            this.name = name;
            this.inputType = inputType;
            this.defaultValue = defaultValue;
            this.values = values;
        }
    }
}
