package dev.annotate.voc.internal;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlType;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;

/** JAXB binding of {@code <source>}: LabelImg writes only {@code database}; the VOC devkit adds more, kept in {@link #other}. */
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(propOrder = {"database", "other"})
public final class XmlSource {

    public String database;

    @XmlAnyElement
    public List<Element> other = new ArrayList<>();
}
