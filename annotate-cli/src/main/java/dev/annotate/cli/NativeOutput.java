package dev.annotate.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps what native libraries print on the process's standard error (TensorFlow's oneDNN and CPU-feature
 * banners, its SavedModel loader notes, absl's and MLIR's lines) off the user's terminal, where they would
 * interleave with the progress bars.
 *
 * <p>Design: native code writes to file descriptor 2 directly, which no Java API can redirect, and TensorFlow's
 * absl lines ignore {@code TF_CPP_MIN_LOG_LEVEL}. So, once, before TensorFlow loads: descriptor 2 is duplicated,
 * pointed at a log file (libc's {@code dup}/{@code dup2} through JNA), and {@link FileDescriptor#err} (under
 * {@code System.err} and every stream built on it, the CLI's messages and bars among them) is moved to the
 * duplicate, so Java's output still reaches the terminal. The log is deleted at exit, or kept when the command
 * failed with an internal error (its stack trace is appended to it and the error line names it).
 *
 * <p>Only {@link Annotate#main} {@linkplain #enable() enables} it, and not with {@code --verbose}; commands call
 * {@link #beforeTensorFlow()} just before they load TensorFlow, so an ONNX-only run pays nothing; that is also when
 * {@link OneDnn} sets TensorFlow's kernels, which it must do before TensorFlow loads too. Moving
 * {@code FileDescriptor.err} needs the CLI jar's manifest entry {@code Add-Opens: java.base/java.io}; without
 * it (the CLI embedded in another program), or on Windows, nothing is diverted.
 */
final class NativeOutput {

    /** libc's descriptor and environment calls. */
    interface LibC extends Library {
        int dup(int fd);

        int dup2(int from, int to);

        int open(String path, int flags);

        int close(int fd);

        int setenv(String name, String value, int overwrite);

        /**
         * libc, loaded once, on first use (a failed load throws a {@link LinkageError} then and at every use after).
         */
        static LibC get() {
            return Loaded.LIBC;
        }
    }

    /** Holds libc's interface, so that the commands and {@link OneDnn} share one load. */
    private static final class Loaded {
        static final LibC LIBC = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
    }

    private static final int STDERR = 2;
    private static final int O_WRONLY = 1;

    private static boolean enabled;
    private static boolean tried;
    private static Path log;

    private NativeOutput() {
    }

    /** Lets {@link #beforeTensorFlow()} divert native output from now on. */
    static synchronized void enable() {
        enabled = true;
    }

    /** {@link #beforeTensorFlow()} before a model at {@code model} loads, unless it is an ONNX model. */
    static void beforeTensorFlow(Path model) {
        if (!model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            beforeTensorFlow();
        }
    }

    /**
     * Prepares the process for TensorFlow, which must happen before it loads: {@link OneDnn#enable()}, then native
     * standard error diverted into a log file, once, if {@linkplain #enable() enabled} and possible (otherwise
     * native output stays where it was).
     */
    static synchronized void beforeTensorFlow() {
        OneDnn.enable();
        if (!enabled || tried || Platform.isWindows()) {
            return;
        }
        tried = true;
        Field fd;
        try {
            fd = FileDescriptor.class.getDeclaredField("fd");
            fd.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return; // not opened to us: leave stderr alone
        }
        Path file = null;
        try {
            file = Files.createTempFile("annotate-", ".log");
            LibC c = LibC.get();
            int appendFlag = Platform.isMac() ? 0x8 : 02000; // O_APPEND
            int logFd = c.open(file.toString(), O_WRONLY | appendFlag);
            if (logFd < 0) {
                Files.deleteIfExists(file);
                return;
            }
            int saved = c.dup(STDERR);
            if (saved < 0) {
                c.close(logFd);
                Files.deleteIfExists(file);
                return;
            }
            System.err.flush();
            c.dup2(logFd, STDERR);
            c.close(logFd);
            fd.setInt(FileDescriptor.err, saved);
            log = file;
        } catch (IOException | ReflectiveOperationException | LinkageError | RuntimeException e) {
            deleteQuietly(file);
        }
    }

    /** The log native output goes to, if it was diverted. */
    static synchronized Optional<Path> log() {
        return Optional.ofNullable(log);
    }

    /** At exit: deletes the log unless {@code keep}. */
    static synchronized void finish(boolean keep) {
        if (log != null && !keep) {
            deleteQuietly(log);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file in java.io.tmpdir; the system cleans it
        }
    }
}
