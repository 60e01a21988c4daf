package dev.annotate.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An image and its annotations: what one PASCAL VOC file describes.
 *
 * <p>Width and height are those of the displayed frame (EXIF orientation applied), the frame in which the
 * boxes are expressed and in which LabelImg 1.8.4 and later shows the image.
 *
 * <pre>{@code
 * AnnotatedImage image = AnnotatedImage.of("a.jpg", 640, 480, 3,
 *         List.of(Annotation.of("race car", BoundingBox.of(12, 40, 200, 150))));
 * }</pre>
 *
 * @param fileName the image's file name, without directories (VOC {@code <filename>}); like {@code path}, without a
 *     control character XML cannot hold
 * @param path the image's path as recorded by whoever wrote the annotation (VOC {@code <path>}); it may come
 *     from another machine or operating system, so it is kept as text
 * @param width displayed width in pixels, at least 1
 * @param height displayed height in pixels, at least 1
 * @param depth channels: 1 for grayscale, 3 for colour (VOC {@code <depth>}), at least 1
 * @param annotations the boxes, in file order
 * @param verified whether a person marked the annotations as checked (LabelImg's {@code verified="yes"});
 *     never set on machine output
 * @param extras image-level data a format carries and this library does not model, namespaced as in
 *     {@link Annotation#extras()}
 * @param predictedBy the model that wrote these annotations, when a machine wrote them and no person has saved
 *     or changed them since (the format's machine mark, see {@link #checked()}); empty for a person's work. One
 *     line, without surrounding spaces.
 */
public record AnnotatedImage(
        String fileName,
        Optional<String> path,
        int width,
        int height,
        int depth,
        List<Annotation> annotations,
        boolean verified,
        Map<String, String> extras,
        Optional<String> predictedBy) {

    /** Validates every component and copies the collections. */
    public AnnotatedImage {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(path, "path");
        if (fileName.isEmpty()) {
            throw new IllegalArgumentException("fileName must not be empty");
        }
        LabelMap.checkLabel(fileName, "fileName");
        path.ifPresent(p -> LabelMap.checkLabel(p, "path"));
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException(
                    "image size (" + width + "x" + height + ") of " + fileName + " must be at least 1x1");
        }
        if (depth < 1) {
            throw new IllegalArgumentException("depth (" + depth + ") of " + fileName + " must be at least 1");
        }
        annotations = List.copyOf(annotations);
        extras = Annotation.copyOrdered(extras);
        Objects.requireNonNull(predictedBy, "predictedBy");
        predictedBy.ifPresent(m -> {
            if (m.isBlank() || !m.strip().equals(m) || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("predictedBy '" + m + "' of " + fileName
                        + " must name a model on one line, without surrounding spaces");
            }
            LabelMap.checkLabel(m, "predictedBy");
        });
    }

    /** A person's image (not predicted) with everything else as given. */
    public AnnotatedImage(String fileName, Optional<String> path, int width, int height, int depth,
                          List<Annotation> annotations, boolean verified, Map<String, String> extras) {
        this(fileName, path, width, height, depth, annotations, verified, extras, Optional.empty());
    }

    /** An unverified image with no recorded path and no extras. */
    public static AnnotatedImage of(String fileName, int width, int height, int depth, List<Annotation> annotations) {
        return new AnnotatedImage(fileName, Optional.empty(), width, height, depth, annotations, false, Map.of());
    }

    /**
     * Whether a person has checked these annotations: they wrote or saved the file (it carries no machine mark),
     * or verified it. The correction loop trains on checked images and re-predicts only unchecked ones.
     */
    public boolean checked() {
        return verified || predictedBy.isEmpty();
    }

    /**
     * The score of the least confident annotation (one without a score counts as 1), or 0 when there is none: an
     * image the model found nothing in is the first a person should look at.
     */
    public double lowestConfidence() {
        double lowest = annotations.isEmpty() ? 0 : 1;
        for (Annotation a : annotations) {
            lowest = Math.min(lowest, a.confidenceOr(1));
        }
        return lowest;
    }

    /** This image with other annotations, everything else kept. */
    public AnnotatedImage withAnnotations(List<Annotation> newAnnotations) {
        return new AnnotatedImage(fileName, path, width, height, depth, newAnnotations, verified, extras,
                predictedBy);
    }

    /**
     * This image as every writer stores it: each annotation {@linkplain Annotation#fittedTo(int, int) fitted to the
     * image} (clamped, truncated at the border).
     */
    public AnnotatedImage fitted() {
        List<Annotation> inside = new ArrayList<>(annotations.size());
        boolean changed = false;
        for (Annotation a : annotations) {
            Annotation f = a.fittedTo(width, height);
            changed |= f != a;
            inside.add(f);
        }
        return changed ? withAnnotations(inside) : this;
    }

    /** This image with another recorded path. */
    public AnnotatedImage withPath(String newPath) {
        return new AnnotatedImage(fileName, Optional.of(newPath), width, height, depth, annotations, verified, extras,
                predictedBy);
    }

    /** This image with the verified flag set as given. */
    public AnnotatedImage withVerified(boolean isVerified) {
        return new AnnotatedImage(fileName, path, width, height, depth, annotations, isVerified, extras,
                predictedBy);
    }

    /** This image with other image-level extras. */
    public AnnotatedImage withExtras(Map<String, String> newExtras) {
        return new AnnotatedImage(fileName, path, width, height, depth, annotations, verified, newExtras,
                predictedBy);
    }

    /**
     * This image as written by the model {@code model} (a name people recognise, such as
     * {@code round-2/model.onnx}), or as a person's work when empty.
     */
    public AnnotatedImage withPredictedBy(Optional<String> model) {
        return new AnnotatedImage(fileName, path, width, height, depth, annotations, verified, extras, model);
    }
}
