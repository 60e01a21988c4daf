package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/** Where a run's results go: one file per image, or one dataset file ({@link DatasetOutput}). */
interface Output {
    /** Called once per folder, before its images are queued, with the first of them. */
    void beforeDirectory(Path firstImage) throws IOException;

    /**
     * On a worker, what to do with an image: empty to detect it; an empty inner value to keep what exists
     * (skipped); else the result an earlier run left (resumed, counted as written).
     */
    Optional<Optional<AnnotatedImage>> plan(Path image) throws IOException;

    /** On a writing thread: keeps a fresh result. */
    void write(Path image, AnnotatedImage result) throws IOException;

    /** After every image was handled and written. */
    void finish() throws IOException;

    /** Instead of {@link #finish()}, when the run stops on an error. */
    void abandon();

    /** Deletes the files directly in {@code dir} whose names {@code stale} accepts; nothing if there is no dir. */
    static void removeTemporaries(Path dir, Predicate<String> stale) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir,
                p -> stale.test(p.getFileName().toString()))) {
            for (Path p : found) {
                Files.deleteIfExists(p);
            }
        }
    }
}
