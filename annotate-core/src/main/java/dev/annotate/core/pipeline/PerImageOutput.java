package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.pipeline.PreAnnotator.Failure;
import dev.annotate.core.pipeline.PreAnnotator.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** One annotation file per image, beside it or in a mirrored tree. */
final class PerImageOutput implements Output {

    private static final Logger LOG = LoggerFactory.getLogger(PerImageOutput.class);

    private static final int SYNC_BATCH = 4096;
    private final Path root;
    private final Optional<Path> out;
    private final Options options;
    private final PerImageFormat format;
    private final LabelMap labels;
    private final List<Failure> notes;
    /** Files written and not yet forced to disk; forced in batches of {@link #SYNC_BATCH} and at the end. */
    private final List<Path> unsynced = new ArrayList<>();

    PerImageOutput(Path root, Optional<Path> out, Options options, PerImageFormat format, LabelMap labels,
                   List<Failure> notes) {
        this.root = root;
        this.out = out;
        this.options = options;
        this.format = format;
        this.labels = labels;
        this.notes = notes;
    }

    @Override
    public void beforeDirectory(Path firstImage) throws IOException {
        removeStaleTemporaries(target(root, out, firstImage, format).getParent(), format);
    }

    @Override
    public Optional<Optional<AnnotatedImage>> plan(Path image) {
        Path target = target(root, out, image, format);
        return Files.exists(target) && !mayReplace(target) ? Optional.of(Optional.empty()) : Optional.empty();
    }

    @Override
    public void write(Path image, AnnotatedImage result) throws IOException {
        Path target = target(root, out, image, format);
        Files.createDirectories(target.getParent());
        Optional<PerImageFormat.Codec> codec = format.codec();
        if (codec.isEmpty()) { // a format whose file depends on more than the image (YOLO)
            format.writeFile(result, target, labels);
            return;
        }
        AtomicFiles.writeUnsynced(target, codec.get().encode(result, labels));
        List<Path> batch = null;
        synchronized (unsynced) {
            unsynced.add(target);
            if (unsynced.size() >= SYNC_BATCH) {
                batch = new ArrayList<>(unsynced);
                unsynced.clear();
            }
        }
        if (batch != null) {
            AtomicFiles.sync(batch);
        }
    }

    @Override
    public void finish() throws IOException {
        syncRest();
    }

    @Override
    public void abandon() {
        try {
            syncRest();
        } catch (IOException e) {
            LOG.warn("annotation files written before the run stopped could not be forced to disk: {}",
                    e.toString());
        }
    }

    /** The file whose bytes are in hand, parsed from them where the format can, else read again. */
    private ReadResult read(Path target, byte[] content) throws IOException {
        Optional<PerImageFormat.Codec> codec = format.codec();
        return codec.isPresent() ? codec.get().decode(content, target, labels) : format.readFile(target, labels);
    }

    private void syncRest() throws IOException {
        List<Path> rest;
        synchronized (unsynced) {
            rest = new ArrayList<>(unsynced);
            unsynced.clear();
        }
        AtomicFiles.sync(rest);
    }

    /** Whether the policy lets this run replace an existing annotation file (see {@link Existing}). */
    private boolean mayReplace(Path target) {
        Existing.Decision d = options.existing().decide(new Existing.Source() {
            @Override
            public byte[] bytes() throws IOException {
                return Files.readAllBytes(target);
            }

            @Override
            public ReadResult parse(byte[] bytes) throws IOException {
                return read(target, bytes);
            }
        });
        if (d.notable()) {
            notes.add(new Failure(target, d.reason()));
        }
        return d.replace();
    }

    /**
     * Refuses a layout where two images would write the same annotation file (say {@code a.jpg} and {@code a.png}
     * beside each other), before anything is written.
     *
     * @throws IllegalArgumentException listing them (the first 20 pairs)
     */
    static void refuseCollisions(ImageTree tree, Path root, Optional<Path> out, PerImageFormat format) {
        Map<Path, List<Path>> collisions = new TreeMap<>();
        for (ImageTree.Folder folder : tree.folders()) {
            Map<String, Path> seen = new HashMap<>();
            for (Path image : folder.paths()) {
                String annotation = format.annotationFileName(image.getFileName().toString());
                Path other = seen.putIfAbsent(annotation, image);
                if (other != null) {
                    collisions.computeIfAbsent(target(root, out, image, format), k -> new ArrayList<>(
                            List.of(other))).add(image);
                }
            }
        }
        if (!collisions.isEmpty()) {
            StringBuilder sb = new StringBuilder("images would overwrite each other's annotation files:");
            collisions.entrySet().stream().limit(20).forEach(e -> sb.append("\n  ").append(e.getKey())
                    .append(" <- ").append(e.getValue()));
            if (collisions.size() > 20) {
                sb.append("\n  ... and ").append(collisions.size() - 20).append(" more");
            }
            throw new IllegalArgumentException(sb.append("\nrename or move one image of each pair").toString());
        }
    }

    /** The annotation file for an image: beside it, or at the same relative place under the output folder. */
    static Path target(Path root, Optional<Path> out, Path image, PerImageFormat format) {
        Path dir = out.map(o -> o.resolve(root.relativize(image.getParent()))).orElse(image.getParent());
        return dir.resolve(format.annotationFileName(image.getFileName().toString()));
    }

    /**
     * A run killed while writing leaves {@code .name<ext>.<random>.tmp} files (see {@code AtomicFiles}) in an
     * output directory: never a result, removed before the directory's images are handled.
     */
    private static void removeStaleTemporaries(Path dir, PerImageFormat format) throws IOException {
        String marker = format.fileExtension() + ".";
        Output.removeTemporaries(dir, n -> n.startsWith(".") && n.endsWith(".tmp") && n.contains(marker));
    }
}
