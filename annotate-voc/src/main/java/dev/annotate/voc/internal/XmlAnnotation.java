package dev.annotate.voc.internal;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlTransient;
import jakarta.xml.bind.annotation.XmlType;
import org.glassfish.jaxb.core.annotation.XmlLocation;
import org.w3c.dom.Element;
import org.xml.sax.Locator;

import java.util.ArrayList;
import java.util.List;

/**
 * JAXB binding of {@code <annotation>}. Field order is LabelImg's element order, which the writer reproduces.
 * Leaf values are strings so that the reader, not JAXB, decides what a malformed value means and reports it
 * with a line number. Elements this model does not name land in {@link #other} and are written back.
 */
@XmlRootElement(name = "annotation")
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(propOrder = {"folder", "filename", "path", "source", "size", "segmented", "objects", "other"})
public final class XmlAnnotation {

    @XmlAttribute
    public String verified;

    @XmlLocation
    @XmlTransient
    public Locator location;

    public String folder;
    public String filename;
    public String path;
    public XmlSource source;
    public XmlSize size;
    public String segmented;

    @XmlElement(name = "object")
    public List<XmlObject> objects = new ArrayList<>();

    @XmlAnyElement
    public List<Element> other = new ArrayList<>();
}
