package dev.annotate.core.spi;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.DecodedImage;
import dev.annotate.core.image.Images;
import dev.annotate.core.processing.PostProcessing;
import dev.annotate.core.processing.SlicedInference;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The part of a {@link Detector} every backend shares: the closed state, reading image files, and
 * post-processing per {@link DetectorOptions}. A backend implements {@link #infer(BufferedImage)} (raw
 * candidates with confidences, in the image's pixels) and {@link #release()}.
 *
 * <p>Invariant: inference runs under the read side of a read-write lock and {@link #close()} takes the write
 * side, so closing waits for calls in progress and {@link #release()} never frees a model in use; after close
 * every call fails with {@link IllegalStateException}.
 */
public abstract class AbstractDetector implements Detector {

    private final String description;
    private final LabelMap labelMap;
    private final DetectorOptions options;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /**
     * @param description names the model in messages, for example {@code "ONNX model /models/a.onnx"}
     * @param labelMap the classes the detector names its detections with
     * @param options the options in force
     */
    protected AbstractDetector(String description, LabelMap labelMap, DetectorOptions options) {
        this.description = Objects.requireNonNull(description, "description");
        this.labelMap = Objects.requireNonNull(labelMap, "labelMap");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Runs the model on one image.
     *
     * @return candidate detections in the image's pixel coordinates, each with a confidence and a label-map
     *     name; post-processing (threshold, allow-list, renaming, clamping, NMS, top-K) is applied afterwards
     */
    protected abstract List<Annotation> infer(BufferedImage image);

    /** Frees the model. Called once, when no inference is running. */
    protected abstract void release();

    /**
     * Runs {@link #infer} on the image, or, with {@link DetectorOptions#slicing()}, on the image and its tiles,
     * merged by {@link SlicedInference}; then post-processes.
     */
    @Override
    public final List<Annotation> detect(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return guarded(image.getWidth(), image.getHeight(), () -> options.slicing()
                .map(s -> SlicedInference.candidates(image, s, this::infer, options.minScore()))
                .orElseGet(() -> infer(image)));
    }

    /**
     * Runs an inference of a backend's own making (for example on encoded file bytes) under the same lifecycle
     * guarantees as {@link #detect(BufferedImage)}, then post-processes it.
     *
     * @param width width of the frame the candidates are in
     * @param height height of that frame
     * @param inference candidates with confidences and label-map names
     */
    protected final List<Annotation> guarded(int width, int height,
                                             java.util.function.Supplier<List<Annotation>> inference) {
        lock.readLock().lock();
        try {
            ensureOpen();
            return PostProcessing.apply(inference.get(), width, height, options);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The smallest image the model needs, when it resizes every input to a fixed size (in the backend, or inside
     * the model, as the primitive exports do): {@link #detect(Path)} then decodes large files at reduced resolution
     * (see {@link Images#read(Path, long, int, int)}), unless {@link DetectorOptions#decodeSize()} says otherwise.
     * Empty (the default) decodes every pixel.
     */
    protected Optional<java.awt.Dimension> inputSize() {
        return Optional.empty();
    }

    /**
     * The fewest displayed pixels a decode of a large image must keep: empty to decode every pixel when
     * {@link DetectorOptions#slicing()} is on (tiles need them), else {@link DetectorOptions#decodeSize()} if set,
     * else the model's {@link #inputSize()}. For backends that decode themselves.
     */
    protected final Optional<java.awt.Dimension> decodeSize() {
        if (options.slicing().isPresent()) {
            return Optional.empty();
        }
        return options.decodeSize().map(d -> new java.awt.Dimension(d.width(), d.height())).or(this::inputSize);
    }

    @Override
    public AnnotatedImage detect(Path image) throws IOException {
        ensureOpen();
        Optional<java.awt.Dimension> size = decodeSize();
        DecodedImage decoded = size.isPresent()
                ? Images.read(image, options.maxPixels(), size.get().width, size.get().height)
                : Images.read(image, options.maxPixels());
        List<Annotation> found = detect(decoded.image());
        int s = decoded.subsampling();
        if (s > 1) {
            found = found.stream().map(a -> a.withBox(decoded.header().fromReduced(a.box(), s))).toList();
        }
        return describe(image, decoded, found);
    }

    /** The result record for a decoded image file. */
    protected static AnnotatedImage describe(Path image, DecodedImage decoded, List<Annotation> annotations) {
        return describe(image, decoded.header().width(), decoded.header().height(), decoded.depth(), annotations);
    }

    /**
     * The result record for an image file of this displayed size, for backends that override {@link #detect(Path)}:
     * its name, absolute path, size and depth with the detections, never verified.
     */
    protected static AnnotatedImage describe(Path image, int width, int height, int depth,
                                             List<Annotation> annotations) {
        Path fileName = image.getFileName();
        return new AnnotatedImage(fileName == null ? image.toString() : fileName.toString(),
                Optional.of(image.toAbsolutePath().toString()), width, height, depth, annotations, false, Map.of());
    }

    @Override
    public final LabelMap labelMap() {
        ensureOpen();
        return labelMap;
    }

    @Override
    public final DetectorOptions options() {
        return options;
    }

    /** Throws {@link IllegalStateException} once the detector is closed. */
    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(description + " has been closed");
        }
    }

    @Override
    public final void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return description + (closed ? " (closed)" : "");
    }
}
