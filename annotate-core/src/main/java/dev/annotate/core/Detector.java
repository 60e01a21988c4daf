package dev.annotate.core;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An object detector: image in, {@link Annotation}s out. Obtained from {@link Detectors#open(Path, DetectorOptions)}.
 *
 * <p><b>Thread safety:</b> implementations are safe for concurrent use; one instance should serve every thread
 * of an application, since each holds a loaded model. No native tensor crosses this interface.
 *
 * <p><b>Lifecycle:</b> {@link #close()} releases the model; it waits for calls in progress, may be called
 * more than once, and afterwards every other method throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Detector detector = Detectors.open(Path.of("model/saved_model"), DetectorOptions.defaults())) {
 *     AnnotatedImage result = detector.detect(Path.of("images/0001.jpg"));
 *     for (Annotation a : result.annotations()) {
 *         System.out.println(a.label() + " " + a.confidenceOr(1) + " " + a.box());
 *     }
 * }
 * }</pre>
 */
public interface Detector extends AutoCloseable {

    /**
     * Detects objects in decoded pixels.
     *
     * @param image any {@link BufferedImage}; boxes come back in its pixel coordinates
     * @return the detections after post-processing per {@link #options()}, best first
     * @throws DetectorException if the backend fails
     * @throws IllegalStateException if the detector has been closed
     */
    List<Annotation> detect(BufferedImage image);

    /**
     * Reads an image file (EXIF orientation applied, size limit {@link DetectorOptions#maxPixels()}) and
     * detects objects in it.
     *
     * @return the image's name, absolute path, displayed size and depth with the detections; never verified
     * @throws FormatException if the file is not a readable image, naming it
     * @throws IOException if the file cannot be read
     * @throws DetectorException if the backend fails
     * @throws IllegalStateException if the detector has been closed
     */
    AnnotatedImage detect(Path image) throws IOException;

    /**
     * Detects objects in several images. The default runs {@link #detect(BufferedImage)} for each in turn;
     * backends that batch override it.
     *
     * @return one list per image, in the same order
     */
    default List<List<Annotation>> detectAll(List<? extends BufferedImage> images) {
        List<List<Annotation>> results = new ArrayList<>(images.size());
        for (BufferedImage image : images) {
            results.add(detect(image));
        }
        return results;
    }

    /** The classes this detector names its detections with. */
    LabelMap labelMap();

    /** The options in force. */
    DetectorOptions options();

    /** Releases the model and its native memory. Idempotent; throws nothing checked. */
    @Override
    void close();
}
