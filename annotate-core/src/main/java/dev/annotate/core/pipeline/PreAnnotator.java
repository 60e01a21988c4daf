package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

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
 *             PreAnnotator.Options.of(AnnotationFormats.byName("voc")), progress -> { });
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
        public static Options of(AnnotationFormat format) {
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

    /** The model name {@link Options#of} puts in machine marks until told another. */
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
     * @param counting wall time of the first walk, which counts the images and checks the layout
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

        // pass 1: count, and refuse colliding layouts before anything is written
        Map<Path, List<Path>> collisions = new TreeMap<>();
        long[] total = {0};
        PerImageFormat perImage = options.format() instanceof PerImageFormat f ? f : null;
        walk(root, failures, dir -> {
            Map<String, Path> seen = new HashMap<>();
            for (Path image : imagesIn(dir)) {
                total[0]++;
                if (perImage == null) {
                    continue;
                }
                String annotation = perImage.annotationFileName(image.getFileName().toString());
                Path other = seen.putIfAbsent(annotation, image);
                if (other != null) {
                    collisions.computeIfAbsent(target(root, out, image, perImage), k -> new ArrayList<>(
                            List.of(other))).add(image);
                }
            }
        });
        if (!collisions.isEmpty()) {
            StringBuilder sb = new StringBuilder("images would overwrite each other's annotation files:");
            collisions.entrySet().stream().limit(20).forEach(e -> sb.append("\n  ").append(e.getKey())
                    .append(" <- ").append(e.getValue()));
            if (collisions.size() > 20) {
                sb.append("\n  ... and ").append(collisions.size() - 20).append(" more");
            }
            throw new IllegalArgumentException(sb.append("\nrename or move one image of each pair").toString());
        }

        List<Failure> notes = Collections.synchronizedList(new ArrayList<>());
        Output output = perImage != null ? new FileOutput(root, out, options, perImage, detector.labelMap(), notes)
                : DatasetOutput.open(root, out.orElse(root), options, detector.labelMap(), notes);
        Duration counting = Duration.ofNanos(System.nanoTime() - start);

        // pass 2: stream the images through a bounded queue to the workers
        int threads = options.workers(detector.options());
        Run run = new Run(detector, output, options, threads, listener, total[0], start, failures);
        BlockingQueue<Path> queue = new ArrayBlockingQueue<>(2 * threads);
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "pre-annotator");
            t.setDaemon(true);
            return t;
        });
        Path poison = root.resolve(".end-of-images"); // compared by identity: no walked path is this object
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            running.add(workers.submit(() -> {
                for (Path image = take(queue); image != poison; image = take(queue)) {
                    run.handle(image);
                }
                return null;
            }));
        }
        boolean written = false;
        try {
            try {
                walk(root, new ArrayList<>(), dir -> {
                    List<Path> inDir = imagesIn(dir);
                    if (!inDir.isEmpty()) {
                        output.beforeDirectory(inDir.get(0)); // before its images are queued
                    }
                    for (Path image : inDir) {
                        if (!offer(queue, image, running)) {
                            // a worker died: stop walking; the Future below reports why, replacing this
                            throw new IllegalStateException("a pre-annotation worker failed");
                        }
                    }
                });
            } finally {
                for (int i = 0; i < threads; i++) {
                    offer(queue, poison, running);
                }
                try {
                    for (Future<?> f : running) {
                        try {
                            f.get();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            workers.shutdownNow();
                            throw new java.io.InterruptedIOException("pre-annotation interrupted");
                        } catch (java.util.concurrent.ExecutionException e) {
                            workers.shutdownNow();
                            throw new IllegalStateException("a pre-annotation worker failed", e.getCause());
                        }
                    }
                    workers.shutdown();
                } finally {
                    run.finishWriting(); // whatever happened, handed-over results are written, not abandoned
                }
            }
            output.finish(); // reached only when every image was handled
            written = true;
        } finally {
            if (!written) {
                output.abandon();
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("{}: {} images, {} written, {} skipped, {} failed in {}", root, total[0], run.written.get(),
                run.skipped.get(), run.failed.get(), elapsed);
        return new Summary(total[0], run.written.get(), run.skipped.get(), run.failed.get(), failures, notes,
                run.perClass(), run.doubtful(), new Timings(elapsed, counting, Duration.ofNanos(run.detecting.get()),
                        Duration.ofNanos(run.writing.get())));
    }

    private static Path take(BlockingQueue<Path> queue) throws InterruptedException {
        return queue.take();
    }

    /**
     * Queues {@code p} for the workers, waiting while the queue is full; gives up, returning false, when a worker
     * has ended, which before the end of the images happens only when it died of an {@link Error} (a bug, memory
     * exhausted): the others might not take every image, and waiting on would hang the run. The caller's
     * {@code Future.get} then reports the error.
     */
    private static boolean offer(BlockingQueue<Path> queue, Path p, List<Future<?>> workers) {
        try {
            while (!queue.offer(p, 50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (workers.stream().anyMatch(Future::isDone)) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing images", e);
        }
    }

    /** Where a run's results go: one file per image, or one dataset file ({@link DatasetOutput}). */
    interface Output {
        /** Called once per folder, before its images are queued, with the first of them. */
        void beforeDirectory(Path firstImage) throws IOException;

        /**
         * On a worker, what to do with an image: empty to detect it; an empty inner value to keep what exists
         * (skipped); else the result an earlier run left (resumed, counted as written).
         */
        Optional<Optional<AnnotatedImage>> plan(Path image) throws IOException;

        /** On a writing thread: keeps a fresh result. */
        void write(Path image, AnnotatedImage result) throws IOException;

        /** After every image was handled and written. */
        void finish() throws IOException;

        /** Instead of {@link #finish()}, when the run stops on an error. */
        void abandon();
    }

    /** One annotation file per image, beside it or in a mirrored tree. */
    private static final class FileOutput implements Output {
        private static final int SYNC_BATCH = 4096;
        private final Path root;
        private final Optional<Path> out;
        private final Options options;
        private final PerImageFormat format;
        private final dev.annotate.core.LabelMap labels;
        private final List<Failure> notes;
        /** Files written and not yet forced to disk; forced in batches of {@link #SYNC_BATCH} and at the end. */
        private final List<Path> unsynced = new ArrayList<>();

        FileOutput(Path root, Optional<Path> out, Options options, PerImageFormat format,
                   dev.annotate.core.LabelMap labels, List<Failure> notes) {
            this.root = root;
            this.out = out;
            this.options = options;
            this.format = format;
            this.labels = labels;
            this.notes = notes;
        }

        @Override
        public void beforeDirectory(Path firstImage) throws IOException {
            removeStaleTemporaries(target(root, out, firstImage, format).getParent(), format);
        }

        @Override
        public Optional<Optional<AnnotatedImage>> plan(Path image) {
            Path target = target(root, out, image, format);
            return Files.exists(target) && !mayReplace(target) ? Optional.of(Optional.empty()) : Optional.empty();
        }

        @Override
        public void write(Path image, AnnotatedImage result) throws IOException {
            Path target = target(root, out, image, format);
            Files.createDirectories(target.getParent());
            Optional<PerImageFormat.Codec> codec = format.codec();
            if (codec.isEmpty()) { // a format whose file depends on more than the image (YOLO)
                format.writeFile(result, target, labels);
                return;
            }
            AtomicFiles.writeUnsynced(target, codec.get().encode(result, labels));
            List<Path> batch = null;
            synchronized (unsynced) {
                unsynced.add(target);
                if (unsynced.size() >= SYNC_BATCH) {
                    batch = new ArrayList<>(unsynced);
                    unsynced.clear();
                }
            }
            if (batch != null) {
                AtomicFiles.sync(batch);
            }
        }

        @Override
        public void finish() throws IOException {
            syncRest();
        }

        @Override
        public void abandon() {
            try {
                syncRest();
            } catch (IOException e) {
                LOG.warn("annotation files written before the run stopped could not be forced to disk: {}",
                        e.toString());
            }
        }

        /** The file whose bytes are in hand, parsed from them where the format can, else read again. */
        private ReadResult read(Path target, byte[] content) throws IOException {
            Optional<PerImageFormat.Codec> codec = format.codec();
            return codec.isPresent() ? codec.get().decode(content, target, labels) : format.readFile(target, labels);
        }

        private void syncRest() throws IOException {
            List<Path> rest;
            synchronized (unsynced) {
                rest = new ArrayList<>(unsynced);
                unsynced.clear();
            }
            AtomicFiles.sync(rest);
        }

        /** Whether the policy lets this run replace an existing annotation file (see {@link Existing}). */
        private boolean mayReplace(Path target) {
            Existing.Decision d = options.existing().decide(new Existing.Source() {
                @Override
                public byte[] bytes() throws IOException {
                    return Files.readAllBytes(target);
                }

                @Override
                public ReadResult parse(byte[] bytes) throws IOException {
                    return read(target, bytes);
                }
            });
            if (d.notable()) {
                notes.add(new Failure(target, d.reason()));
            }
            return d.replace();
        }
    }

    /** The annotation file for an image: beside it, or at the same relative place under the output folder. */
    static Path target(Path root, Optional<Path> out, Path image, PerImageFormat format) {
        Path dir = out.map(o -> o.resolve(root.relativize(image.getParent()))).orElse(image.getParent());
        return dir.resolve(format.annotationFileName(image.getFileName().toString()));
    }

    /**
     * A run killed while writing leaves {@code .name<ext>.<random>.tmp} files (see {@code AtomicFiles}) in an
     * output directory: never a result, removed before the directory's images are handled.
     */
    private static void removeStaleTemporaries(Path dir, PerImageFormat format) throws IOException {
        String marker = format.fileExtension() + ".";
        removeTemporaries(dir, n -> n.startsWith(".") && n.endsWith(".tmp") && n.contains(marker));
    }

    /** Deletes the files directly in {@code dir} whose names {@code stale} accepts; nothing if there is no dir. */
    static void removeTemporaries(Path dir, java.util.function.Predicate<String> stale) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir,
                p -> stale.test(p.getFileName().toString()))) {
            for (Path p : found) {
                Files.deleteIfExists(p);
            }
        }
    }

    @FunctionalInterface
    private interface DirectoryAction {
        void accept(Path dir) throws IOException;
    }

    /** Visits every directory under root (links followed; loops and unreadable entries become failures). */
    private static void walk(Path root, List<Failure> failures, DirectoryAction action) throws IOException {
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        try {
                            action.accept(dir);
                        } catch (IOException e) {
                            failures.add(new Failure(dir, dir + ": directory cannot be listed: " + why(e)));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        failures.add(new Failure(file, e instanceof FileSystemLoopException
                                ? file + ": symbolic link loop (back to " + realPath(file) + "); not followed"
                                : file + ": cannot be read: " + why(e)));
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    private static String why(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static String realPath(Path link) {
        try {
            return link.toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return "a folder above it";
        }
    }

    /**
     * Whether the walk picks up a file of this name: one with an extension in {@link #EXTENSIONS}, in any case,
     * after a non-empty base name.
     */
    public static boolean isImageFileName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The images directly in a directory, sorted by name. */
    private static List<Path> imagesIn(Path dir) throws IOException {
        List<Path> images = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (isImageFileName(p.getFileName().toString()) && Files.isRegularFile(p)) {
                    images.add(p);
                }
            }
        }
        Collections.sort(images);
        return images;
    }

    /** One run's shared state; every method is safe to call from any worker. */
    private static final class Run {
        private final Detector detector;
        private final Output output;
        private final Options options;
        private final Listener listener;
        /** Serialises progress calls; never the listener's own monitor, which is the caller's. */
        private final Object progressLock = new Object();
        private final long total;
        private final long start;
        private final List<Failure> failures;
        private final AtomicLong written = new AtomicLong();
        private final AtomicLong skipped = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong detecting = new AtomicLong();
        private final AtomicLong writing = new AtomicLong();
        /**
         * Write annotation files for the workers, as many threads as workers, with a short bounded queue: when it
         * is full the worker writes itself, so results never pile up in memory.
         */
        private final java.util.concurrent.ThreadPoolExecutor writers;
        private final Map<String, AtomicLong> perClass = new java.util.concurrent.ConcurrentHashMap<>();
        /** The least confident images so far, the most confident of them on top, bounded. */
        private final PriorityQueue<Doubtful> doubtful =
                new PriorityQueue<>((a, b) -> Double.compare(b.lowestConfidence(), a.lowestConfidence()));

        Run(Detector detector, Output output, Options options, int threads, Listener listener, long total,
            long start, List<Failure> failures) {
            this.detector = detector;
            this.output = output;
            this.options = options;
            this.listener = listener;
            this.total = total;
            this.start = start;
            this.failures = failures;
            this.writers = new java.util.concurrent.ThreadPoolExecutor(threads, threads, 0,
                    java.util.concurrent.TimeUnit.SECONDS, new ArrayBlockingQueue<>(2 * threads), r -> {
                        Thread t = new Thread(r, "pre-annotator-writer");
                        t.setDaemon(true);
                        return t;
                    }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
        }

        /** On a worker: the existing-file policy, then detection; the writing is handed to {@link #writers}. */
        void handle(Path image) {
            long t0 = System.nanoTime();
            try {
                Optional<Optional<AnnotatedImage>> plan = output.plan(image);
                long t1 = System.nanoTime();
                writing.addAndGet(t1 - t0);
                if (plan.isEmpty()) {
                    AnnotatedImage result = detector.detect(image).withPredictedBy(Optional.of(options.model()));
                    detecting.addAndGet(System.nanoTime() - t1);
                    writers.execute(() -> write(image, result));
                    return; // the writer reports
                }
                if (plan.get().isPresent()) { // done by an earlier run: counts as written by this one
                    written(image, plan.get().get());
                } else {
                    skipped.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                fail(image, e);
            }
            report();
        }

        /**
         * On a writing thread (or on the worker, when the writers are behind): the atomic write, then the
         * bookkeeping. Forcing a file to disk is mostly waiting, so the next image is decoded meanwhile.
         */
        private void write(Path image, AnnotatedImage result) {
            long t0 = System.nanoTime();
            try {
                output.write(image, result);
                written(image, result);
            } catch (IOException | RuntimeException e) {
                fail(image, e);
            } finally {
                writing.addAndGet(System.nanoTime() - t0);
            }
            report();
        }

        private void written(Path image, AnnotatedImage result) {
            record(image, result);
            written.incrementAndGet();
            listener.written(image, result);
        }

        private void fail(Path image, Exception e) {
            failed.incrementAndGet();
            failures.add(new Failure(image, e.getMessage() == null ? e.toString() : e.getMessage()));
            LOG.debug("{} failed", image, e);
        }

        /** Waits until every handed-over write is done. */
        void finishWriting() throws java.io.InterruptedIOException {
            writers.shutdown();
            try {
                while (!writers.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    LOG.debug("still writing annotation files");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                writers.shutdownNow();
                throw new java.io.InterruptedIOException("pre-annotation interrupted while writing");
            }
        }

        private void record(Path image, AnnotatedImage result) {
            for (Annotation a : result.annotations()) {
                perClass.computeIfAbsent(a.label(), k -> new AtomicLong()).incrementAndGet();
            }
            if (options.reviewListSize() > 0) {
                synchronized (doubtful) {
                    doubtful.add(new Doubtful(image, result.lowestConfidence(), result.annotations().size()));
                    if (doubtful.size() > options.reviewListSize()) {
                        doubtful.poll();
                    }
                }
            }
        }

        private void report() {
            synchronized (progressLock) { // counts read under the lock, so events arrive in order
                long w = written.get();
                long s = skipped.get();
                long f = failed.get();
                double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
                double rate = (w + s + f) / seconds;
                long left = Math.max(0, total - w - s - f);
                Duration eta = rate > 0 ? Duration.ofMillis((long) (left / rate * 1000)) : Duration.ZERO;
                listener.progress(new Progress(total, w, s, f, rate, eta));
            }
        }

        Map<String, Long> perClass() {
            Map<String, Long> m = new TreeMap<>();
            perClass.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }

        List<Doubtful> doubtful() {
            synchronized (doubtful) {
                List<Doubtful> list = new ArrayList<>(doubtful);
                list.sort((a, b) -> Double.compare(a.lowestConfidence(), b.lowestConfidence()));
                return list;
            }
        }
    }
}
