package dev.annotate.serve;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Detector;
import dev.annotate.core.LabelMap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The model answering now and its {@code model_version}: the one the backend started with until a training replaces
 * it. Requests run it under the read lock, so a replacement waits for them and closes the model it replaces only when
 * none holds it. The model started with stays its owner's to close.
 */
final class ServingModel implements AutoCloseable {

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Detector given;
    private Detector detector;
    private String version;

    ServingModel(Detector given, String version) {
        this.given = Objects.requireNonNull(given, "detector");
        this.detector = given;
        this.version = Objects.requireNonNull(version, "modelVersion");
    }

    /** The version of the model answering now. */
    String version() {
        lock.readLock().lock();
        try {
            return version;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The classes of the model answering now. */
    LabelMap labelMap() {
        lock.readLock().lock();
        try {
            return detector.labelMap();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs the model answering now, which is not replaced meanwhile; the result names its version. */
    AnnotatedImage detect(Path image) throws IOException {
        lock.readLock().lock();
        try {
            return detector.detect(image).withPredictedBy(Optional.of(version));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Answers with {@code next} from now on, closing the trained model it replaces. */
    void replace(Detector next, String nextVersion) {
        lock.writeLock().lock();
        try {
            if (detector != given) {
                detector.close();
            }
            detector = Objects.requireNonNull(next, "detector");
            version = Objects.requireNonNull(nextVersion, "modelVersion");
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Closes a model a training made; the one started with is left open, its owner's. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (detector != given) {
                detector.close();
                detector = given;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
