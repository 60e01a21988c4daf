package dev.annotate.serve;

import dev.annotate.formats.LabelStudioFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a task's image is read from: a file under the local-files folder when the reference is a local-files URL
 * ({@code /data/local-files/?d=...}) or a plain path and that folder is given (never outside it); otherwise a
 * temporary download from the {@link LabelStudioHost}, removed when the task is answered.
 */
final class TaskImages implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskImages.class);

    /**
     * An image on this disk.
     *
     * @param path where it is
     * @param downloaded whether it is a temporary download, which {@link #close()} removes
     */
    record Image(Path path, boolean downloaded) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (downloaded) {
                Files.deleteIfExists(path);
            }
        }
    }

    private final Optional<Path> localFiles;
    private final LabelStudioHost host;
    private final long maxImageBytes;
    private final Path downloads;

    TaskImages(Optional<Path> localFiles, LabelStudioHost host, long maxImageBytes) throws IOException {
        this.localFiles = localFiles.map(p -> p.toAbsolutePath().normalize());
        this.host = host;
        this.maxImageBytes = maxImageBytes;
        this.downloads = Files.createTempDirectory("annotate-serve");
    }

    /** The image a task's reference names, read in place or downloaded. */
    Image open(String reference) throws IOException, Refused {
        Optional<Path> local = local(reference);
        return local.isPresent() ? new Image(local.get(), false) : new Image(fetch(reference), true);
    }

    /** The image on this disk a reference names under the local-files folder, if it is one. */
    private Optional<Path> local(String reference) throws Refused {
        if (localFiles.isEmpty()) {
            return Optional.empty();
        }
        String relative;
        if (reference.startsWith(LabelStudioFormat.LOCAL_FILES)) {
            relative = URLDecoder.decode(reference.substring(LabelStudioFormat.LOCAL_FILES.length()),
                    StandardCharsets.UTF_8);
        } else if (reference.contains("://") || reference.startsWith("/data/")) {
            return Optional.empty(); // a URL, or Label Studio's own (uploads): fetched
        } else {
            relative = reference;
        }
        Path root = localFiles.get();
        try {
            Path p = root.resolve(relative).normalize();
            if (!p.startsWith(root)) {
                throw new Refused(403, "image '" + reference + "' is outside " + root);
            }
            return Optional.of(p);
        } catch (InvalidPathException e) {
            throw new Refused(400, "image '" + reference + "' is not a path: " + e.getMessage());
        }
    }

    /** Downloads a Label Studio-hosted image into a temporary file, refusing any other host. */
    private Path fetch(String reference) throws IOException, Refused {
        URI url = host.imageUrl(reference);
        String name = url.getPath() == null ? "" : url.getPath();
        String extension = name.lastIndexOf('.') > name.lastIndexOf('/') ? name.substring(name.lastIndexOf('.'))
                .replaceAll("[^A-Za-z0-9.]", "") : "";
        Path file = Files.createTempFile(downloads, "image", extension.length() <= 6 ? extension : "");
        try {
            host.download(url, file, maxImageBytes);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    /** Removes the downloads folder and anything left in it. */
    @Override
    public void close() {
        try (var left = Files.list(downloads)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(downloads);
        } catch (IOException e) {
            LOG.debug("cannot remove {}", downloads, e);
        }
    }
}
