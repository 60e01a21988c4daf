package dev.annotate.voc;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code voc} {@link dev.annotate.core.format.AnnotationFormat}: one LabelImg-compatible {@code .xml} per
 * image, read and written by {@link Voc}. Registered for {@link java.util.ServiceLoader}; class names are stored
 * as text, so the label map is not needed.
 */
public final class VocFormat implements PerImageFormat {

    @Override
    public void prepare() {
        Voc.prepare();
    }

    @Override
    public String name() {
        return "voc";
    }

    @Override
    public String description() {
        return "PASCAL VOC XML, one file per image, as LabelImg writes it";
    }

    @Override
    public String fileExtension() {
        return ".xml";
    }

    @Override
    public ReadResult readFile(Path annotationFile, LabelMap labels) throws IOException {
        try {
            return Voc.read(annotationFile);
        } catch (FormatException e) {
            return ReadResult.failed(new Problem(annotationFile, e.position().orElse(""), e.problem()));
        }
    }

    @Override
    public void writeFile(AnnotatedImage image, Path annotationFile, LabelMap labels) throws IOException {
        Voc.write(image, annotationFile);
    }

    /** {@link Voc#toBytes} and {@link Voc#parse}: a VOC file holds everything about its image. */
    @Override
    public Optional<Codec> codec() {
        return Optional.of(CODEC);
    }

    private static final Codec CODEC = new Codec() {
        @Override
        public byte[] encode(AnnotatedImage image, LabelMap labels) {
            return Voc.toBytes(image);
        }

        @Override
        public ReadResult decode(byte[] content, Path source, LabelMap labels) {
            try {
                return Voc.parse(content, source);
            } catch (FormatException e) {
                return ReadResult.failed(new Problem(source, e.position().orElse(""), e.problem()));
            }
        }
    };
}
