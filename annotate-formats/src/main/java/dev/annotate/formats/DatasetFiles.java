package dev.annotate.formats;

import com.google.gson.JsonParseException;
import dev.annotate.core.format.TextFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the dataset-level formats (COCO, Label Studio, CVAT) share: where the file is, image keys, messages.
 */
final class DatasetFiles {

    private DatasetFiles() {
    }

    /**
     * The file of a dataset path: the path itself if it ends in {@code defaultName}'s extension ({@code .json},
     * {@code .xml}; in any case), else {@code defaultName} in it.
     */
    static Path file(Path dataset, String defaultName) {
        String extension = defaultName.substring(defaultName.lastIndexOf('.')).toLowerCase(Locale.ROOT);
        return dataset.getFileName() != null
                && dataset.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension)
                ? dataset : dataset.resolve(defaultName);
    }

    /**
     * An image's path relative to the dataset file's folder, with {@code /} separators and normalised.
     *
     * @throws IllegalArgumentException if it is empty, absolute or leaves the folder
     */
    static String relativeImagePath(Path file, String relativeImagePath) {
        Path folder = file.getParent();
        String name = relativeImagePath.replace('\\', '/');
        Path resolved = folder.resolve(name).normalize();
        if (name.isEmpty() || name.startsWith("/") || !resolved.startsWith(folder)) {
            throw new IllegalArgumentException("relativeImagePath '" + relativeImagePath
                    + "' is not a path inside the dataset folder " + folder);
        }
        return folder.relativize(resolved).toString().replace('\\', '/');
    }

    /**
     * Gson's syntax message, for a person: its first line (the rest links to Gson's troubleshooting page), without
     * the exception's class or Gson's advice to parse leniently, its JSON path shortened when long (a deeply nested
     * value's path repeats {@code [0]} hundreds of times).
     */
    static String syntaxMessage(Exception e) {
        Throwable t = e instanceof JsonParseException && e.getCause() instanceof IOException io ? io : e;
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        m = m.lines().findFirst().orElse("").strip()
                .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
        return m.length() > 160 ? m.substring(0, 157) + "..." : m;
    }

    /** Where the first byte sequence that is not UTF-8 starts. */
    static String undecodable(Path file) {
        try {
            return TextFiles.firstUndecodable(file)
                    .stream().mapToObj(at -> "the bytes at offset " + at + " do not decode (JSON files are UTF-8)")
                    .findFirst().orElse("a byte sequence does not decode (JSON files are UTF-8)");
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A value quoted in a message: on one line, control characters as {@code ?}, at most 120 characters. */
    static String clean(String s) {
        String t = s == null ? "" : s.replaceAll("\\s+", " ").replaceAll("\\p{Cntrl}", "?").strip();
        return t.length() > 120 ? t.substring(0, 117) + "..." : t;
    }
}
