package dev.annotate.formats;

import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the formats with one file for the whole dataset (COCO, CVAT, Label Studio) do alike: a dataset path names
 * the file itself or a folder holding the format's default file; reading a file that is not there is an error naming
 * it; a writer's folder is made before the writer opens. Subclasses read and write the file.
 */
abstract class DatasetFileFormat implements AnnotationFormat {

    private final String defaultFileName;
    private final String kind;

    /**
     * @param defaultFileName the file a dataset folder holds, for example {@code annotations.json}; a dataset path
     *     ending in its extension is the file itself
     * @param kind the file's kind in messages, for example {@code COCO JSON}
     */
    DatasetFileFormat(String defaultFileName, String kind) {
        this.defaultFileName = Objects.requireNonNull(defaultFileName, "defaultFileName");
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** The dataset's file: the path itself if it ends in the default file's extension, else the default file in it. */
    @Override
    public final Path datasetFile(Path dataset) {
        return DatasetFiles.file(dataset, defaultFileName);
    }

    /** Reads the dataset's file; a {@link NoSuchFileException} naming it when there is none. */
    @Override
    public final void read(Path dataset, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        Path file = datasetFile(dataset);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + kind + " file here");
        }
        readFile(file, labels, results);
    }

    /** Opens a writer of the dataset's file, its folder made first; the file appears, whole, when it closes. */
    @Override
    public final DatasetWriter openWriter(Path dataset, LabelMap labels) throws IOException {
        Path file = datasetFile(dataset).toAbsolutePath();
        Files.createDirectories(file.getParent());
        return openFileWriter(file, labels);
    }

    /** Reads {@code file}, which exists, reporting each image (or problem) as it comes. */
    abstract void readFile(Path file, LabelMap labels, Consumer<ReadResult> results) throws IOException;

    /** A writer of {@code file} (absolute; its folder exists). */
    abstract DatasetWriter openFileWriter(Path file, LabelMap labels) throws IOException;
}
