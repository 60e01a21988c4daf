package dev.annotate.onnx.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * ONNX Runtime's native libraries, unpacked once into a cache folder instead of on every start.
 *
 * <p>Left to itself, ONNX Runtime's Java binding copies its 22 MB native library out of its jar into a fresh
 * temporary folder each time a process first uses it: a fifth of a second or more of every {@code annotate predict}
 * start, measured. {@link #prepare()} unpacks the libraries of this platform once into
 * {@code <cache>/onnxruntime-<platform>-<key>} (the key is the library's size and CRC in the jar, so another
 * ONNX Runtime version gets another folder, and the same library in a shaded jar the same one) and points ONNX Runtime there with its own
 * {@code onnxruntime.native.path} property. The folder is written under a temporary name and renamed, so concurrent
 * first starts never load a half-written library. {@code <cache>} is the {@code annotate.cache.dir} system property,
 * else {@code $XDG_CACHE_HOME/annotate}, else {@code ~/.cache/annotate}.
 *
 * <p>Anything unexpected (an unknown platform, a read-only home, the property already set by the user) leaves
 * ONNX Runtime to do as it always does.
 */
public final class OrtNativeCache {

    /** ONNX Runtime's own property: the folder its native libraries are loaded from. */
    public static final String NATIVE_PATH = "onnxruntime.native.path";

    private static final Logger LOG = LoggerFactory.getLogger(OrtNativeCache.class);
    private static final String RESOURCES = "/ai/onnxruntime/native/";
    private static boolean prepared;

    private OrtNativeCache() {
    }

    /** Points ONNX Runtime at the cached libraries, unpacking them first if needed; call before its first use. */
    public static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(NATIVE_PATH) != null) {
            return;
        }
        try {
            Optional<Path> dir = unpacked(cacheRoot());
            dir.ifPresent(d -> System.setProperty(NATIVE_PATH, d.toString()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("ONNX Runtime's native libraries are not cached; it unpacks them itself", e);
        }
    }

    /**
     * The folder under {@code cache} holding this platform's libraries, unpacked now if it is missing or damaged (a
     * file of the wrong size); empty on a platform ONNX Runtime's jar has no libraries for.
     */
    static Optional<Path> unpacked(Path cache) throws IOException {
        Optional<String> platform = platform();
        if (platform.isEmpty()) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        List<URL> urls = new ArrayList<>();
        for (String name : libraries(platform.get())) {
            URL url = OrtNativeCache.class.getResource(RESOURCES + platform.get() + "/" + name);
            if (url != null) {
                names.add(name);
                urls.add(url);
            }
        }
        if (names.size() < 2) { // the runtime and its JNI bridge, at least
            return Optional.empty();
        }
        URLConnection main = urls.get(0).openConnection();
        long[] sizes = new long[urls.size()];
        for (int i = 0; i < urls.size(); i++) {
            sizes[i] = urls.get(i).openConnection().getContentLengthLong();
        }
        // in a jar (ONNX Runtime's own, or a shaded one), the entry's CRC from the central directory: no reading
        long stamp = main instanceof java.net.JarURLConnection jar && jar.getJarEntry().getCrc() >= 0
                ? jar.getJarEntry().getCrc() : main.getLastModified();
        String key = Long.toHexString(sizes[0]) + "-" + Long.toHexString(stamp);
        Path dir = cache.resolve("onnxruntime-" + platform.get() + "-" + key);
        if (complete(dir, names, sizes)) {
            return Optional.of(dir);
        }
        Files.createDirectories(cache);
        // the folder appears whole (renamed into place) or not at all, so one seen incomplete just now may have been
        // put in place since by another process, which may be loading from it: looked at again before setting aside
        if (Files.exists(dir)) {
            if (complete(dir, names, sizes)) {
                return Optional.of(dir);
            }
            // damaged (an existing folder was whole when renamed in): set aside under a name no reader looks at
            Path stale = cache.resolve(".stale-" + dir.getFileName() + "-" + System.nanoTime());
            try {
                Files.move(dir, stale, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.debug("cannot set {} aside", dir, e);
            }
            deleteQuietly(stale);
        }
        Path staging = Files.createTempDirectory(cache, ".onnxruntime-");
        try {
            for (int i = 0; i < names.size(); i++) {
                try (InputStream in = urls.get(i).openStream()) {
                    Files.copy(in, staging.resolve(names.get(i)));
                }
            }
            try {
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another process unpacked it meanwhile (or the file system cannot rename folders atomically)
                LOG.debug("{} not moved into place: {}", staging, e.toString());
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                }
            }
        } finally {
            deleteQuietly(staging);
        }
        return complete(dir, names, sizes) ? Optional.of(dir) : Optional.empty();
    }

    private static boolean complete(Path dir, List<String> names, long[] sizes) {
        for (int i = 0; i < names.size(); i++) {
            try {
                if (Files.size(dir.resolve(names.get(i))) != sizes[i]) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static Path cacheRoot() {
        String set = System.getProperty("annotate.cache.dir");
        if (set != null && !set.isBlank()) {
            return Path.of(set);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "annotate");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "annotate");
    }

    /** ONNX Runtime's name for this platform's resource folder, as its loader maps os.name and os.arch. */
    private static Optional<String> platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win"
                : os.contains("nux") ? "linux" : null;
        String a = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x64") ? "x64"
                : arch.equals("aarch64") ? "aarch64" : null;
        return o == null || a == null ? Optional.empty() : Optional.of(o + "-" + a);
    }

    /** The library files of a platform, the runtime itself first. */
    private static List<String> libraries(String platform) {
        if (platform.startsWith("win")) {
            return List.of("onnxruntime.dll", "onnxruntime4j_jni.dll", "onnxruntime_providers_shared.dll");
        }
        String suffix = platform.startsWith("osx") ? ".dylib" : ".so";
        return List.of("libonnxruntime" + suffix, "libonnxruntime4j_jni" + suffix);
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("cannot remove {}", dir, e);
        }
    }
}
