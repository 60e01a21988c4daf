package dev.annotate.spark;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The job's {@link SparkPreAnnotator.Summary} in one pass over the cached result rows, with no shuffle: each
 * partition condenses its rows into a {@link Partial} (counts, detections per class, its first failures by path,
 * its least confident images), and the partials merge on the way to the driver. What reaches the driver is bounded
 * by the list sizes, whatever the number of images.
 */
final class Summaries implements FlatMapFunction<Iterator<Row>, Summaries.Partial> {

    @Serial
    private static final long serialVersionUID = 1L;
    /** At most this many failures are listed; the rows hold them all. */
    static final int MAX_LISTED_FAILURES = 1000;

    private static final Comparator<SparkPreAnnotator.Failure> BY_PATH =
            Comparator.comparing(SparkPreAnnotator.Failure::path);
    private static final Comparator<SparkPreAnnotator.Doubtful> MOST_DOUBTFUL_FIRST =
            Comparator.comparingDouble(SparkPreAnnotator.Doubtful::lowestConfidence)
                    .thenComparing(SparkPreAnnotator.Doubtful::image);

    private final int reviewListSize;

    Summaries(int reviewListSize) {
        this.reviewListSize = reviewListSize;
    }

    @Override
    public Iterator<Partial> call(Iterator<Row> rows) {
        Partial p = new Partial(reviewListSize);
        while (rows.hasNext()) {
            p.add(rows.next());
        }
        p.trim();
        return List.of(p).iterator();
    }

    /** What some rows hold, condensed. */
    static final class Partial implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        private final int reviewListSize;
        private long written;
        private long skipped;
        private long failed;
        private final TreeMap<String, Long> perClass = new TreeMap<>();
        private final ArrayList<SparkPreAnnotator.Failure> failures = new ArrayList<>();
        private final ArrayList<SparkPreAnnotator.Doubtful> doubtful = new ArrayList<>();

        Partial(int reviewListSize) {
            this.reviewListSize = reviewListSize;
        }

        void add(Row row) {
            // rows as the tasks made them carry no schema: fields by position, in SCHEMA's order
            String status = row.getString(2);
            String path = row.getString(0);
            switch (status) {
                case SparkPreAnnotator.WRITTEN -> written++;
                case SparkPreAnnotator.SKIPPED -> skipped++;
                default -> {
                    failed++;
                    failures.add(new SparkPreAnnotator.Failure(path, row.getString(3)));
                }
            }
            List<Row> detections = row.getList(6);
            double lowest = detections.isEmpty() ? 0 : 1; // an image with no detection is the first to look at
            for (Row d : detections) {
                perClass.merge(d.getString(0), 1L, Long::sum);
                lowest = Math.min(lowest, d.isNullAt(1) ? 1 : d.getDouble(1));
            }
            if (SparkPreAnnotator.WRITTEN.equals(status) && reviewListSize > 0) {
                doubtful.add(new SparkPreAnnotator.Doubtful(path, lowest, detections.size()));
            }
            if (failures.size() > 2 * MAX_LISTED_FAILURES || doubtful.size() > 2 * reviewListSize + 64) {
                trim();
            }
        }

        /** Keeps only what the summary can list. */
        void trim() {
            failures.sort(BY_PATH);
            failures.subList(Math.min(failures.size(), MAX_LISTED_FAILURES), failures.size()).clear();
            doubtful.sort(MOST_DOUBTFUL_FIRST);
            doubtful.subList(Math.min(doubtful.size(), reviewListSize), doubtful.size()).clear();
        }

        /** Both partials' content in one; {@code this} is changed and returned. */
        Partial merge(Partial other) {
            written += other.written;
            skipped += other.skipped;
            failed += other.failed;
            other.perClass.forEach((k, v) -> perClass.merge(k, v, Long::sum));
            failures.addAll(other.failures);
            doubtful.addAll(other.doubtful);
            trim();
            return this;
        }

        SparkPreAnnotator.Summary summary(long total, int partitions, Duration elapsed) {
            trim();
            return new SparkPreAnnotator.Summary(total, written, skipped, failed, failures, Map.copyOf(perClass),
                    doubtful, partitions, elapsed);
        }
    }
}
