package dev.annotate.spark;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.Slicing;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.TextFiles;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.formats.YoloFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;


/**
 * {@link PreAnnotator} as an Apache Spark job: the same annotation files, byte for byte, in the same places, for
 * image trees larger than one machine, on any Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:},
 * {@code gs:}, {@code abfs:}: whatever connectors the cluster has).
 *
 * <ul>
 *   <li>The driver lists the images (paths only, never their bytes), refuses a layout where two images would
 *       write one annotation file, and slices the sorted list into partitions of equal file counts.</li>
 *   <li>Each executor JVM opens the model once and shares it between its tasks ({@link ExecutorModels}); a model
 *       on a remote file system is copied once per machine.</li>
 *   <li>Files are written atomically through the Hadoop FileSystem API ({@link HadoopFiles}: a temporary file
 *       and a rename, or a direct write on object stores), under the same existing-file policy as the command
 *       line: a rerun after a failed or killed job completes the rest and changes nothing already done, and a
 *       person's file is never overwritten unless {@link Existing#OVERWRITE} says so. Retried and speculative
 *       task attempts leave one complete file with the same content.</li>
 *   <li>The result is a cached {@link Dataset} with one row per image ({@link #SCHEMA}), for SQL over the
 *       predictions, and a {@link Summary} like the command line's.</li>
 * </ul>
 *
 * <pre>{@code
 * try (SparkPreAnnotator.Result r = SparkPreAnnotator.run(spark, "hdfs:///models/m.onnx", "hdfs:///batch-7",
 *         Optional.of("hdfs:///batch-7-voc"), SparkPreAnnotator.Options.defaults())) {
 *     r.images().createOrReplaceTempView("predictions");
 *     spark.sql("SELECT path FROM predictions WHERE status = 'failed'").show();
 * }
 * }</pre>
 */
public final class SparkPreAnnotator {

    /** Status of an image whose annotation file this job wrote. */
    public static final String WRITTEN = "written";
    /** Status of an image whose existing annotation file was kept. */
    public static final String SKIPPED = "skipped";
    /** Status of an image that could not be annotated. */
    public static final String FAILED = "failed";

    /** A detection: label, score (null for none), pixel corners in the displayed image. */
    public static final StructType DETECTION = new StructType()
            .add("label", DataTypes.StringType, false)
            .add("score", DataTypes.DoubleType, true)
            .add("xmin", DataTypes.DoubleType, false)
            .add("ymin", DataTypes.DoubleType, false)
            .add("xmax", DataTypes.DoubleType, false)
            .add("ymax", DataTypes.DoubleType, false);

    /**
     * One row per image: its path, its annotation file, the status ({@value #WRITTEN}, {@value #SKIPPED} or
     * {@value #FAILED}), the reason (why it failed or was skipped; when written, what the file it replaced held if
     * that was a power loss's leftovers, else null), the displayed width and height (null unless written) and the
     * detections written.
     */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("annotation", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("reason", DataTypes.StringType, true)
            .add("width", DataTypes.IntegerType, true)
            .add("height", DataTypes.IntegerType, true)
            .add("detections", DataTypes.createArrayType(DETECTION, false), false);

    private static final Logger LOG = LoggerFactory.getLogger(SparkPreAnnotator.class);

    /**
     * How to run: the command line's options.
     *
     * @param format the per-image format's name ({@code voc}, {@code yolo}, ...): one that encodes a file on its own
     *     ({@link PerImageFormat#codec()}), or YOLO, whose {@code classes.txt} the driver writes once per output
     *     folder before the tasks run (see {@link SparkPreAnnotator#run})
     * @param minScore the minimum score
     * @param labels a label map ({@code .pbtxt}) on any Hadoop file system, else the one found with the model
     * @param existing the policy for existing annotation files
     * @param threads inference threads of each executor's shared model; empty for {@code spark.task.cpus}, so
     *     that concurrent tasks x threads stay within the executor's cores
     * @param partitions how many partitions of equal image counts; empty for four per default parallelism
     * @param reviewListSize how many least-confident images the summary lists
     * @param slicing sliced inference for large images ({@link DetectorOptions#slicing()}), if wanted
     */
    public record Options(String format, double minScore, Optional<String> labels, Existing existing,
                          OptionalInt threads, OptionalInt partitions, int reviewListSize,
                          Optional<Slicing> slicing) {

        /** Validates. */
        public Options {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(labels, "labels");
            Objects.requireNonNull(existing, "existing");
            Objects.requireNonNull(threads, "threads");
            Objects.requireNonNull(partitions, "partitions");
            Objects.requireNonNull(slicing, "slicing");
            if (!(minScore >= 0 && minScore <= 1)) {
                throw new IllegalArgumentException("minScore (" + minScore + ") must be in [0, 1]");
            }
            if (threads.isPresent() && threads.getAsInt() < 1) {
                throw new IllegalArgumentException("threads (" + threads.getAsInt() + ") must be >= 1");
            }
            if (partitions.isPresent() && partitions.getAsInt() < 1) {
                throw new IllegalArgumentException("partitions (" + partitions.getAsInt() + ") must be >= 1");
            }
            if (reviewListSize < 0) {
                throw new IllegalArgumentException("reviewListSize (" + reviewListSize + ") must be >= 0");
            }
        }

        /** VOC, minimum score 0.5, the model's label map, skip existing files, automatic threads and partitions. */
        public static Options defaults() {
            return new Options("voc", 0.5, Optional.empty(), Existing.SKIP, OptionalInt.empty(), OptionalInt.empty(),
                    20, Optional.empty());
        }

        /** These options with another format. */
        public Options withFormat(String name) {
            return new Options(name, minScore, labels, existing, threads, partitions, reviewListSize, slicing);
        }

        /** These options with another minimum score. */
        public Options withMinScore(double score) {
            return new Options(format, score, labels, existing, threads, partitions, reviewListSize, slicing);
        }

        /** These options naming the classes with this label map. */
        public Options withLabels(String labelMapUri) {
            return new Options(format, minScore, Optional.of(labelMapUri), existing, threads, partitions,
                    reviewListSize, slicing);
        }

        /** These options with another existing-file policy. */
        public Options withExisting(Existing policy) {
            return new Options(format, minScore, labels, policy, threads, partitions, reviewListSize, slicing);
        }

        /** These options with this many inference threads per executor model. */
        public Options withThreads(int n) {
            return new Options(format, minScore, labels, existing, OptionalInt.of(n), partitions, reviewListSize,
                    slicing);
        }

        /** These options with this many partitions. */
        public Options withPartitions(int n) {
            return new Options(format, minScore, labels, existing, threads, OptionalInt.of(n), reviewListSize,
                    slicing);
        }

        /** These options listing up to {@code n} least-confident images in the summary. */
        public Options withReviewListSize(int n) {
            return new Options(format, minScore, labels, existing, threads, partitions, n, slicing);
        }

        /** These options running the model on tiles of large images too ({@link DetectorOptions#slicing()}). */
        public Options withSlicing(Slicing s) {
            return new Options(format, minScore, labels, existing, threads, partitions, reviewListSize,
                    Optional.of(s));
        }
    }

    /**
     * An image that could not be annotated.
     *
     * @param path the image
     * @param reason what went wrong
     */
    public record Failure(String path, String reason) implements java.io.Serializable {
    }

    /**
     * An image a person should look at early.
     *
     * @param image the image
     * @param lowestConfidence its least confident detection's score
     * @param detections how many detections it got
     */
    public record Doubtful(String image, double lowestConfidence, int detections) implements java.io.Serializable {
    }

    /**
     * What a job did.
     *
     * @param total images found
     * @param written annotation files written
     * @param skipped existing annotation files kept
     * @param failed images that failed
     * @param failures the first failures by path, at most 1,000 (the rows hold all)
     * @param detectionsPerClass detections written per label
     * @param leastConfident images ranked by their least confident detection, most doubtful first
     * @param partitions how many partitions the images were sliced into
     * @param elapsed wall time on the driver from after the model opened (as the command line counts), listing
     *     included
     */
    public record Summary(long total, long written, long skipped, long failed, List<Failure> failures,
                          Map<String, Long> detectionsPerClass, List<Doubtful> leastConfident, int partitions,
                          Duration elapsed) {
        /** Copies. */
        public Summary {
            failures = List.copyOf(failures);
            detectionsPerClass = java.util.Collections.unmodifiableMap(new TreeMap<>(detectionsPerClass));
            leastConfident = List.copyOf(leastConfident);
            Objects.requireNonNull(elapsed, "elapsed");
        }

        /** Images handled per second of wall time. */
        public double imagesPerSecond() {
            double seconds = elapsed.toNanos() / 1e9;
            return seconds > 0 ? total / seconds : 0;
        }
    }

    /**
     * A job's outcome: the rows over the cached results, and the summary. {@link #close()} releases the cache.
     */
    public static final class Result implements AutoCloseable {
        private final JavaRDD<Row> cached;
        private final Dataset<Row> images;
        private final Summary summary;

        private Result(JavaRDD<Row> cached, Dataset<Row> images, Summary summary) {
            this.cached = cached;
            this.images = images;
            this.summary = summary;
        }

        /**
         * One row per image ({@link #SCHEMA}), read from the results as the job made them, cached on the executors'
         * local disks (DISK_ONLY, so that executor memory does not grow with the number of images).
         * Should cached blocks be lost, Spark recomputes them by running the partition again, which under the
         * default policy reports the files as skipped.
         */
        public Dataset<Row> images() {
            return images;
        }

        /** The counts and lists. */
        public Summary summary() {
            return summary;
        }

        /** Releases the cached results; {@link #images()} must not be used afterwards. */
        @Override
        public void close() {
            cached.unpersist(false);
        }
    }

    private SparkPreAnnotator() {
    }

    /**
     * Pre-annotates every image under {@code images}.
     *
     * @param model a {@code .onnx} file, a SavedModel directory or a frozen {@code .pb}, on any Hadoop file system
     * @param images a folder (searched recursively) or a glob, on any Hadoop file system
     * @param out the root of a mirrored output tree, or empty to write beside each image
     * @throws IllegalArgumentException for a dataset-level format or one that cannot encode a file on its own,
     *     or if two images would write the same annotation file (listing them)
     * @throws NoSuchFileException if the model or the label map does not exist
     * @throws IOException if the images cannot be listed, or the model or label map cannot be read
     * @throws org.apache.spark.SparkException (undeclared) if the job fails after Spark's retries
     */
    public static Result run(SparkSession spark, String model, String images, Optional<String> out, Options options)
            throws IOException {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(options, "options");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        PerImageFormat format = writableFormat(options.format());

        Path imagesPath = HadoopFiles.qualify(new Path(images), conf);
        Path root = ImageLayout.hasGlob(images) ? ImageLayout.globRoot(imagesPath) : imagesPath;
        ImageLayout layout = new ImageLayout(root.toString(), out.isEmpty() ? null
                : HadoopFiles.qualify(new Path(out.get()), conf).toString(), format.name());

        int threads = options.threads().orElse(spark.sparkContext().conf().getInt("spark.task.cpus", 1));
        ModelSpec spec = modelSpec(model, options, threads, conf);
        LabelMap labels = checkModel(spark, spec, conf);
        long start = System.nanoTime(); // like the command line's summary: from after the model opened

        List<String> found = ImageLayout.list(HadoopFiles.fileSystem(imagesPath, conf), imagesPath, layout);
        int partitions = options.partitions().orElse(
                Math.max(1, Math.min(found.size(), 4 * spark.sparkContext().defaultParallelism())));
        LOG.info("{}: {} images in {} partitions", imagesPath, found.size(), partitions);
        Map<String, List<String>> yoloClasses = format instanceof YoloFormat
                ? yoloClasses(found, layout, format, labels, conf) : null;

        // the job itself runs on the RDD, so that it neither waits for Spark SQL's planning nor depends on it
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(found, partitions)
                .mapPartitions(new PreAnnotateTask(spec, layout, options.existing(), new HadoopConf(conf), yoloClasses))
                .persist(StorageLevel.DISK_ONLY());
        Summaries.Partial partial;
        try {
            partial = rows.mapPartitions(new Summaries(options.reviewListSize())).reduce(Summaries.Partial::merge);
        } catch (Exception e) { // SparkException too, which Scala throws undeclared
            rows.unpersist(false);
            throw e;
        }
        removeTemporaries(found, layout, format, conf);
        Summary summary = partial.summary(found.size(), partitions, Duration.ofNanos(System.nanoTime() - start));
        LOG.info("{}: {} images, {} written, {} skipped, {} failed in {}", imagesPath, summary.total(),
                summary.written(), summary.skipped(), summary.failed(), summary.elapsed());
        return new Result(rows, spark.createDataFrame(rows, SCHEMA), summary);
    }

    /** The format by name, if it is per-image and encodes a file on its own. */
    static PerImageFormat writableFormat(String name) {
        AnnotationFormat f = AnnotationFormats.byName(name);
        if (!(f instanceof PerImageFormat perImage)) {
            throw new IllegalArgumentException("format " + name + " is a dataset-level format; the job writes one"
                    + " file per image");
        }
        if (perImage.codec().isEmpty() && !(perImage instanceof YoloFormat)) {
            throw new IllegalArgumentException("format " + name + " cannot be written by the Spark job: its"
                    + " annotation files depend on more than their image (PerImageFormat.codec() is empty); write voc"
                    + " and convert");
        }
        return perImage;
    }

    /**
     * Opens the model on the driver, so that a model no backend can load fails here with its message rather than
     * as four failed attempts of every task. In local mode the driver is the executor: the model stays open for
     * the tasks. On a cluster it is closed again.
     *
     * @return the model's classes, as the tasks will name them
     */
    private static LabelMap checkModel(SparkSession spark, ModelSpec spec, Configuration conf) throws IOException {
        if (spark.sparkContext().isLocal()) {
            return ExecutorModels.get(spec, conf).labelMap();
        }
        try (Detector d = Detectors.open(ExecutorModels.localModel(spec.model(), conf), spec.options())) {
            return d.labelMap();
        }
    }

    /**
     * YOLO's class numbers are indexes into the {@code classes.txt} of the file's folder, which writers of one folder
     * share: tasks cannot each append to it. So the driver fixes each output folder's list before the job, as
     * {@code annotate predict} would have it (the file's names as they are, then the model's it lacks, in id order;
     * without a file, the model's in id order) and writes {@code classes.txt} where that changes it; the tasks
     * encode against the list.
     *
     * @return output folder to its class names
     */
    static Map<String, List<String>> yoloClasses(List<String> images, ImageLayout layout, PerImageFormat format,
                                                 LabelMap labels, Configuration conf) throws IOException {
        TreeSet<String> dirs = new TreeSet<>();
        for (String image : images) {
            dirs.add(layout.target(new Path(image), format).getParent().toString());
        }
        Map<String, List<String>> classes = new HashMap<>();
        for (String dir : dirs) {
            Path file = new Path(new Path(dir), YoloFormat.CLASSES);
            FileSystem fs = HadoopFiles.fileSystem(file, conf);
            Optional<List<String>> existing = Optional.empty();
            if (fs.exists(file)) {
                String text = TextFiles.decodeUtf8(HadoopFiles.readAll(fs, file, 16L << 20)).orElseThrow(
                        () -> new IllegalArgumentException(file + " is not UTF-8 text; fix or remove it"));
                existing = Optional.of(YoloFormat.parseClasses(text));
            }
            List<String> names = YoloFormat.classes(existing, labels);
            if (existing.isEmpty() || !existing.get().equals(names)) {
                HadoopFiles.write(fs, file, YoloFormat.classesBytes(names), true, "driver");
            }
            classes.put(dir, names);
        }
        return classes;
    }

    private static ModelSpec modelSpec(String model, Options options, int threads, Configuration conf)
            throws IOException {
        Path modelPath = HadoopFiles.qualify(new Path(model), conf);
        if (!HadoopFiles.fileSystem(modelPath, conf).exists(modelPath)) {
            throw new NoSuchFileException(modelPath.toString(), null, "no model file or directory");
        }
        LabelMapText labels = options.labels().isPresent()
                ? LabelMapText.read(new Path(options.labels().get()), conf) : null;
        return new ModelSpec(modelPath.toString(), options.minScore(), labels, threads,
                options.slicing().map(Slicing::tileSide).orElse(0),
                options.slicing().map(Slicing::overlap).orElse(0.0));
    }

    /**
     * Removes the temporary files that killed task attempts left in the output folders (see {@link HadoopFiles}),
     * once every task has ended.
     */
    private static void removeTemporaries(List<String> images, ImageLayout layout, PerImageFormat format,
                                          Configuration conf) throws IOException {
        TreeSet<String> dirs = new TreeSet<>();
        for (String image : images) {
            dirs.add(layout.target(new Path(image), format).getParent().toString());
        }
        for (String dir : dirs) {
            Path d = new Path(dir);
            FileSystem fs = HadoopFiles.fileSystem(d, conf);
            if (HadoopFiles.isObjectStore(fs) || !fs.exists(d)) {
                continue;
            }
            for (FileStatus s : fs.listStatus(d, p -> HadoopFiles.isTemporaryOf(p.getName(),
                    format.fileExtension()))) {
                fs.delete(s.getPath(), false);
            }
        }
    }

    /** A result row; {@code image} is null unless an annotation file was written. */
    static Row row(Path path, Path annotation, String status, String reason, AnnotatedImage image,
                   List<Annotation> detections) {
        return RowFactory.create(path.toString(), annotation.toString(), status, reason,
                image == null ? null : image.width(), image == null ? null : image.height(),
                scala.jdk.javaapi.CollectionConverters.asScala(PreAnnotateTask.detectionRows(detections)));
    }
}
