package dev.annotate.core.spi;

import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The concurrency check every backend's tests run, shared through annotate-core's test jar. */
public final class DetectorConcurrency {

    private DetectorConcurrency() {
    }

    /** {@code threads} threads each make {@code calls} calls on one detector; every result equals the sequential one. */
    public static void assertSameAsSequential(Detector detector, List<BufferedImage> images, int threads, int calls)
            throws Exception {
        List<List<Annotation>> sequential = new ArrayList<>();
        for (BufferedImage img : images) {
            sequential.add(detector.detect(img));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        int k = (i + offset) % images.size();
                        assertEquals(sequential.get(k), detector.detect(images.get(k)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
