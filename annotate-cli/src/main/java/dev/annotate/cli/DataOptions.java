package dev.annotate.cli;

import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.Dataset;
import dev.annotate.voc.VocFormat;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dataset options {@code train} and {@code tfrecord} share: {@code --data PATH} (repeatable) in
 * {@code --format F}, and {@code --voc DIR}, which means {@code --data DIR --format voc}.
 */
final class DataOptions {

    @Option(names = "--data", paramLabel = "PATH", description = "A dataset in --format: a folder, or the file of a"
            + " dataset-level format such as COCO. Repeatable: the parts are read one after the other.")
    List<Path> data = new ArrayList<>();

    @Option(names = "--format", defaultValue = "voc", paramLabel = "F",
            description = "Format of every --data (default ${DEFAULT-VALUE}; see convert --list).")
    String format;

    @Option(names = "--voc", paramLabel = "DIR", description = "A folder of VOC files (LabelImg) and their images:"
            + " the same as --data DIR --format voc. Repeatable.")
    List<Path> voc = new ArrayList<>();

    /**
     * The dataset the options name: the {@code --voc} folders, then the {@code --data} parts.
     *
     * @param labels the label map, for formats that store class ids
     * @throws IllegalArgumentException if no part is given, or the format is unknown
     */
    Dataset dataset(LabelMap labels) {
        if (data.isEmpty() && voc.isEmpty()) {
            throw new IllegalArgumentException("give the dataset with --data PATH [--format F] or --voc DIR");
        }
        AnnotationFormat f = AnnotationFormats.byName(format);
        List<Dataset.Part> parts = new ArrayList<>();
        voc.forEach(dir -> parts.add(new Dataset.Part(dir, new VocFormat())));
        data.forEach(path -> parts.add(new Dataset.Part(path, f)));
        return Dataset.of(parts, labels);
    }
}
