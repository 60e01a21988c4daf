package dev.annotate.spark;

import dev.annotate.core.format.AtomicFiles;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.StreamCapabilities;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reading and writing whole small files through Hadoop's FileSystem API with the pipeline's guarantee: a reader,
 * and a crash at any moment, see the old file or the whole new one.
 *
 * <p>Where the file system renames atomically (local, HDFS, ABFS with a hierarchical namespace) the bytes go to a
 * hidden temporary sibling, {@code .NAME.<task attempt>-<random>.tmp}, forced to disk where the stream can
 * ({@code hsync}), then renamed into place. Object stores ({@link #OBJECT_STORES}) have no atomic rename (S3A's is a
 * copy and a delete) but make an object visible only once it is wholly uploaded: there the bytes are written to the
 * target directly. HDFS refuses to rename onto an existing file, so replacing one there deletes it first: for a
 * moment the file is absent, never partial.
 *
 * <p>On the local file system (a local disk, or a network file system every executor mounts at one path) small
 * files are written by the command line's own {@link AtomicFiles}, and streams go through Hadoop without its
 * checksum layer, so no {@code .crc} files appear beside the outputs and the tree is the command line's.
 */
final class HadoopFiles {

    /** URI schemes of object stores: written directly, never through a temporary file and a rename. */
    static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "wasb", "wasbs", "oss", "cosn", "obs");

    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a write ended. */
    enum Outcome {
        /** Our bytes are the file now. */
        WRITTEN,
        /** The file appeared meanwhile (another attempt of the same task) and was not to be replaced. */
        ALREADY_THERE
    }

    private HadoopFiles() {
    }

    /** The file system of {@code path}, without the checksum layer when it is the local one. */
    static FileSystem fileSystem(Path path, org.apache.hadoop.conf.Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** {@code path} made absolute on its file system, with scheme and authority. */
    static Path qualify(Path path, org.apache.hadoop.conf.Configuration conf) throws IOException {
        return path.getFileSystem(conf).makeQualified(path);
    }

    /** Whether {@code fs} is this machine's own file system, where java.nio paths reach the same files. */
    static boolean isLocal(FileSystem fs) {
        return "file".equals(fs.getUri().getScheme());
    }

    /** Whether {@code fs} is an object store, written directly (see the class comment). */
    static boolean isObjectStore(FileSystem fs) {
        return OBJECT_STORES.contains(String.valueOf(fs.getUri().getScheme()).toLowerCase(Locale.ROOT));
    }

    /**
     * Adds the files under {@code dir} (recursively) whose names {@code accept}s to {@code found}, as qualified
     * paths, in no particular order. On the local file system through java.nio, symbolic links followed as the
     * command line follows them: Hadoop's local listing runs a shell command per file for its permissions, about
     * 10 ms each. Elsewhere one recursive listing, which object stores answer without a call per folder.
     */
    static void listFiles(FileSystem fs, Path dir, java.util.function.Predicate<String> accept, List<String> found)
            throws IOException {
        if (isLocal(fs)) {
            java.nio.file.Path root = java.nio.file.Path.of(fs.makeQualified(dir).toUri());
            try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(root,
                    java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                walk.filter(p -> p.getFileName() != null && accept.test(p.getFileName().toString()))
                        .filter(java.nio.file.Files::isRegularFile)
                        .forEach(p -> found.add(new Path(p.toUri()).toString()));
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            return;
        }
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            if (f.isFile() && accept.test(f.getPath().getName())) {
                found.add(f.getPath().toString());
            }
        }
    }

    /**
     * Reads a whole file of at most {@code maxBytes}.
     *
     * @throws IOException if it cannot be read or is larger
     */
    static byte[] readAll(FileSystem fs, Path file, long maxBytes) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        if (length > maxBytes) {
            throw new IOException(file + ": " + length + " bytes; at most " + maxBytes + " are read");
        }
        byte[] bytes = new byte[(int) length];
        try (FSDataInputStream in = fs.open(file)) {
            in.readFully(0, bytes);
        }
        return bytes;
    }

    /**
     * Writes {@code bytes} as {@code target}, creating its directory. If the writing fails, the target is as it
     * was.
     *
     * @param replace whether an existing file is to be replaced; if not and one appears while writing, it is
     *     left as it is
     * @param attempt names the temporary file, so two attempts of one task never share one
     */
    static Outcome write(FileSystem fs, Path target, byte[] bytes, boolean replace, String attempt)
            throws IOException {
        if (isLocal(fs)) {
            // the command line's own writer: the same temporary names, forced to disk, renamed; Hadoop's local
            // create, sync and rename cost about 20 ms a file here against its 1
            java.nio.file.Path file = java.nio.file.Path.of(target.toUri());
            java.nio.file.Files.createDirectories(file.getParent());
            AtomicFiles.write(file, bytes);
            return Outcome.WRITTEN;
        }
        try (Pending file = create(fs, target, replace, attempt)) {
            file.stream().write(bytes);
            return file.commit();
        }
    }

    /**
     * Starts writing {@code target} (see {@link #write(FileSystem, Path, byte[], boolean, String)}): the content
     * goes to {@link Pending#stream()} and appears as {@code target} on {@link Pending#commit()}; closing without
     * committing leaves the target as it was.
     */
    static Pending create(FileSystem fs, Path target, boolean replace, String attempt) throws IOException {
        fs.mkdirs(target.getParent());
        if (isObjectStore(fs)) {
            return new Pending(fs, target, null, fs.create(target, true), replace);
        }
        Path tmp = new Path(target.getParent(), temporaryName(target.getName(), attempt));
        return new Pending(fs, target, tmp, fs.create(tmp, false), replace);
    }

    /** A file being written; not thread-safe. */
    static final class Pending implements java.io.Closeable {
        private final FileSystem fs;
        private final Path target;
        /** The temporary file, or null when writing the target directly (object stores). */
        private final Path tmp;
        private final FSDataOutputStream out;
        private final boolean replace;
        private boolean done;

        private Pending(FileSystem fs, Path target, Path tmp, FSDataOutputStream out, boolean replace) {
            this.fs = fs;
            this.target = target;
            this.tmp = tmp;
            this.out = out;
            this.replace = replace;
        }

        /** Where the content goes. */
        java.io.OutputStream stream() {
            return out;
        }

        /** Makes the content the target's. */
        Outcome commit() throws IOException {
            done = true;
            if (tmp == null) {
                out.close(); // the object appears whole, now
                return Outcome.WRITTEN;
            }
            boolean renamed = false;
            try {
                out.hflush();
                if (out.hasCapability(StreamCapabilities.HSYNC)) {
                    out.hsync();
                }
                out.close();
                renamed = fs.rename(tmp, target);
                if (!renamed && fs.exists(target)) {
                    if (!replace) {
                        return Outcome.ALREADY_THERE;
                    }
                    fs.delete(target, false);
                    renamed = fs.rename(tmp, target);
                }
                if (!renamed) {
                    throw new IOException("cannot rename " + tmp + " to " + target);
                }
                return Outcome.WRITTEN;
            } finally {
                if (!renamed) {
                    fs.delete(tmp, false);
                }
            }
        }

        /** Discards the content unless committed: the target stays as it was. */
        @Override
        public void close() throws IOException {
            if (done) {
                return;
            }
            done = true;
            if (tmp != null) {
                try {
                    out.close();
                } finally {
                    fs.delete(tmp, false);
                }
            } else if (out.hasCapability(StreamCapabilities.ABORTABLE_STREAM)) {
                out.abort(); // closing would publish what was written so far
            } else {
                out.close();
                fs.delete(target, false);
            }
        }
    }

    /** {@code .NAME.<attempt>-<random>.tmp}: hidden, and recognisable by {@link #isTemporaryOf}. */
    static String temporaryName(String name, String attempt) {
        return "." + name + "." + attempt + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp";
    }

    /** Whether {@code name} is a temporary file left by a write of a file ending in {@code extension}. */
    static boolean isTemporaryOf(String name, String extension) {
        return name.startsWith(".") && name.endsWith(".tmp") && name.contains(extension + ".");
    }
}
