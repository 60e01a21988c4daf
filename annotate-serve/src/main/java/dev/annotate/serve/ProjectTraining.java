package dev.annotate.serve;

import dev.annotate.core.LabelMap;
import dev.annotate.core.format.Dataset;
import dev.annotate.formats.LabelStudioFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Label Studio's "Start training", one at a time, in the background: the project's JSON export downloaded beside its
 * images, read as a {@link LabelStudioFormat} dataset, handed to the {@link LabelStudioBackend.Retrainer}, and the
 * model it returns put in service. A training that fails is logged; the model before it goes on answering.
 */
final class ProjectTraining implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectTraining.class);

    private final LabelStudioBackend.Retrainer retrainer;
    private final ServingModel model;
    private final LabelStudioHost host;
    private final Optional<Path> localFiles;
    private final long maxExportBytes;
    private final AtomicBoolean underWay = new AtomicBoolean();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "annotate-serve-training");
        t.setDaemon(true);
        return t;
    });

    ProjectTraining(LabelStudioBackend.Retrainer retrainer, ServingModel model, LabelStudioHost host,
                    Optional<Path> localFiles, long maxExportBytes) {
        this.retrainer = retrainer;
        this.model = model;
        this.host = host;
        this.localFiles = localFiles.map(p -> p.toAbsolutePath().normalize());
        this.maxExportBytes = maxExportBytes;
    }

    /**
     * Starts training on project {@code id} in the background.
     *
     * @return false if a training is under way (none is started)
     * @throws Refused (400) when the project's images are not on this disk
     */
    boolean start(String id, LabelingConfig config) throws Refused {
        if (localFiles.isEmpty()) {
            throw new Refused(400, "training needs the project's images on this disk: start the backend with a"
                    + " local-files folder (Label Studio's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT)");
        }
        if (!underWay.compareAndSet(false, true)) {
            return false;
        }
        thread.execute(() -> {
            try {
                train(id, config);
            } catch (Exception | Error e) {
                LOG.error("training on project {} failed; still serving {}", id, model.version(), e);
            } finally {
                underWay.set(false);
            }
        });
        return true;
    }

    /** Downloads project {@code id}'s export beside its images, trains on it, and serves the new model. */
    private void train(String id, LabelingConfig config) throws Exception {
        Path export = localFiles.get().resolve(".annotate-serve-project-" + id + ".json");
        try {
            host.download(host.projectExport(id), export, maxExportBytes);
            LabelMap labels = model.labelMap();
            for (String name : new TreeSet<>(config.labels())) {
                if (labels.byName(name).isEmpty()) {
                    labels = labels.withAppended(name);
                }
            }
            LabelStudioFormat format = new LabelStudioFormat(new LabelStudioFormat.Settings(
                    LabelStudioFormat.LOCAL_FILES, config.dataKey(), config.fromName(), config.toName()));
            LOG.info("training on project {} ({} classes) from {}", id, labels.size(), model.version());
            LabelStudioBackend.Trained next = retrainer.retrain(Dataset.of(export, format, labels), labels);
            model.replace(next.detector(), next.modelVersion());
            LOG.info("now serving {}", next.modelVersion());
        } finally {
            Files.deleteIfExists(export);
        }
    }

    /** Waits until the training started before this call, if any, has ended; false on timeout. */
    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            thread.submit(() -> { }).get(timeout, unit); // one thread: runs after the training under way
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | RejectedExecutionException e) {
            return true; // a stopped backend trains no more
        }
    }

    /** Stops a training under way (interrupting it) and waits up to 5 seconds for it. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
