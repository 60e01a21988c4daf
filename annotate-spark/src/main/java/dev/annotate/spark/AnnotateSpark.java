package dev.annotate.spark;

import dev.annotate.command.Failures;
import dev.annotate.command.PredictionOptions;
import dev.annotate.command.Programs;
import dev.annotate.core.pipeline.Existing;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The Spark application: {@code predict} and {@code tfrecord} with the {@code annotate} command line's option
 * names, plus {@code --master} and {@code --partitions}. Paths are Hadoop paths or URIs ({@code file:},
 * {@code hdfs:}, {@code s3a:}, ...). Exit codes as the command line's: 0 success, 1 some images failed (listed),
 * 2 bad usage or input, 3 an internal error (a bug, a model that fails, or a job Spark gave up on after its retries;
 * one line names it and the file holding its stack trace, which {@code --verbose} prints instead).
 *
 * <pre>
 * spark-submit --class dev.annotate.spark.AnnotateSpark annotate-spark-app.jar \
 *     predict --model hdfs:///models/m.onnx --images hdfs:///batch-7 --out hdfs:///batch-7-voc
 * </pre>
 *
 * <p>Under {@code spark-submit} the session takes the master and settings spark-submit gives; started with plain
 * {@code java}, it runs on {@code local[*]} unless {@code --master} says otherwise.
 */
@Command(name = "annotate-spark", mixinStandardHelpOptions = true, version = "annotate-spark 0.1.0",
        description = "Pre-annotate image datasets and convert them to TFRecords on Apache Spark.",
        subcommands = {AnnotateSpark.Predict.class, AnnotateSpark.TfRecord.class})
public final class AnnotateSpark extends Programs.TopCommand {

    /** Some images failed. */
    public static final int SOME_FAILED = Failures.SOME_FAILED;
    /** Bad usage or bad input. */
    public static final int BAD_INPUT = Failures.BAD_INPUT;
    /** A bug, a model that fails, or a job that failed after Spark's retries. */
    public static final int INTERNAL_ERROR = Failures.INTERNAL_ERROR;

    /** Runs the command line and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return Programs.execute("annotate-spark", new CommandLine(new AnnotateSpark()), out, err, () -> null, args);
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** The options every command shares: where Spark runs. */
    static class SparkOptions {
        @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
        String master;

        @Option(names = "--partitions", description = "Partitions (default: four per default parallelism).")
        Integer partitions;

        /**
         * Runs {@code job} in a session: the JVM's current one if there is one (it is left running), else a new
         * one, spark-submit's settings or {@code --master} (stopped afterwards).
         */
        <T> T inSession(String appName, SparkJob<T> job) throws IOException {
            Optional<SparkSession> current = SparkSession.getDefaultSession().isDefined()
                    ? Optional.of(SparkSession.getDefaultSession().get()) : Optional.empty();
            if (current.isPresent()) {
                return job.run(current.get());
            }
            SparkSession.Builder b = SparkSession.builder().appName(appName);
            if (master != null) {
                b.master(master);
            } else if (System.getProperty("spark.master") == null) {
                b.master("local[*]");
            }
            SparkSession spark = b.getOrCreate();
            if (System.getProperty("spark.master") == null) {
                spark.sparkContext().setLogLevel("WARN");
            }
            try {
                return job.run(spark);
            } finally {
                spark.stop();
            }
        }
    }

    /** A job run in a session. */
    @FunctionalInterface
    interface SparkJob<T> {
        T run(SparkSession spark) throws IOException;
    }

    /** {@code predict}: {@link SparkPreAnnotator}. */
    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = "Pre-annotate a tree of images with a model; one annotation file per image.")
    static final class Predict extends SparkOptions implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, description = "A .onnx file, a SavedModel directory or a"
                + " frozen .pb, on any Hadoop file system.")
        String model;

        @Option(names = "--images", required = true, description = "Folder of images (searched recursively) or a"
                + " glob.")
        String images;

        @Option(names = "--out", description = "Write into a mirrored tree here instead of beside each image.")
        String out;

        @Option(names = "--labels", description = "Label map (.pbtxt) naming the model's classes.")
        String labels;

        @Option(names = "--format", defaultValue = "voc", description = "Per-image annotation format: voc or yolo"
                + " (default ${DEFAULT-VALUE}).")
        String format;

        @CommandLine.Mixin
        PredictionOptions prediction = new PredictionOptions();

        @Option(names = "--threads", description = "Inference threads of each executor's model (default:"
                + " spark.task.cpus).")
        Integer threads;

        @Option(names = "--report", paramLabel = "FILE", description = "Also write a JSON report here (any Hadoop"
                + " file system).")
        String report;

        @Override
        public Integer call() throws Exception {
            Existing policy = prediction.existing();
            SparkPreAnnotator.Options options = SparkPreAnnotator.Options.defaults().withFormat(format)
                    .withMinScore(prediction.minScore()).withExisting(policy).withReviewListSize(Reports.REVIEW_LIST);
            if (labels != null) {
                options = options.withLabels(labels);
            }
            if (threads != null) {
                options = options.withThreads(threads);
            }
            if (prediction.slicing().isPresent()) {
                options = options.withSlicing(prediction.slicing().get());
            }
            if (partitions != null) {
                options = options.withPartitions(partitions);
            }
            SparkPreAnnotator.Options chosen = options;
            SparkPreAnnotator.Summary s = inSession("annotate predict", spark -> {
                SparkPreAnnotator.Result r = SparkPreAnnotator.run(spark, model, images, Optional.ofNullable(out),
                        chosen);
                r.close();
                if (report != null) {
                    Reports.writePredict(spark, report, new Reports.PredictRun(images, model, format,
                            prediction.minScore(), out, policy.optionName()), r.summary());
                }
                return r.summary();
            });
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf("%d images: %d written, %d skipped (existing), %d failed in %.1f s (%d partitions)%n",
                    s.total(), s.written(), s.skipped(), s.failed(), s.elapsed().toMillis() / 1000.0, s.partitions());
            s.detectionsPerClass().forEach((k, v) -> stdout.printf("  %-20s %d%n", k, v));
            if (!s.leastConfident().isEmpty()) {
                stdout.println("review first (least confident):");
                s.leastConfident().stream().limit(5).forEach(d -> stdout.printf("  %.2f  %s%n",
                        d.lowestConfidence(), d.image()));
            }
            if (report != null) {
                stdout.println("report: " + report);
            }
            s.failures().forEach(f -> spec.commandLine().getErr().println("failed: " + f.reason()));
            if (s.failed() > s.failures().size()) {
                spec.commandLine().getErr().println("... and " + (s.failed() - s.failures().size())
                        + " more failures" + (report == null ? "" : "; the report lists the first 1000"));
            }
            return s.failed() > 0 ? SOME_FAILED : 0;
        }
    }

    /** {@code tfrecord}: {@link SparkTfRecords}. */
    @Command(name = "tfrecord", mixinStandardHelpOptions = true,
            description = "Convert a VOC dataset into TFRecord shards for the TF Object Detection API.")
    static final class TfRecord extends SparkOptions implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--voc", required = true, description = "Folder of VOC files and their images.")
        String voc;

        @Option(names = "--labels", required = true, description = "Label map (.pbtxt).")
        String labels;

        @Option(names = "--out", required = true, description = "Output base: BASE_train.record-SSSSS-of-NNNNN,"
                + " BASE_val.record-...")
        String out;

        @Option(names = "--shards", description = "Files per split (default: one per partition).")
        Integer shards;

        @Option(names = "--val-fraction", defaultValue = "0", description = "Share for validation (default"
                + " ${DEFAULT-VALUE}).")
        double valFraction;

        @Override
        public Integer call() throws Exception {
            if (shards != null && partitions != null && !shards.equals(partitions)) {
                throw new IllegalArgumentException("--shards " + shards + " and --partitions " + partitions
                        + " differ; each partition writes one shard per split: give one of them");
            }
            SparkTfRecords.Options options = SparkTfRecords.Options.defaults().withValFraction(valFraction);
            Integer n = shards != null ? shards : partitions;
            if (n != null) {
                options = options.withShards(n);
            }
            SparkTfRecords.Options chosen = options;
            SparkTfRecords.Report r = inSession("annotate tfrecord",
                    spark -> SparkTfRecords.convert(spark, voc, labels, out, chosen));
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf("%d training and %d validation records, %d boxes, %d rotated, %d skipped%n",
                    r.trainExamples(), r.valExamples(), r.objects(), r.rotated(), r.skippedFiles());
            r.files().forEach(f -> stdout.println("  " + f));
            r.problems().forEach(p -> spec.commandLine().getErr().println("problem: " + p));
            return r.skippedFiles() > 0 ? SOME_FAILED : 0;
        }
    }
}
