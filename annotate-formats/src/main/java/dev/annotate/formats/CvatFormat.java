package dev.annotate.formats;

import dev.annotate.core.Annotation;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.ReadResult;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;

import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * CVAT for images 1.1 XML, registered as {@code cvat}: the file CVAT exports as "CVAT for images 1.1"
 * ({@code annotations.xml}) and imports into a task. A dataset-level format: one file, read and written streaming.
 *
 * <h2>The dataset path</h2>
 * A path ending in {@code .xml} is the file itself; any other path is a folder holding {@value #DEFAULT_FILE_NAME}.
 *
 * <h2>What maps to what</h2>
 * <ul>
 *   <li>{@code <image name width height>}: the image, {@code name} its path relative to the file's folder (an
 *       export's images lie in {@code images/} beside the file: looked for there too; a project export's in
 *       {@code images/<subset>/}, for an image marked {@code subset="Train"} and so on, where the same name may
 *       occur in several subsets: each is its own image, under its subset's folder, and the {@code subset}
 *       attribute is kept); {@code id}s are written 0, 1, ... in order.</li>
 *   <li>{@code <box label xtl ytl xbr ybr>}: a box in displayed-image pixels. Its {@code <attribute
 *       name="score">} is the detection's score; {@code difficult}, {@code truncated} (checkbox attributes,
 *       {@code true}/{@code false}) and {@code pose} are VOC's fields; {@code source} is {@code auto} for a
 *       machine's box and {@code manual} for a person's when written. Boxes are written fitted to the image
 *       ({@link Annotation#fittedTo(int, int)}, the rule every writer follows): clamped, and truncated when they
 *       reach the border.</li>
 *   <li>A machine's image carries its {@link MachineMark} as the image attribute {@code annotate_mark}, which CVAT
 *       ignores on import.</li>
 *   <li>Kept through a read and a write, as {@code cvat:} extras: every other attribute of an image or box
 *       ({@code cvat:@name}), a box's other {@code <attribute>}s ({@code cvat:attribute:name}), {@code occluded}
 *       and {@code z_order} when not 0, {@code source} when it is not what would be written, and the image's other
 *       shapes ({@code polygon}, {@code points}, {@code tag}, ...; {@code cvat:elements}), which are written back
 *       after its boxes. The file's {@code <meta>} is not kept: the writer makes one naming the labels used (the
 *       label map's first, in id order) and the attributes they carry.</li>
 *   <li>Reported: a rotated box, or one whose label or corners are unusable (kept as it is with the other shapes,
 *       not used as a box); a label missing from a non-empty label map (kept); an image without a usable name
 *       or size (left out); CVAT for video {@code <track>}s (not read).</li>
 * </ul>
 * Coordinates are written as CVAT writes them ({@code 12.00}) when whole, else with every digit of the double.
 */
public final class CvatFormat extends DatasetFileFormat {

    /** The file a dataset folder holds, as in CVAT's export. */
    public static final String DEFAULT_FILE_NAME = "annotations.xml";

    /** The namespace of this format's extras. */
    public static final String EXTRA_PREFIX = "cvat:";

    static final String MARK_ATTRIBUTE = "annotate_mark";
    static final String ELEMENTS = EXTRA_PREFIX + "elements";
    static final String ATTRIBUTE = EXTRA_PREFIX + "attribute:";

    /**
     * The binding and the parser factory, made on first use: every installed format is instantiated whenever one is
     * looked up by name, and a JAXB context costs a tenth of a second that a VOC run would pay for nothing.
     */
    static final class Xml {
        static final JAXBContext CONTEXT = context();
        static final XMLInputFactory STAX = stax();

        private Xml() {
        }
    }

    private static JAXBContext context() {
        try {
            return JAXBContext.newInstance(CvatXml.Image.class, CvatXml.Box.class, CvatXml.Meta.class);
        } catch (JAXBException e) {
            throw new IllegalStateException("the CVAT XML binding does not load", e);
        }
    }

    /** The JDK's own StAX parser with DTDs and external entities off: a DOCTYPE is refused when met. */
    private static XMLInputFactory stax() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return f;
    }

    /** The format, as the service loader makes it. */
    public CvatFormat() {
        super(DEFAULT_FILE_NAME, "CVAT XML");
    }

    @Override
    public String name() {
        return "cvat";
    }

    @Override
    public void prepare() {
        Objects.requireNonNull(Xml.CONTEXT, "the CVAT binding");
    }

    @Override
    public String description() {
        return "CVAT for images 1.1 XML, one file for the dataset (import into a CVAT task, or read its export)";
    }

    @Override
    void readFile(Path file, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        CvatReader.read(file, labels, results);
    }

    @Override
    DatasetWriter openFileWriter(Path file, LabelMap labels) throws IOException {
        return new CvatWriter(file, labels);
    }
}
