package dev.annotate.core;

import dev.annotate.core.image.Images;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a {@link Detector} turns a model's raw output into annotations. Immutable, validated, with defaults that
 * suit pre-annotation.
 *
 * <p>Post-processing applies the options in this order: {@linkplain #minScore() score threshold},
 * {@linkplain #allowedLabels() allow-list} (on the label-map names), {@linkplain #labelRenames() renaming},
 * clamping to the image, then non-maximum suppression ({@linkplain #nmsIou() IoU},
 * {@linkplain #classAgnosticNms() per class or across classes}, {@linkplain #nestedSuppression() parts inside
 * wholes}) keeping at most
 * {@linkplain #maxDetections() the top K}.
 *
 * <p>Like every options type of the library: start from {@link #defaults()} and change what differs with the
 * {@code withX} methods, each returning new options and refusing a bad value at once, naming it.
 *
 * <pre>{@code
 * DetectorOptions options = DetectorOptions.defaults()
 *         .withMinScore(0.4)
 *         .withAllowedLabels(Set.of("car", "truck"))
 *         .withLabelRenames(Map.of("truck", "car"));
 * }</pre>
 */
public final class DetectorOptions {

    /** Default {@link #minScore()}: the TF Object Detection API's visualisation threshold. */
    public static final double DEFAULT_MIN_SCORE = 0.5;
    /** Default {@link #maxDetections()}: the TF Object Detection API's {@code max_total_detections}. */
    public static final int DEFAULT_MAX_DETECTIONS = 100;
    /** Default {@link #nmsIou()}. */
    public static final double DEFAULT_NMS_IOU = 0.5;
    /** Default {@link #nestedSuppression()}: off. */
    public static final double DEFAULT_NESTED_SUPPRESSION = 1;

    private static final DetectorOptions DEFAULTS = new Values().build();

    private final double minScore;
    private final int maxDetections;
    private final double nmsIou;
    private final boolean classAgnosticNms;
    private final double nestedSuppression;
    private final Optional<Slicing> slicing;
    private final Set<String> allowedLabels;
    private final Map<String, String> labelRenames;
    private final int threads;
    private final long maxPixels;
    private final Optional<DecodeSize> decodeSize;
    private final Optional<LabelMap> labelMap;
    private final Map<Class<? extends BackendOptions>, BackendOptions> backends;

    private DetectorOptions(Values b) {
        this.minScore = b.minScore;
        this.maxDetections = b.maxDetections;
        this.nmsIou = b.nmsIou;
        this.classAgnosticNms = b.classAgnosticNms;
        this.nestedSuppression = b.nestedSuppression;
        this.slicing = Optional.ofNullable(b.slicing);
        this.allowedLabels = Collections.unmodifiableSet(new LinkedHashSet<>(b.allowedLabels));
        this.labelRenames = Collections.unmodifiableMap(new LinkedHashMap<>(b.labelRenames));
        this.threads = b.threads;
        this.maxPixels = b.maxPixels;
        this.decodeSize = Optional.ofNullable(b.decodeSize);
        this.labelMap = Optional.ofNullable(b.labelMap);
        this.backends = Collections.unmodifiableMap(new LinkedHashMap<>(b.backends));
    }

    /** The defaults: every value as documented on its accessor. */
    public static DetectorOptions defaults() {
        return DEFAULTS;
    }

    /** The values of these options, to change one. */
    private Values values() {
        Values b = new Values();
        b.minScore = minScore;
        b.maxDetections = maxDetections;
        b.nmsIou = nmsIou;
        b.classAgnosticNms = classAgnosticNms;
        b.nestedSuppression = nestedSuppression;
        b.slicing = slicing.orElse(null);
        b.allowedLabels.addAll(allowedLabels);
        b.labelRenames.putAll(labelRenames);
        b.threads = threads;
        b.maxPixels = maxPixels;
        b.decodeSize = decodeSize.orElse(null);
        b.labelMap = labelMap.orElse(null);
        b.backends.putAll(backends);
        return b;
    }

    /** These options with another {@link #minScore()}, in {@code [0, 1]}. */
    public DetectorOptions withMinScore(double value) {
        return values().minScore(value).build();
    }

    /** These options with another {@link #maxDetections()}, at least 1. */
    public DetectorOptions withMaxDetections(int value) {
        return values().maxDetections(value).build();
    }

    /** These options with another {@link #nmsIou()}, in {@code [0, 1]}. */
    public DetectorOptions withNmsIou(double value) {
        return values().nmsIou(value).build();
    }

    /** These options with another {@link #classAgnosticNms()}. */
    public DetectorOptions withClassAgnosticNms(boolean value) {
        return values().classAgnosticNms(value).build();
    }

    /** These options with another {@link #nestedSuppression()}, in {@code [0, 1]}. */
    public DetectorOptions withNestedSuppression(double value) {
        return values().nestedSuppression(value).build();
    }

    /** These options with {@link #slicing()}. */
    public DetectorOptions withSlicing(Slicing value) {
        return values().slicing(value).build();
    }

    /** These options with these {@link #allowedLabels()} instead of the earlier ones; no empty label. */
    public DetectorOptions withAllowedLabels(Set<String> labels) {
        return values().allowedLabels(labels).build();
    }

    /** These options with these {@link #labelRenames()} instead of the earlier ones; no empty label. */
    public DetectorOptions withLabelRenames(Map<String, String> renames) {
        return values().labelRenames(renames).build();
    }

    /** These options with another {@link #threads()}, at least 1. */
    public DetectorOptions withThreads(int value) {
        return values().threads(value).build();
    }

    /** These options with another {@link #maxPixels()}, at least 1. */
    public DetectorOptions withMaxPixels(long value) {
        return values().maxPixels(value).build();
    }

    /** These options with a {@link #decodeSize()}. */
    public DetectorOptions withDecodeSize(DecodeSize value) {
        return values().decodeSize(value).build();
    }

    /** These options with a {@link #labelMap()}. */
    public DetectorOptions withLabelMap(LabelMap value) {
        return values().labelMap(value).build();
    }

    /** These options with the options of one backend added, or replacing earlier ones of the same class. */
    public DetectorOptions withBackend(BackendOptions value) {
        return values().backend(value).build();
    }

    /** Detections scoring below this are dropped; in {@code [0, 1]}, default {@value #DEFAULT_MIN_SCORE}. */
    public double minScore() {
        return minScore;
    }

    /** At most this many detections per image, best first; default {@value #DEFAULT_MAX_DETECTIONS}. */
    public int maxDetections() {
        return maxDetections;
    }

    /**
     * Non-maximum suppression drops a box whose IoU with a better-scoring kept box exceeds this; in
     * {@code [0, 1]}, default {@value #DEFAULT_NMS_IOU}. 1 turns suppression off.
     */
    public double nmsIou() {
        return nmsIou;
    }

    /** Whether suppression compares boxes across classes (default: only boxes of the same label). */
    public boolean classAgnosticNms() {
        return classAgnosticNms;
    }

    /**
     * Suppression also drops a box lying at least this share inside (its overlap over its own area) a better-scoring,
     * larger box of the same label ({@linkplain #classAgnosticNms() or of any label}): a part of an object boxed on its
     * own, such as the front of a car inside the car's box. In {@code [0, 1]}; default
     * {@value #DEFAULT_NESTED_SUPPRESSION}, which turns it off, since objects of one class can stand in front of
     * each other.
     */
    public double nestedSuppression() {
        return nestedSuppression;
    }

    /**
     * Run the model on overlapping tiles of large images as well as on the whole, merging the answers (see
     * {@link Slicing}), so that small objects in large photographs are found; empty, the default, for one pass on
     * the whole image. Works with every backend.
     */
    public Optional<Slicing> slicing() {
        return slicing;
    }

    /** Keep only these labels, named as the label map names them (before renaming); empty keeps all. */
    public Set<String> allowedLabels() {
        return allowedLabels;
    }

    /** Label-map name → name to write; labels not in the map keep their name. */
    public Map<String, String> labelRenames() {
        return labelRenames;
    }

    /**
     * Threads one inference may use inside the backend; default 1. Images run side by side
     * ({@code PreAnnotator}'s workers, {@code DatasetPairs.detect}, a server's requests) go fastest with one
     * inference thread each and one image per processor: the default, with which a pipeline's own default runs as
     * many images at once as there are processors (see {@code PreAnnotator.Options#threads()}). For the shortest
     * wait on a single image on an otherwise idle machine, give the number of processors.
     */
    public int threads() {
        return threads;
    }

    /**
     * How many images detected side by side fill the available processors when each inference uses
     * {@link #threads()}: the processors divided by the threads, at least 1. What {@code PreAnnotator} and
     * {@code DatasetPairs.detect} run at once unless told otherwise.
     */
    public int parallelImages() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / threads);
    }

    /** Images with more pixels are refused before decoding; default {@link Images#DEFAULT_MAX_PIXELS}. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * How small a large image may be decoded ({@link DecodeSize}); empty, the default, for what the model says: its
     * fixed input size, or the size a primitive model export resizes every image to, so that large photographs
     * cost a fraction of a full decode without anyone asking. A model that says neither is fed every pixel.
     */
    public Optional<DecodeSize> decodeSize() {
        return decodeSize;
    }

    /** Class names to use instead of those the model ships with, if given. */
    public Optional<LabelMap> labelMap() {
        return labelMap;
    }

    /** The options of one backend, if given. */
    public <T extends BackendOptions> Optional<T> backend(Class<T> type) {
        return Optional.ofNullable(type.cast(backends.get(type)));
    }

    /** The label to write for a label-map name: the renamed one if a rename applies. */
    public String rename(String label) {
        return labelRenames.getOrDefault(label, label);
    }

    /** Whether the allow-list lets this label-map name through. */
    public boolean allows(String label) {
        return allowedLabels.isEmpty() || allowedLabels.contains(label);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorOptions other
                && minScore == other.minScore
                && maxDetections == other.maxDetections
                && nmsIou == other.nmsIou
                && classAgnosticNms == other.classAgnosticNms
                && nestedSuppression == other.nestedSuppression
                && slicing.equals(other.slicing)
                && allowedLabels.equals(other.allowedLabels)
                && labelRenames.equals(other.labelRenames)
                && threads == other.threads
                && maxPixels == other.maxPixels
                && decodeSize.equals(other.decodeSize)
                && labelMap.equals(other.labelMap)
                && backends.equals(other.backends);
    }

    @Override
    public int hashCode() {
        return Objects.hash(minScore, maxDetections, nmsIou, classAgnosticNms, nestedSuppression, slicing,
                allowedLabels, labelRenames,
                threads, maxPixels, decodeSize, labelMap, backends);
    }

    @Override
    public String toString() {
        return "DetectorOptions{minScore=" + minScore + ", maxDetections=" + maxDetections + ", nmsIou=" + nmsIou
                + ", classAgnosticNms=" + classAgnosticNms + ", nestedSuppression=" + nestedSuppression
                + ", slicing=" + slicing + ", allowedLabels=" + allowedLabels + ", labelRenames=" + labelRenames
                + ", threads=" + threads + ", maxPixels=" + maxPixels + ", decodeSize=" + decodeSize
                + ", labelMap=" + labelMap.map(m -> m.size() + " entries").orElse("from model")
                + ", backends=" + backends.values() + "}";
    }

    /** The values being changed; every setter validates its argument at once, naming it. */
    private static final class Values {
        private double minScore = DEFAULT_MIN_SCORE;
        private int maxDetections = DEFAULT_MAX_DETECTIONS;
        private double nmsIou = DEFAULT_NMS_IOU;
        private boolean classAgnosticNms;
        private double nestedSuppression = DEFAULT_NESTED_SUPPRESSION;
        private Slicing slicing;
        private final Set<String> allowedLabels = new LinkedHashSet<>();
        private final Map<String, String> labelRenames = new LinkedHashMap<>();
        private int threads = 1;
        private long maxPixels = Images.DEFAULT_MAX_PIXELS;
        private DecodeSize decodeSize;
        private LabelMap labelMap;
        private final Map<Class<? extends BackendOptions>, BackendOptions> backends = new LinkedHashMap<>();

        Values minScore(double value) {
            minScore = requireUnit("minScore", value);
            return this;
        }

        Values maxDetections(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxDetections (" + value + ") must be >= 1");
            }
            maxDetections = value;
            return this;
        }

        Values nmsIou(double value) {
            nmsIou = requireUnit("nmsIou", value);
            return this;
        }

        Values classAgnosticNms(boolean value) {
            classAgnosticNms = value;
            return this;
        }

        Values nestedSuppression(double value) {
            nestedSuppression = requireUnit("nestedSuppression", value);
            return this;
        }

        Values slicing(Slicing value) {
            slicing = Objects.requireNonNull(value, "slicing");
            return this;
        }

        Values allowedLabels(Set<String> labels) {
            Objects.requireNonNull(labels, "allowedLabels");
            allowedLabels.clear();
            for (String label : labels) {
                allowedLabels.add(requireLabel("allowedLabels", label));
            }
            return this;
        }

        Values labelRenames(Map<String, String> renames) {
            Objects.requireNonNull(renames, "labelRenames");
            labelRenames.clear();
            renames.forEach((from, to) -> labelRenames.put(
                    requireLabel("labelRenames key", from), requireLabel("labelRenames value for " + from, to)));
            return this;
        }

        Values threads(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("threads (" + value + ") must be >= 1");
            }
            threads = value;
            return this;
        }

        Values maxPixels(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxPixels (" + value + ") must be >= 1");
            }
            maxPixels = value;
            return this;
        }

        Values decodeSize(DecodeSize value) {
            decodeSize = Objects.requireNonNull(value, "decodeSize");
            return this;
        }

        Values labelMap(LabelMap value) {
            labelMap = Objects.requireNonNull(value, "labelMap");
            return this;
        }

        Values backend(BackendOptions value) {
            Objects.requireNonNull(value, "backend options");
            backends.put(value.getClass(), value);
            return this;
        }

        DetectorOptions build() {
            return new DetectorOptions(this);
        }

        private static double requireUnit(String name, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(name + " (" + value + ") must be in [0, 1]");
            }
            return value;
        }

        private static String requireLabel(String name, String label) {
            Objects.requireNonNull(label, name);
            if (label.isEmpty()) {
                throw new IllegalArgumentException(name + " must not contain an empty label");
            }
            return label;
        }
    }
}
