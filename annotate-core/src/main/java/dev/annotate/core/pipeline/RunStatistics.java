package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.pipeline.PreAnnotator.Doubtful;
import dev.annotate.core.pipeline.PreAnnotator.Failure;
import dev.annotate.core.pipeline.PreAnnotator.Listener;
import dev.annotate.core.pipeline.PreAnnotator.Progress;
import dev.annotate.core.pipeline.PreAnnotator.Summary;
import dev.annotate.core.pipeline.PreAnnotator.Timings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a run counts as it goes, reported to its {@link Listener} and summed up at the end: images written, skipped
 * and failed, detections per class, the least confident images, where the time went. Safe to call from any thread.
 */
final class RunStatistics {

    private static final Logger LOG = LoggerFactory.getLogger(RunStatistics.class);

    private final Listener listener;
    private final long total;
    private final long start;
    private final int reviewListSize;
    private final List<Failure> failures;
    /** Serialises progress calls; never the listener's own monitor, which is the caller's. */
    private final Object progressLock = new Object();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong detecting = new AtomicLong();
    private final AtomicLong writing = new AtomicLong();
    private final Map<String, AtomicLong> perClass = new ConcurrentHashMap<>();
    /** The least confident images so far, the most confident of them on top, bounded. */
    private final PriorityQueue<Doubtful> doubtful =
            new PriorityQueue<>((a, b) -> Double.compare(b.lowestConfidence(), a.lowestConfidence()));

    /**
     * @param total the images the run will handle
     * @param start {@link System#nanoTime()} when the run started
     * @param failures where failed images are added (the walk's problems are there already)
     */
    RunStatistics(Listener listener, long total, long start, int reviewListSize, List<Failure> failures) {
        this.listener = listener;
        this.total = total;
        this.start = start;
        this.reviewListSize = reviewListSize;
        this.failures = failures;
    }

    /** An image's result was written by this run, or by an earlier one this run resumes. */
    void written(Path image, AnnotatedImage result) {
        for (Annotation a : result.annotations()) {
            perClass.computeIfAbsent(a.label(), k -> new AtomicLong()).incrementAndGet();
        }
        if (reviewListSize > 0) {
            synchronized (doubtful) {
                doubtful.add(new Doubtful(image, result.lowestConfidence(), result.annotations().size()));
                if (doubtful.size() > reviewListSize) {
                    doubtful.poll();
                }
            }
        }
        written.incrementAndGet();
        listener.written(image, result);
        report();
    }

    /** An image whose annotation file was kept. */
    void skipped() {
        skipped.incrementAndGet();
        report();
    }

    /** An image that could not be annotated. */
    void failed(Path image, Exception e) {
        failed.incrementAndGet();
        failures.add(new Failure(image, e.getMessage() == null ? e.toString() : e.getMessage()));
        LOG.debug("{} failed", image, e);
        report();
    }

    /** Time spent in the detector, on a worker. */
    void detecting(long nanos) {
        detecting.addAndGet(nanos);
    }

    /** Time spent writing annotation files or checking existing ones. */
    void writing(long nanos) {
        writing.addAndGet(nanos);
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

    /**
     * The run's summary, now.
     *
     * @param notes existing files kept or replaced that are worth a line
     * @param counting the walk's wall time
     */
    Summary summary(List<Failure> notes, Duration counting) {
        Map<String, Long> classes = new TreeMap<>();
        perClass.forEach((k, v) -> classes.put(k, v.get()));
        List<Doubtful> least;
        synchronized (doubtful) {
            least = new ArrayList<>(doubtful);
        }
        least.sort((a, b) -> Double.compare(a.lowestConfidence(), b.lowestConfidence()));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new Summary(total, written.get(), skipped.get(), failed.get(), failures, notes, classes, least,
                new Timings(elapsed, counting, Duration.ofNanos(detecting.get()), Duration.ofNanos(writing.get())));
    }
}
