package dev.annotate.core.eval;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The {@link Evaluation.ImagePair}s {@link Evaluation} measures, made from datasets in any format: a truth dataset
 * against a detector run on its images, or against a second dataset of saved predictions.
 *
 * <p>Images are matched by their {@linkplain Dataset.Part#key(ReadResult) key}: the image's path relative to its
 * dataset part, with {@code /} separators ({@code sub/a.jpg}), so truth in VOC and predictions in COCO of the same
 * tree pair up.
 *
 * <pre>{@code
 * Dataset truth = Dataset.of(Path.of("checked"), AnnotationFormats.byName("coco"), LabelMap.empty());
 * List<Evaluation.ImagePair> pairs = DatasetPairs.detect(truth, detector, System.err::println, () -> { });
 * System.out.println(Evaluation.averagePrecision(pairs, Evaluation.Metric.VOC12).mean());
 * }</pre>
 */
public final class DatasetPairs {

    private DatasetPairs() {
    }

    /**
     * Runs {@code detector} on each usable image of {@code truth}, as many images at once as the processors hold
     * beside the detector's inference threads ({@link dev.annotate.core.DetectorOptions#parallelImages()}).
     *
     * @param problems receives every problem of the truth files, on the calling thread; an unusable file is left out
     * @param eachImage called after each truth file, used or not (for progress), one call at a time
     * @return the pairs in the truth dataset's order
     * @throws IOException if a part cannot be listed, or the detector cannot read an image that was located
     */
    public static List<Evaluation.ImagePair> detect(Dataset truth, Detector detector, Consumer<Problem> problems,
                                                    Runnable eachImage) throws IOException {
        Objects.requireNonNull(detector, "detector");
        Object lock = new Object();
        Runnable progress = () -> {
            synchronized (lock) {
                eachImage.run();
            }
        };
        int threads = detector.options().parallelImages();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "evaluation");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Evaluation.ImagePair>> pending = new ArrayList<>();
            truth.read((part, read) -> {
                Dataset.Entry entry = part.locate(read);
                entry.problems().forEach(problems);
                if (!entry.usable()) {
                    progress.run();
                    return;
                }
                String key = part.key(read);
                pending.add(pool.submit(() -> {
                    try {
                        AnnotatedImage found = detector.detect(entry.imageFile().get());
                        return new Evaluation.ImagePair(key, entry.annotated().get().annotations(),
                                found.annotations());
                    } finally {
                        progress.run();
                    }
                }));
            });
            List<Evaluation.ImagePair> pairs = new ArrayList<>(pending.size());
            for (Future<Evaluation.ImagePair> f : pending) {
                pairs.add(f.get());
            }
            return pairs;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("evaluation interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Pairs each readable truth image with the predicted dataset's image of the same key; a truth image without
     * one was predicted empty. Images are not opened.
     *
     * @param problems receives every problem of either dataset's files
     * @throws IOException if a part of either dataset cannot be listed
     */
    public static List<Evaluation.ImagePair> pair(Dataset truth, Dataset predicted, Consumer<Problem> problems)
            throws IOException {
        Map<String, AnnotatedImage> byKey = new HashMap<>();
        predicted.read((part, read) -> {
            read.problems().forEach(problems);
            read.image().ifPresent(image -> byKey.put(part.key(read), image));
        });
        List<Evaluation.ImagePair> pairs = new ArrayList<>();
        truth.read((part, read) -> {
            read.problems().forEach(problems);
            read.image().ifPresent(image -> {
                String key = part.key(read);
                AnnotatedImage p = byKey.get(key);
                pairs.add(new Evaluation.ImagePair(key, image.annotations(), p == null ? List.of() : p.annotations()));
            });
        });
        return pairs;
    }
}
