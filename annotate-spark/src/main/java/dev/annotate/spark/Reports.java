package dev.annotate.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON report {@code predict --report FILE} writes, with the keys of the command line's report ({@code run},
 * {@code counts}, {@code timings}, {@code detections_per_class}, {@code failures}, {@code review_first}), written
 * atomically through the Hadoop FileSystem API. {@code failures} lists at most the first 1,000 by path.
 */
final class Reports {

    /** How many least-confident images the summary ranks: the report lists these, the screen the first five. */
    static final int REVIEW_LIST = 1000;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();

    private Reports() {
    }

    /** What the run was asked to do, as given. */
    record PredictRun(String images, String model, String format, double minScore, String out, String existing) {
    }

    static void writePredict(SparkSession spark, String file, PredictRun run, SparkPreAnnotator.Summary s)
            throws IOException {
        JsonObject root = new JsonObject();
        JsonObject r = new JsonObject();
        r.addProperty("images", run.images());
        r.addProperty("model", run.model());
        r.addProperty("format", run.format());
        r.addProperty("min_score", run.minScore());
        r.addProperty("out", run.out());
        r.addProperty("existing", run.existing());
        r.addProperty("master", spark.sparkContext().master());
        root.add("run", r);

        JsonObject counts = new JsonObject();
        counts.addProperty("total", s.total());
        counts.addProperty("written", s.written());
        counts.addProperty("skipped", s.skipped());
        counts.addProperty("failed", s.failed());
        root.add("counts", counts);

        JsonObject timings = new JsonObject();
        timings.addProperty("elapsed_seconds", s.elapsed().toNanos() / 1e9);
        timings.addProperty("images_per_second", s.imagesPerSecond());
        timings.addProperty("partitions", s.partitions());
        root.add("timings", timings);

        JsonObject perClass = new JsonObject();
        s.detectionsPerClass().forEach(perClass::addProperty);
        root.add("detections_per_class", perClass);

        JsonArray failures = new JsonArray();
        for (SparkPreAnnotator.Failure f : s.failures()) {
            JsonObject o = new JsonObject();
            o.addProperty("path", f.path());
            o.addProperty("reason", f.reason());
            failures.add(o);
        }
        root.add("failures", failures);

        JsonArray review = new JsonArray();
        for (SparkPreAnnotator.Doubtful d : s.leastConfident()) {
            JsonObject o = new JsonObject();
            o.addProperty("image", d.image());
            o.addProperty("lowest_score", d.lowestConfidence());
            o.addProperty("detections", d.detections());
            review.add(o);
        }
        root.add("review_first", review);

        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path target = HadoopFiles.qualify(new Path(file), conf);
        HadoopFiles.write(HadoopFiles.fileSystem(target, conf), target,
                (GSON.toJson(root) + "\n").getBytes(StandardCharsets.UTF_8), true, "driver");
    }
}
