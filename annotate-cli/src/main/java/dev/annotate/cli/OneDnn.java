package dev.annotate.cli;

import java.util.Locale;

/**
 * Turns on TensorFlow's oneDNN kernels for this process where TensorFlow leaves them off: on x86-64 CPUs without the
 * AVX-512 deep-learning instructions TensorFlow runs its own kernels unless the environment says
 * {@value #VARIABLE}{@code =1}. Measured on a 2-core AMD EPYC (AVX2), alternating runs of 300 training steps: 58-76
 * images/s with its kernels, 79-97 with oneDNN's, so a 3-minute {@code train} took 1,634 steps before and 2,183
 * after (generated-domain mAP 0.919 → 0.933); SavedModel inference was no slower.
 *
 * <p>TensorFlow reads the variable from the process environment once, natively, when it first loads, and Java cannot
 * change its own environment; so, once {@link Annotate#main} has {@linkplain #allow() allowed} it, the commands set
 * it through libc's {@code setenv} (JNA) in {@link NativeOutput#beforeTensorFlow()}, just before they load
 * TensorFlow (so a run that never loads it pays nothing). A value the user set, {@code 0} or {@code 1}, is kept.
 * Programs that embed the library rather than the CLI set the variable themselves, as do the CLI's in-process tests
 * (whose JVM {@link #enable()} leaves alone).
 */
final class OneDnn {

    static final String VARIABLE = "TF_ENABLE_ONEDNN_OPTS";

    private static boolean allowed;

    private OneDnn() {
    }

    /** Lets {@link #enable()} change this process's environment from now on. */
    static synchronized void allow() {
        allowed = true;
    }

    /**
     * Sets {@value #VARIABLE} to 1 if {@linkplain #allow() allowed} and {@link #wanted} says so; does nothing where
     * it cannot.
     */
    static synchronized void enable() {
        String os = System.getProperty("os.name", "");
        if (!allowed || !wanted(os, System.getProperty("os.arch", ""), System.getenv(VARIABLE))) {
            return;
        }
        try {
            NativeOutput.LibC.get().setenv(VARIABLE, "1", 0);
        } catch (LinkageError | RuntimeException e) {
            // no libc to call: TensorFlow keeps its own kernels, which are only slower
        }
    }

    /**
     * Whether to turn oneDNN on: on Linux and macOS for x86-64 (where it was measured; Windows has no
     * {@code setenv}), and only if the user has not set the variable.
     */
    static boolean wanted(String osName, String osArch, String current) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        return current == null && (os.startsWith("linux") || os.startsWith("mac"))
                && (arch.equals("amd64") || arch.equals("x86_64"));
    }
}
