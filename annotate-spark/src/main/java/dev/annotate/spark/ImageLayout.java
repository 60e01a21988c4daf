package dev.annotate.spark;

import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.pipeline.PreAnnotator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where images are and where their annotation files go: beside each image, or at the same place relative to the
 * image root under an output root, exactly as {@code annotate predict} places them.
 *
 * @param imageRoot the qualified image root: the folder given, or for a glob the folder its fixed part names
 * @param outputRoot the qualified output root, or {@code null} to write beside each image
 * @param format the per-image format's name
 */
record ImageLayout(String imageRoot, String outputRoot, String format) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The format, found by name on whichever JVM asks. */
    PerImageFormat perImageFormat() {
        return (PerImageFormat) AnnotationFormats.byName(format);
    }

    /** The annotation file of an image (a qualified path under {@link #imageRoot}). */
    Path target(Path image, PerImageFormat perImage) {
        String name = perImage.annotationFileName(image.getName());
        if (outputRoot == null) {
            return new Path(image.getParent(), name);
        }
        String root = new Path(imageRoot).toUri().getPath();
        String parent = image.getParent().toUri().getPath();
        String relative = parent.equals(root) ? "" : parent.substring(root.length() + (root.endsWith("/") ? 0 : 1));
        return relative.isEmpty() ? new Path(new Path(outputRoot), name)
                : new Path(new Path(new Path(outputRoot), relative), name);
    }

    /**
     * Lists the images under {@code images} (a folder, searched recursively, or a glob whose matches are images
     * or folders), sorted by path, and refuses before anything is written a layout where two images would write
     * the same annotation file, as the command line does.
     *
     * @return the qualified image paths
     * @throws FileNotFoundException if the folder does not exist or the glob matches nothing
     * @throws IllegalArgumentException if two images would share an annotation file, listing them
     */
    static List<String> list(FileSystem fs, Path images, ImageLayout layout) throws IOException {
        List<String> found = new ArrayList<>();
        if (hasGlob(images.toString())) {
            FileStatus[] matches = fs.globStatus(images);
            if (matches == null || matches.length == 0) {
                throw new FileNotFoundException(images + ": the glob matches nothing");
            }
            for (FileStatus m : matches) {
                addImages(fs, m, found);
            }
        } else {
            FileStatus status = fs.getFileStatus(images);
            if (!status.isDirectory()) {
                throw new IllegalArgumentException(images + " is not a folder; give a folder of images or a glob");
            }
            addImages(fs, status, found);
        }
        found.sort(null);
        PerImageFormat perImage = layout.perImageFormat();
        Map<String, List<String>> byTarget = new TreeMap<>();
        for (String image : found) {
            byTarget.computeIfAbsent(layout.target(new Path(image), perImage).toString(), k -> new ArrayList<>())
                    .add(image);
        }
        List<Map.Entry<String, List<String>>> collisions = byTarget.entrySet().stream()
                .filter(e -> e.getValue().size() > 1).toList();
        if (!collisions.isEmpty()) {
            StringBuilder sb = new StringBuilder("images would overwrite each other's annotation files:");
            collisions.stream().limit(20).forEach(e -> sb.append("\n  ").append(e.getKey()).append(" <- ")
                    .append(e.getValue()));
            if (collisions.size() > 20) {
                sb.append("\n  ... and ").append(collisions.size() - 20).append(" more");
            }
            throw new IllegalArgumentException(sb.append("\nrename or move one image of each pair").toString());
        }
        return found;
    }

    /** The folder a glob's fixed part names: what the mirrored tree is relative to. */
    static Path globRoot(Path glob) {
        Path p = glob;
        while (p.getParent() != null && hasGlob(p.toUri().getPath())) {
            p = p.getParent();
        }
        return p;
    }

    static boolean hasGlob(String path) {
        return path.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static void addImages(FileSystem fs, FileStatus status, List<String> found) throws IOException {
        if (status.isDirectory()) {
            HadoopFiles.listFiles(fs, status.getPath(), PreAnnotator::isImageFileName, found);
        } else if (PreAnnotator.isImageFileName(status.getPath().getName())) {
            found.add(status.getPath().toString());
        }
    }
}
