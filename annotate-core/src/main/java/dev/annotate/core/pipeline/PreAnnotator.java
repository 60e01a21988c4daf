package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.PerImageFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Pre-annotates a folder tree of images: one annotation file per image, beside it (LabelImg's default) or in a
 * mirrored tree, written atomically, without ever touching a person's work unless told to; or, for a dataset-level
 * format (COCO, Label Studio), one dataset file for the whole tree.
 *
 * <ul>
 *   <li>Walks the tree recursively (common image extensions, symbolic links followed, loops and unreadable
 *       entries reported); refuses, before writing anything, a layout where two images would write the same
 *       annotation file ({@code a.jpg} and {@code a.png} side by side).</li>
 *   <li>{@link Existing} decides what happens to annotation files that already exist.</li>
 *   <li>A bounded pool of {@link Options#threads()} workers takes images from a bounded queue and hands each
 *       result to as many writing threads through another short queue, so decoding, detection and writing (which
 *       waits for the disk) overlap and memory does not grow with the number of images.</li>
 *   <li>A failing image is recorded with its reason and the run goes on. Every write is atomic and stale
 *       temporary files of a killed run are removed, so running again after a crash finishes the job with the
 *       same files an uninterrupted run writes.</li>
 *   <li>Files are not forced to disk one by one but together, when the run ends (and every 4,096 files). A power
 *       loss before that can leave a file of the run empty, zero-filled or cut short; running again predicts such a
 *       file again, whatever the policy: one that holds nothing, or one that carries the
 *       {@linkplain MachineMark machine mark} and cannot be read. Any other unreadable file might be a person's: it
 *       is left alone and noted. (A format that cannot encode a file on its own, such as YOLO, forces each file.)</li>
 * </ul>
 *
 * <h2>Dataset-level formats</h2>
 * With a format that is not a {@link PerImageFormat}, the run writes the format's one
 * {@linkplain AnnotationFormat#datasetFile(Path) dataset file} at the output location (the image folder when none
 * is given), which must be the image folder or a folder above it: image paths in the file are relative to its
 * folder. The guarantees are the same, kept another way:
 * <ul>
 *   <li>The file appears complete, atomically, when the run ends, or not at all: a run that fails or is killed
 *       leaves the previous file (or none) as it was.</li>
 *   <li>Each image's result is appended, as it comes, to a journal beside the file ({@code .<file>.journal});
 *       a run started again after a kill takes the journal's images as done and detects only the rest, then
 *       writes the same file an uninterrupted run writes (images in path order) and deletes the journal.</li>
 *   <li>An existing dataset file is read first and every image in it is judged by {@link Existing} as a file
 *       would be: kept, or predicted again. Images in it that this run does not predict (other folders, failures)
 *       stay as they were. A file holding what the format reads with problems (a region it cannot write back, an
 *       unreadable entry) is refused before anything is done, unless the policy is {@link Existing#OVERWRITE}:
 *       writing it back would lose what it could not read.</li>
 *   <li>The results are held in memory until the file is written (about a kilobyte per image).</li>
 * </ul>
 *
 * <pre>{@code
 * try (Detector detector = Detectors.open(Path.of("model/saved_model"))) {
 *     PreAnnotator.Summary s = PreAnnotator.run(detector, Path.of("new-batch"),
 *             PreAnnotator.Options.defaults(AnnotationFormats.byName("voc")), progress -> { });
 *     System.out.println(s.written() + " written, " + s.failed() + " failed");
 * }
 * }</pre>
 */
public final class PreAnnotator {

    /** Image file extensions the walk picks up (lower case). */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff");

    private static final Logger LOG = LoggerFactory.getLogger(PreAnnotator.class);

    /**
     * How to run.
     *
     * @param format the annotation format to write: per-image, or dataset-level (see the class comment)
     * @param outputDir empty to write beside each image (a dataset-level file: in the image folder); else the root of
     *     a tree mirroring the image tree (a dataset-level format: the file, or its folder)
     * @param existing the policy for existing annotation files
     * @param threads worker threads, or {@link #AUTO_THREADS} (the default): each worker decodes and detects one
     *     image at a time, so the detector's inference threads ({@link DetectorOptions#threads()}) multiply.
     *     {@code AUTO_THREADS} keeps workers x inference threads within the processors ({@link #workers}): with the
     *     detector's default of one inference thread, one worker per processor, the fastest measured (300 images,
     *     2 cores: 1 inference thread x 2 workers 1.53 s, 2 x 2 1.88 s, 2 x 1 2.01 s). A number given is used as it
     *     is, for a detector whose work is not on these processors (a GPU, a remote model)
     * @param reviewListSize how many least-confident images the summary lists
     * @param model the name every written file's machine mark gives the model (see
     *     {@link AnnotatedImage#predictedBy()}), for example from {@link #modelName(String)}
     */
    public record Options(AnnotationFormat format, Optional<Path> outputDir, Existing existing, int threads,
                          int reviewListSize, String model) {

        /** Validates the values. */
        public Options {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(outputDir, "outputDir");
            Objects.requireNonNull(existing, "existing");
            if (threads < 1 && threads != AUTO_THREADS) {
                throw new IllegalArgumentException("threads (" + threads + ") must be >= 1, or AUTO_THREADS");
            }
            if (reviewListSize < 0) {
                throw new IllegalArgumentException("reviewListSize (" + reviewListSize + ") must be >= 0");
            }
            Objects.requireNonNull(model, "model");
            AnnotatedImage.of("check.jpg", 1, 1, 1, List.of()).withPredictedBy(Optional.of(model)); // validates
        }

        /** {@link #threads()} meaning: as many workers as the processors hold beside the detector's threads. */
        public static final int AUTO_THREADS = 0;

        /**
         * Beside each image, skipping existing files, {@linkplain #AUTO_THREADS workers for the processors}, 20
         * images to review first, the model named {@value PreAnnotator#UNNAMED_MODEL} in the machine marks (name it
         * with {@link #withModel(String)}).
         */
        public static Options defaults(AnnotationFormat format) {
            return new Options(format, Optional.empty(), Existing.SKIP, AUTO_THREADS, 20, UNNAMED_MODEL);
        }

        /**
         * The worker threads a run uses with {@code detector}: {@link #threads()} if given, else
         * {@link DetectorOptions#parallelImages() as many as the processors hold} beside its
         * inference threads.
         */
        public int workers(DetectorOptions detector) {
            return threads != AUTO_THREADS ? threads : detector.parallelImages();
        }

        /** These options writing into a mirrored tree under {@code dir}. */
        public Options withOutputDir(Path dir) {
            return new Options(format, Optional.of(dir), existing, threads, reviewListSize, model);
        }

        /** These options with another policy for existing files. */
        public Options withExisting(Existing policy) {
            return new Options(format, outputDir, policy, threads, reviewListSize, model);
        }

        /** These options with another number of worker threads, or {@link #AUTO_THREADS}. */
        public Options withThreads(int n) {
            return new Options(format, outputDir, existing, n, reviewListSize, model);
        }

        /** These options listing up to {@code n} least-confident images in the summary. */
        public Options withReviewListSize(int n) {
            return new Options(format, outputDir, existing, threads, n, model);
        }

        /** These options naming the model {@code name} in every written file's machine mark. */
        public Options withModel(String name) {
            return new Options(format, outputDir, existing, threads, reviewListSize, name);
        }
    }

    /** The model name {@link Options#defaults} puts in machine marks until told another. */
    public static final String UNNAMED_MODEL = "unnamed model";

    /**
     * The name machine marks give a model at {@code path}: its last two path segments, such as
     * {@code round-2/model.onnx} or {@code primitive/saved_model}, enough for a person to tell rounds apart
     * without the file recording where this machine keeps its models. Works for URIs too ({@code s3a://b/m/x.onnx}).
     */
    public static String modelName(String path) {
        List<String> segments = java.util.Arrays.stream(path.replace('\\', '/').split("/")).map(String::strip)
                .filter(segment -> !segment.isEmpty() && !segment.endsWith(":")).toList();
        int n = segments.size();
        return n == 0 ? UNNAMED_MODEL : String.join("/", segments.subList(Math.max(0, n - 2), n));
    }

    /**
     * A progress event, sent after each image.
     *
     * @param total images found by the walk
     * @param written annotation files written
     * @param skipped images whose existing annotation file was kept
     * @param failed images that could not be annotated
     * @param imagesPerSecond images handled per second so far
     * @param eta time left at that rate
     */
    public record Progress(long total, long written, long skipped, long failed, double imagesPerSecond,
                           Duration eta) {
        /** Images handled so far. */
        public long done() {
            return written + skipped + failed;
        }
    }

    /** Receives progress; called from worker threads, one event at a time. */
    @FunctionalInterface
    public interface Listener {
        /**
         * One more image handled. Called from the worker threads, one call at a time and in order (counts never go
         * down), under a lock of the run's own: a listener need not synchronise, and its monitor stays its own.
         */
        void progress(Progress progress);

        /**
         * An annotation file was written for {@code image} with {@code result}; called from the thread that wrote
         * it, possibly concurrently with other calls. For previews and the like; does nothing by default.
         */
        default void written(Path image, AnnotatedImage result) {
        }
    }

    /**
     * An image that could not be annotated, or a walk problem.
     *
     * @param path the image or directory
     * @param reason what went wrong
     */
    public record Failure(Path path, String reason) {
    }

    /**
     * An image whose least confident detection is low, or that got no detection at all: a person should look at it
     * early.
     *
     * @param image the image
     * @param lowestConfidence its least confident detection's score; 0 for an image with no detection, which ranks
     *     first (the model found nothing it was sure of, or nothing at all)
     * @param detections how many detections it got
     */
    public record Doubtful(Path image, double lowestConfidence, int detections) {
    }

    /**
     * What a run did.
     *
     * @param total images found
     * @param written annotation files written
     * @param skipped existing annotation files kept
     * @param failed images that failed
     * @param failures every failure with its reason (walk problems included), in no particular order
     * @param notes existing files left alone for a reason worth knowing (unreadable under SKIP_VERIFIED)
     * @param detectionsPerClass detections written per label
     * @param leastConfident images ranked by their least confident detection, most doubtful first
     * @param timings where the time went
     */
    public record Summary(long total, long written, long skipped, long failed, List<Failure> failures,
                          List<Failure> notes, Map<String, Long> detectionsPerClass, List<Doubtful> leastConfident,
                          Timings timings) {
        /** Copies. */
        public Summary {
            failures = List.copyOf(failures);
            notes = List.copyOf(notes);
            detectionsPerClass = Collections.unmodifiableMap(new TreeMap<>(detectionsPerClass));
            leastConfident = List.copyOf(leastConfident);
            Objects.requireNonNull(timings, "timings");
        }

        /** Wall time of the whole run. */
        public Duration elapsed() {
            return timings.elapsed();
        }

        /** Images handled (written, skipped or failed) per second of wall time. */
        public double imagesPerSecond() {
            double seconds = timings.elapsed().toNanos() / 1e9;
            return seconds > 0 ? (written + skipped + failed) / seconds : 0;
        }
    }

    /**
     * Where a run's time went. The worker figures are summed over the worker threads, so with several threads
     * they can exceed {@code elapsed}; what they leave of {@code elapsed x threads} is waiting and bookkeeping.
     *
     * @param elapsed wall time of the whole run
     * @param counting wall time of the walk, which lists the images and checks the layout, and of opening the output
     * @param detecting worker time in {@link Detector#detect(Path)}: reading and decoding the image, inference
     * @param writing time writing annotation files, on the writing threads, and checking existing ones
     */
    public record Timings(Duration elapsed, Duration counting, Duration detecting, Duration writing) {
        /** Validates. */
        public Timings {
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(counting, "counting");
            Objects.requireNonNull(detecting, "detecting");
            Objects.requireNonNull(writing, "writing");
        }
    }

    private PreAnnotator() {
    }

    /**
     * Pre-annotates every image under {@code imageRoot}.
     *
     * @throws IllegalArgumentException if two images would write the same annotation file (the message lists
     *     them)
     * @throws IOException only if the image root itself cannot be read
     */
    public static Summary run(Detector detector, Path imageRoot, Options options, Listener listener)
            throws IOException {
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(listener, "listener");
        Path root = imageRoot.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new java.nio.file.NotDirectoryException(root.toString());
        }
        Optional<Path> out = options.outputDir().map(p -> p.toAbsolutePath().normalize());
        long start = System.nanoTime();
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

        // one walk lists the images; colliding layouts are refused before anything is written
        ImageTree tree = ImageTree.walk(root, failures);
        PerImageFormat perImage = options.format() instanceof PerImageFormat f ? f : null;
        if (perImage != null) {
            PerImageOutput.refuseCollisions(tree, root, out, perImage);
        }
        List<Failure> notes = Collections.synchronizedList(new ArrayList<>());
        Output output = perImage != null
                ? new PerImageOutput(root, out, options, perImage, detector.labelMap(), notes)
                : DatasetOutput.open(root, out.orElse(root), options, detector.labelMap(), notes);
        Duration counting = Duration.ofNanos(System.nanoTime() - start);

        RunStatistics statistics = new RunStatistics(listener, tree.total(), start, options.reviewListSize(),
                failures);
        boolean written = false;
        try {
            Scheduler.run(detector, output, options.model(), options.workers(detector.options()), tree, statistics);
            output.finish(); // reached only when every image was handled
            written = true;
        } finally {
            if (!written) {
                output.abandon();
            }
        }
        Summary summary = statistics.summary(notes, counting);
        LOG.info("{}: {} images, {} written, {} skipped, {} failed in {}", root, summary.total(), summary.written(),
                summary.skipped(), summary.failed(), summary.elapsed());
        return summary;
    }

    /**
     * Whether the walk picks up a file of this name: one with an extension in {@link #EXTENSIONS}, in any case,
     * after a non-empty base name.
     */
    public static boolean isImageFileName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
