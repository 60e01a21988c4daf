package dev.annotate.tf;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.DetectorException;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.ImageTooLargeException;
import dev.annotate.core.image.Images;
import dev.annotate.core.spi.AbstractDetector;
import dev.annotate.tf.JpegTensors;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A TF Object Detection API model (SavedModel signature or frozen graph) behind the {@link
 * dev.annotate.core.Detector} API. TensorFlow sessions are thread-safe; every input tensor and {@link Result} is
 * closed inside the call.
 *
 * <p>Images are fed at their own size (the OD API resizes inside the model): uint8 input gets one copy of the
 * RGB bytes, float input the same values as floats, string input the encoded file bytes. With string input
 * TensorFlow decodes the stored pixels, ignoring EXIF, so {@link #detect(Path)} maps the boxes into the
 * displayed frame (FORMATS.md section 6). A JPEG file for a uint8 model is decoded by TensorFlow straight into
 * the input tensor, turned per EXIF in the graph ({@link JpegTensors}): the same pixels as ImageIO gives, about
 * twice as fast, with no copy through Java.
 */
final class TensorFlowDetector extends AbstractDetector {

    /** Runs the model on one input tensor and returns the four outputs. */
    interface Runner extends AutoCloseable {
        Outputs run(Tensor input);

        @Override
        void close();
    }

    /** The OD API outputs of one call, read out of their tensors. */
    record Outputs(float[] boxes, float[] scores, float[] classes, int count) {
    }

    private final Runner runner;
    private final DataType inputType;
    private final LabelMap labels;
    private final Path model;
    /** TensorFlow's JPEG decoder feeding uint8 models; null for other input types. */
    private final JpegTensors jpeg;

    /** The size the model states it resizes every image to, if it does. */
    private final Optional<java.awt.Dimension> inputSize;

    TensorFlowDetector(Path model, String description, Runner runner, DataType inputType,
                       Optional<java.awt.Dimension> inputSize, LabelMap labels, DetectorOptions options) {
        super(description, labels, options);
        this.model = model;
        this.runner = runner;
        this.inputType = inputType;
        this.inputSize = inputSize;
        this.labels = labels;
        this.jpeg = inputType == DataType.DT_UINT8 ? new JpegTensors() : null;
    }

    DataType inputType() {
        return inputType;
    }

    @Override
    protected Optional<java.awt.Dimension> inputSize() {
        return inputSize;
    }

    @Override
    protected List<Annotation> infer(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        try (Tensor input = switch (inputType) {
            case DT_UINT8 -> ImageTensors.uint8(image);
            case DT_FLOAT -> float32(image);
            case DT_STRING -> encoded(png(image));
            default -> throw new AssertionError(inputType);
        }) {
            return candidates(run(input, "an image of " + w + "x" + h), w, h, ExifOrientation.NORMAL);
        }
    }

    /**
     * String-input models get the file's bytes as they are; uint8 models get a JPEG file decoded by TensorFlow
     * straight into their input tensor (see {@link JpegTensors}: the same pixels as ImageIO, faster); other files
     * and models, and sliced inference ({@link dev.annotate.core.DetectorOptions#slicing()}), get the decoded,
     * turned pixels.
     */
    @Override
    public AnnotatedImage detect(Path image) throws IOException {
        if (inputType != DataType.DT_STRING && inputType != DataType.DT_UINT8 || options().slicing().isPresent()) {
            return super.detect(image); // tiles are cut from decoded pixels
        }
        ensureOpen();
        byte[] bytes = Files.readAllBytes(image);
        ImageHeader header = Images.probe(bytes, image);
        if (header.pixels() > options().maxPixels()) {
            throw new ImageTooLargeException(image, header.storedWidth(), header.storedHeight(), options().maxPixels());
        }
        if (inputType == DataType.DT_UINT8) {
            if (!header.format().equals("jpeg")) {
                return super.detect(image);
            }
            int w = header.width();
            int h = header.height();
            int r = decodeSize().map(d -> JpegTensors.ratio(w, h, d.width, d.height)).orElse(1);
            ImageHeader reduced = header.reduced(r); // libjpeg's scaled sides
            Optional<List<Annotation>> found = jpeg.decode(bytes, header.orientation(), r, pixels -> guarded(w, h,
                    () -> candidates(run(pixels, image.toString()), reduced.width(), reduced.height(),
                            ExifOrientation.NORMAL).stream().map(a -> a.withBox(header.fromReduced(a.box(), r)))
                            .toList()));
            return found.isPresent() ? describe(image, w, h, 3, found.get()) : super.detect(image);
        }
        List<Annotation> found = guarded(header.width(), header.height(), () -> {
            try (TString input = encoded(bytes)) {
                // TensorFlow decoded the stored pixels: boxes come back in that frame
                return candidates(run(input, image.toString()), header.storedWidth(), header.storedHeight(),
                        header.orientation());
            }
        });
        return describe(image, header.width(), header.height(), 3, found);
    }

    /**
     * Runs the model. TensorFlow reports failures as {@link org.tensorflow.exceptions.TensorFlowException} and,
     * for some status codes, as standard exceptions ({@code TFInvalidArgumentException} is an
     * {@link IllegalArgumentException}): every one becomes a {@link DetectorException} naming model and image.
     */
    private Outputs run(Tensor input, String image) {
        try {
            return runner.run(input);
        } catch (DetectorException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DetectorException("TensorFlow failed on " + model + " for " + image + ": " + e.getMessage(), e);
        }
    }

    private List<Annotation> candidates(Outputs out, int w, int h, ExifOrientation orientation) {
        double minScore = options().minScore();
        List<Annotation> list = new ArrayList<>();
        for (int i = 0; i < out.count(); i++) {
            if (out.scores()[i] < minScore) {
                continue;
            }
            double y1 = out.boxes()[4 * i] * (double) h;
            double x1 = out.boxes()[4 * i + 1] * (double) w;
            double y2 = out.boxes()[4 * i + 2] * (double) h;
            double x2 = out.boxes()[4 * i + 3] * (double) w;
            BoundingBox box = BoundingBox.of(Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2));
            box = orientation.toDisplayed(box, w, h);
            double score = Math.min(1, Math.max(0, out.scores()[i]));
            list.add(Annotation.predicted(labels.nameOf(Math.round(out.classes()[i])), box, score));
        }
        return list;
    }

    private static TFloat32 float32(BufferedImage image) {
        byte[] bgr = Images.bgrBytes(image);
        float[] rgb = new float[bgr.length];
        for (int i = 0; i < bgr.length; i += 3) {
            rgb[i] = bgr[i + 2] & 0xFF;
            rgb[i + 1] = bgr[i + 1] & 0xFF;
            rgb[i + 2] = bgr[i] & 0xFF;
        }
        TFloat32 t = TFloat32.tensorOf(Shape.of(1, image.getHeight(), image.getWidth(), 3));
        t.asRawTensor().data().asFloats().write(rgb);
        return t;
    }

    /** The OD API's encoded_image_string_tensor: a vector of one encoded image. */
    private static TString encoded(byte[] bytes) {
        return TString.tensorOfBytes(NdArrays.vectorOfObjects(bytes));
    }

    /** For string-input models called with decoded pixels: a lossless encoding of them. */
    private static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void release() {
        runner.close();
        if (jpeg != null) {
            jpeg.close();
        }
    }

    static FormatException missing(Path model, String what, Object available) {
        return new FormatException(model, null, what + "; the model has " + available);
    }
}
