package dev.annotate.core.format;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.XMLReader;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * XML parsers that cannot be turned against the machine: no DOCTYPE at all (so no external entities, no
 * entity expansion, no DTD fetches), JAXP secure processing on, and a nesting limit.
 *
 * <p>Also converts the elements the binding does not model to and from text, so that they can travel in
 * {@code Annotation.extras()} and be written back. For every reader of XML annotations: VOC's, CVAT's, Label
 * Studio's labeling configurations, and a format of one's own.
 */
public final class SecureXml {

    /** Deepest element nesting accepted; VOC's deepest legitimate structure (part/bndbox/xmin) is 5. */
    public static final int MAX_DEPTH = 64;

    private static final String DISALLOW_DOCTYPE = "http://apache.org/xml/features/disallow-doctype-decl";
    private static final String MAX_ELEMENT_DEPTH = "http://www.oracle.com/xml/jaxp/properties/maxElementDepth";

    private static final SAXParserFactory SAX = saxFactory();
    private static final DocumentBuilderFactory DOM = domFactory();
    private static final TransformerFactory TRANSFORMERS = transformerFactory();

    private SecureXml() {
    }

    private static SAXParserFactory saxFactory() {
        // the JDK's own parser, whatever else is on the classpath: its security features are the ones set here
        SAXParserFactory f = SAXParserFactory.newDefaultInstance();
        f.setNamespaceAware(true);
        f.setXIncludeAware(false);
        try {
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature(DISALLOW_DOCTYPE, true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's SAX parser lacks a required security feature", e);
        }
        return f;
    }

    private static DocumentBuilderFactory domFactory() {
        DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
        f.setNamespaceAware(true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        try {
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature(DISALLOW_DOCTYPE, true);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's DOM parser lacks a required security feature", e);
        }
        return f;
    }

    private static TransformerFactory transformerFactory() {
        TransformerFactory f = TransformerFactory.newDefaultInstance();
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
        return f;
    }

    /**
     * Idle hardened readers. Building one costs about as much as parsing a small VOC document, so readers are
     * reused; a bounded queue rather than a ThreadLocal, so that nothing outlives the class loader or piles up
     * per thread. A reader goes back only after a parse that completed.
     */
    private static final java.util.concurrent.BlockingQueue<XMLReader> IDLE =
            new java.util.concurrent.ArrayBlockingQueue<>(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

    /** A hardened reader for one parse; hand it back with {@link #release(XMLReader)} when the parse succeeded. */
    public static XMLReader acquireReader() throws SAXException {
        XMLReader idle = IDLE.poll();
        return idle != null ? idle : newReader();
    }

    /** Returns a reader whose last parse completed normally, for reuse. */
    public static void release(XMLReader reader) {
        IDLE.offer(reader);
    }

    /** A new hardened reader. Readers are not thread-safe. */
    public static XMLReader newReader() throws SAXException {
        try {
            XMLReader reader = SAX.newSAXParser().getXMLReader();
            reader.setProperty(MAX_ELEMENT_DEPTH, String.valueOf(MAX_DEPTH));
            return reader;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The elements as compact XML text, in order, after dropping whitespace-only text between child elements
     * (the writer re-indents them).
     */
    public static String toFragment(List<Element> elements) {
        if (elements.isEmpty()) {
            return "";
        }
        try {
            Transformer t = TRANSFORMERS.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "no");
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter out = new StringWriter();
            for (Element e : elements) {
                Element copy = (Element) e.cloneNode(true);
                stripIndentation(copy);
                t.transform(new DOMSource(copy), new StreamResult(out));
            }
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot serialise kept VOC elements", e);
        }
    }

    private static void stripIndentation(Node node) {
        NodeList children = node.getChildNodes();
        boolean hasElementChild = false;
        for (int i = 0; i < children.getLength(); i++) {
            hasElementChild |= children.item(i).getNodeType() == Node.ELEMENT_NODE;
        }
        for (int i = children.getLength() - 1; i >= 0; i--) {
            Node child = children.item(i);
            if (hasElementChild && child.getNodeType() == Node.TEXT_NODE && child.getNodeValue().isBlank()) {
                node.removeChild(child);
            } else if (child.getNodeType() == Node.ELEMENT_NODE) {
                stripIndentation(child);
            }
        }
    }

    /**
     * Makes empty documents for new elements: a builder is a parser configured from scratch (some tens of
     * microseconds each, which every machine-written file paid for its mark), the implementation is shared and
     * thread-safe.
     */
    private static final org.w3c.dom.DOMImplementation DOCUMENTS = documents();

    private static org.w3c.dom.DOMImplementation documents() {
        try {
            return DOM.newDocumentBuilder().getDOMImplementation();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's DOM builder is unavailable", e);
        }
    }

    /** A new element {@code <name>text</name>}, for the writer to place among kept ones. */
    public static Element textElement(String name, String text) {
        Document doc = DOCUMENTS.createDocument(null, null, null);
        Element e = doc.createElement(name);
        e.setTextContent(text);
        return e;
    }

    /** Parses text made by {@link #toFragment} back into elements. */
    public static List<Element> fromFragment(String fragment) throws IOException {
        if (fragment.isEmpty()) {
            return List.of();
        }
        try {
            DocumentBuilder builder = DOM.newDocumentBuilder();
            Document doc = builder.parse(new InputSource(new StringReader("<kept>" + fragment + "</kept>")));
            List<Element> out = new ArrayList<>();
            NodeList children = doc.getDocumentElement().getChildNodes();
            for (int i = 0; i < children.getLength(); i++) {
                if (children.item(i) instanceof Element e) {
                    out.add(e);
                }
            }
            return out;
        } catch (SAXException | ParserConfigurationException e) {
            throw new IOException("kept VOC elements are not well-formed XML: " + e.getMessage(), e);
        }
    }
}
