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

/** JAXB binding of {@code <bndbox>}; coordinates stay text until the reader parses them as LabelImg does. */
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(propOrder = {"xmin", "ymin", "xmax", "ymax", "other"})
public final class XmlBndBox {

    @XmlLocation
    @XmlTransient
    public Locator location;

    public String xmin;
    public String ymin;
    public String xmax;
    public String ymax;

    /** Unmodelled children, kept and written back. */
    @XmlAnyElement
    public List<Element> other = new ArrayList<>();
}
