package dev.annotate.voc.internal;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlTransient;
import jakarta.xml.bind.annotation.XmlType;
import org.glassfish.jaxb.core.annotation.XmlLocation;
import org.w3c.dom.Element;
import org.xml.sax.Locator;

import java.util.ArrayList;
import java.util.List;

/**
 * JAXB binding of {@code <object>} in LabelImg's order. The VOC devkit's {@code occluded}, {@code part},
 * {@code actions} and {@code point}, and anything else, land in {@link #other} and are written back after
 * {@code bndbox}.
 */
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(propOrder = {"name", "pose", "truncated", "difficult", "bndbox", "other"})
public final class XmlObject {

    @XmlLocation
    @XmlTransient
    public Locator location;

    public String name;
    public String pose;
    public String truncated;
    public String difficult;
    public XmlBndBox bndbox;

    @XmlAnyElement
    public List<Element> other = new ArrayList<>();
}
