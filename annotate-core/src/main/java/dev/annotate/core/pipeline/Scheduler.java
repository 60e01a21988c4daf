package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How a run's images flow: the listing is streamed through a short bounded queue to the worker threads, each of
 * which asks the {@link Output} what to do with an image and detects it when it must; the writing is handed to as
 * many writing threads, with a short queue of their own (when it is full the worker writes itself, so results never
 * pile up in memory, and forcing a file to disk, mostly waiting, overlaps the next image's decoding).
 */
final class Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final Detector detector;
    private final Output output;
    private final String model;
    private final RunStatistics statistics;
    private final ThreadPoolExecutor writers;

    private Scheduler(Detector detector, Output output, String model, int threads, RunStatistics statistics) {
        this.detector = detector;
        this.output = output;
        this.model = model;
        this.statistics = statistics;
        this.writers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(2 * threads), r -> {
                    Thread t = new Thread(r, "pre-annotator-writer");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /**
     * Handles every image of the tree on {@code threads} workers and returns when each is handled and its result
     * written, whatever happened: results handed over are written, never abandoned.
     *
     * @param model the name results are marked with
     * @throws IllegalStateException if a worker died of an error (a bug, memory exhausted), with it as the cause
     * @throws InterruptedIOException if the calling thread is interrupted
     */
    static void run(Detector detector, Output output, String model, int threads, ImageTree tree,
                    RunStatistics statistics) throws IOException {
        new Scheduler(detector, output, model, threads, statistics).run(threads, tree);
    }

    private void run(int threads, ImageTree tree) throws IOException {
        BlockingQueue<Path> queue = new ArrayBlockingQueue<>(2 * threads);
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "pre-annotator");
            t.setDaemon(true);
            return t;
        });
        Path poison = Path.of(".end-of-images"); // compared by identity: no listed path is this object
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            running.add(workers.submit(() -> {
                for (Path image = queue.take(); image != poison; image = queue.take()) {
                    handle(image);
                }
                return null;
            }));
        }
        try {
            for (ImageTree.Folder folder : tree.folders()) {
                List<Path> images = folder.paths();
                output.beforeDirectory(images.get(0)); // before its images are queued
                for (Path image : images) {
                    if (!offer(queue, image, running)) {
                        // a worker died: stop; the Future below reports why, replacing this
                        throw new IllegalStateException("a pre-annotation worker failed");
                    }
                }
            }
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
                        throw new InterruptedIOException("pre-annotation interrupted");
                    } catch (ExecutionException e) {
                        workers.shutdownNow();
                        throw new IllegalStateException("a pre-annotation worker failed", e.getCause());
                    }
                }
                workers.shutdown();
            } finally {
                finishWriting();
            }
        }
    }

    /**
     * Queues {@code p} for the workers, waiting while the queue is full; gives up, returning false, when a worker
     * has ended, which before the end of the images happens only when it died of an {@link Error}: the others
     * might not take every image, and waiting on would hang the run. The caller's {@code Future.get} then reports
     * the error.
     */
    private static boolean offer(BlockingQueue<Path> queue, Path p, List<Future<?>> workers) {
        try {
            while (!queue.offer(p, 50, TimeUnit.MILLISECONDS)) {
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

    /** On a worker: the existing-file policy, then detection; the writing is handed to {@link #writers}. */
    private void handle(Path image) {
        long t0 = System.nanoTime();
        try {
            Optional<Optional<AnnotatedImage>> plan = output.plan(image);
            long t1 = System.nanoTime();
            statistics.writing(t1 - t0);
            if (plan.isEmpty()) {
                AnnotatedImage result = detector.detect(image).withPredictedBy(Optional.of(model));
                statistics.detecting(System.nanoTime() - t1);
                writers.execute(() -> write(image, result));
            } else if (plan.get().isPresent()) { // done by an earlier run: counts as written by this one
                statistics.written(image, plan.get().get());
            } else {
                statistics.skipped();
            }
        } catch (IOException | RuntimeException e) {
            statistics.failed(image, e);
        }
    }

    /** On a writing thread (or on the worker, when the writers are behind): the atomic write, then the count. */
    private void write(Path image, AnnotatedImage result) {
        long t0 = System.nanoTime();
        try {
            output.write(image, result);
            statistics.writing(System.nanoTime() - t0);
            statistics.written(image, result);
        } catch (IOException | RuntimeException e) {
            statistics.writing(System.nanoTime() - t0);
            statistics.failed(image, e);
        }
    }

    /** Waits until every handed-over write is done. */
    private void finishWriting() throws InterruptedIOException {
        writers.shutdown();
        try {
            while (!writers.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.debug("still writing annotation files");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writers.shutdownNow();
            throw new InterruptedIOException("pre-annotation interrupted while writing");
        }
    }
}
