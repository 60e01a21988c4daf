package dev.annotate.core.eval;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
     * Runs {@code detector} on each usable image of {@code truth}.
     *
     * @param problems receives every problem of the truth files; an unusable file is left out
     * @param eachImage called after each truth file, used or not (for progress)
     * @throws IOException if a part cannot be listed, or the detector cannot read an image that was located
     */
    public static List<Evaluation.ImagePair> detect(Dataset truth, Detector detector, Consumer<Problem> problems,
                                                    Runnable eachImage) throws IOException {
        Objects.requireNonNull(detector, "detector");
        List<Evaluation.ImagePair> pairs = new ArrayList<>();
        try {
            truth.read((part, read) -> {
                Dataset.Entry entry = part.locate(read);
                entry.problems().forEach(problems);
                if (entry.usable()) {
                    try {
                        AnnotatedImage found = detector.detect(entry.imageFile().get());
                        pairs.add(new Evaluation.ImagePair(part.key(read), entry.annotated().get().annotations(),
                                found.annotations()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                eachImage.run();
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return pairs;
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
