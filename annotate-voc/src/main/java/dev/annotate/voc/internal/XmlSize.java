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

/** JAXB binding of {@code <size>}. */
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(propOrder = {"width", "height", "depth", "other"})
public final class XmlSize {

    @XmlLocation
    @XmlTransient
    public Locator location;

    public String width;
    public String height;
    public String depth;

    /** Unmodelled children, kept and written back. */
    @XmlAnyElement
    public List<Element> other = new ArrayList<>();
}
