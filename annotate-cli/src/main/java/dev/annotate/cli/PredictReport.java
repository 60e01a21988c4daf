package dev.annotate.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.pipeline.PreAnnotator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The JSON report {@code predict --report FILE} writes: what was run, the counts, where the time went, detections
 * per class, every failure with its reason, and the images ranked by their least confident detection (most
 * doubtful first) so people review those first. Paths are absolute; durations in seconds. Written atomically.
 *
 * <pre>{@code
 * {"run": {"images": "/data/batch", "model": "/models/m.onnx", "format": "voc", "min_score": 0.5, ...},
 *  "counts": {"total": 300, "written": 298, "skipped": 0, "failed": 2},
 *  "timings": {"elapsed_seconds": 4.1, "images_per_second": 73.2, "counting_seconds": 0.01,
 *              "detecting_seconds": 7.6, "writing_seconds": 0.3, "threads": 2},
 *  "detections_per_class": {"race car": 311, ...},
 *  "failures": [{"path": "/data/batch/bad.jpg", "reason": "..."}],
 *  "notes": [],
 *  "review_first": [{"image": "/data/batch/0042.jpg", "lowest_score": 0.51, "detections": 3}, ...]}
 * }</pre>
 */
final class PredictReport {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();

    private PredictReport() {
    }

    /** What the run was asked to do, for the report's {@code run} object. */
    record Run(Path images, Path model, String format, double minScore, Optional<Path> out, String existing,
               int threads) {
    }

    /** Writes the report for {@code summary} to {@code file}, creating its folder. */
    static void write(Path file, Run run, PreAnnotator.Summary summary) throws IOException {
        JsonObject root = new JsonObject();
        JsonObject r = new JsonObject();
        r.addProperty("images", run.images().toAbsolutePath().normalize().toString());
        r.addProperty("model", run.model().toAbsolutePath().normalize().toString());
        r.addProperty("format", run.format());
        r.addProperty("min_score", run.minScore());
        r.addProperty("out", run.out().map(p -> p.toAbsolutePath().normalize().toString()).orElse(null));
        r.addProperty("existing", run.existing());
        root.add("run", r);

        JsonObject counts = new JsonObject();
        counts.addProperty("total", summary.total());
        counts.addProperty("written", summary.written());
        counts.addProperty("skipped", summary.skipped());
        counts.addProperty("failed", summary.failed());
        root.add("counts", counts);

        PreAnnotator.Timings t = summary.timings();
        JsonObject timings = new JsonObject();
        timings.addProperty("elapsed_seconds", seconds(t.elapsed()));
        timings.addProperty("images_per_second", summary.imagesPerSecond());
        timings.addProperty("counting_seconds", seconds(t.counting()));
        timings.addProperty("detecting_seconds", seconds(t.detecting()));
        timings.addProperty("writing_seconds", seconds(t.writing()));
        timings.addProperty("threads", run.threads());
        root.add("timings", timings);

        JsonObject perClass = new JsonObject();
        summary.detectionsPerClass().forEach(perClass::addProperty);
        root.add("detections_per_class", perClass);
        root.add("failures", failures(summary.failures()));
        root.add("notes", failures(summary.notes()));

        JsonArray review = new JsonArray();
        for (PreAnnotator.Doubtful d : summary.leastConfident()) {
            JsonObject o = new JsonObject();
            o.addProperty("image", d.image().toString());
            o.addProperty("lowest_score", d.lowestConfidence());
            o.addProperty("detections", d.detections());
            review.add(o);
        }
        root.add("review_first", review);

        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        AtomicFiles.write(absolute, (GSON.toJson(root) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static JsonArray failures(List<PreAnnotator.Failure> failures) {
        JsonArray array = new JsonArray();
        failures.stream().sorted(Comparator.comparing(PreAnnotator.Failure::path)).forEach(f -> {
            JsonObject o = new JsonObject();
            o.addProperty("path", f.path().toString());
            o.addProperty("reason", f.reason());
            array.add(o);
        });
        return array;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
