package dev.annotate.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Writes a file so that readers, and a crash at any moment, see either the old content or the whole new one.
 *
 * <p>The content goes to a temporary sibling ({@code .name.<random>.tmp}, in the same directory so the rename
 * stays on one file system), is forced to disk, then renamed over the target. On failure the temporary file is
 * removed and the target is untouched.
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("a.xml"), out -> out.write(bytes));
 * }</pre>
 */
public final class AtomicFiles {

    /** Produces the file's content. */
    @FunctionalInterface
    public interface Content {
        /** Writes everything to {@code out}; do not close it. */
        void writeTo(OutputStream out) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** Replaces {@code target} with {@code bytes}, atomically. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Replaces {@code target} with what {@code content} writes, atomically. */
    public static void write(Path target, Content content) throws IOException {
        write(target, content, true);
    }

    /**
     * Replaces {@code target} with {@code bytes} atomically for readers and for a killed process, without forcing
     * them to disk first: for a writer of many files that {@linkplain #sync(Collection) syncs} them once at its
     * end. Until then a power loss may leave the target empty or cut short (never the content of another file),
     * which that writer must recognise and redo.
     */
    public static void writeUnsynced(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes), false);
    }

    /**
     * Forces files written by {@link #writeUnsynced} to disk, then their folders (which hold the renames). A
     * folder that cannot be opened for that (Windows) is left to the file system.
     *
     * @throws IOException if a file cannot be forced, naming it
     */
    public static void sync(Collection<Path> files) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                channel.force(true);
            }
            dirs.add(file.toAbsolutePath().getParent());
        }
        for (Path dir : dirs) {
            try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                channel.force(true);
            } catch (IOException e) {
                // not every system opens a folder as a file; its renames then reach the disk in their own time
            }
        }
    }

    private static void write(Path target, Content content, boolean force) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Not Files.createTempFile: that creates mode 0600, and the renamed file would keep it.
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                 OutputStream out = Channels.newOutputStream(channel)) {
                content.writeTo(out);
                out.flush();
                if (force) {
                    channel.force(true);
                }
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
