package dev.annotate.spark;

import dev.annotate.core.Detector;
import dev.annotate.core.Detectors;
import dev.annotate.tfrecord.TfExamples;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One open {@link Detector} per model and options per executor JVM, shared by every task the executor runs at the
 * same time and after each other: a model loads once, not once per task or partition.
 *
 * <p>The detectors live as long as the JVM (an executor ends by exiting, which frees their native memory). The
 * holder is static in a class of the application jar, so with one application per executor, which is how Spark
 * runs them, there is one per JVM; TensorFlow's and ONNX Runtime's native libraries are loaded once for it.
 *
 * <p>A model on a remote file system is copied once per machine into {@code <java.io.tmpdir>/annotate-models/},
 * keyed by its URI, size and modification time, SavedModel directories whole, together with the
 * {@code label_map.pbtxt} beside it; a copy is made under a temporary name and renamed, so executors sharing a
 * machine never see a partial one.
 */
final class ExecutorModels {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<ModelSpec, Detector> OPEN = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /** The detector for {@code spec}, opened on first use in this JVM. */
    static Detector get(ModelSpec spec, Configuration conf) throws IOException {
        try {
            return OPEN.computeIfAbsent(spec, s -> {
                try {
                    java.nio.file.Path local = localModel(s.model(), conf);
                    LOG.info("opening model {} for this executor ({} inference threads)", local, s.threads());
                    return Detectors.open(local, s.options());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The model as a path on this machine: itself when it is local, else a cached copy. */
    static java.nio.file.Path localModel(String uri, Configuration conf) throws IOException {
        Path model = new Path(uri);
        FileSystem fs = HadoopFiles.fileSystem(model, conf);
        if (HadoopFiles.isLocal(fs)) {
            return java.nio.file.Path.of(fs.makeQualified(model).toUri());
        }
        FileStatus status = fs.getFileStatus(model);
        String key = TfExamples.sha256Hex((fs.makeQualified(model) + "|" + status.getLen() + "|"
                + status.getModificationTime()).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
        java.nio.file.Path cache = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "annotate-models");
        java.nio.file.Path done = cache.resolve(key);
        java.nio.file.Path copy = done.resolve(model.getName());
        if (Files.exists(done)) {
            return copy;
        }
        Files.createDirectories(cache);
        java.nio.file.Path partial = Files.createTempDirectory(cache, key + ".partial-");
        copyToLocal(fs, model, partial.resolve(model.getName()), conf);
        Path labels = new Path(model.getParent(), "label_map.pbtxt");
        if (fs.exists(labels)) {
            copyToLocal(fs, labels, partial.resolve("label_map.pbtxt"), conf);
        }
        try {
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("copied model {} to {}", model, done);
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException
                 | AtomicMoveNotSupportedException e) {
            // another executor on this machine finished its copy first: use that one
            FileUtil.fullyDelete(partial.toFile());
        }
        return copy;
    }

    /** Copies a file or directory tree from a Hadoop file system to a local path. */
    private static void copyToLocal(FileSystem fs, Path from, java.nio.file.Path to, Configuration conf)
            throws IOException {
        FileSystem local = FileSystem.getLocal(conf).getRawFileSystem();
        if (!FileUtil.copy(fs, from, local, new Path(to.toUri()), false, conf)) {
            throw new IOException("cannot copy the model " + from + " to " + to);
        }
    }
}
