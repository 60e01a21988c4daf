package dev.annotate.cli;

import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.formats.LabelStudioFormat;
import picocli.CommandLine.Option;

/**
 * How a written Label Studio tasks file names images and regions, for {@code predict} and {@code convert}: the
 * values must match the project's labeling config and storage (see the README).
 */
final class LabelStudioOptions {

    @Option(names = "--image-prefix", paramLabel = "PREFIX", description = "labelstudio: put before each image's path"
            + " relative to the tasks file's folder (default /data/local-files/?d=, Label Studio's local files; for"
            + " cloud storage, for example s3://bucket/images/).")
    String imagePrefix;

    @Option(names = "--data-key", paramLabel = "KEY",
            description = "labelstudio: the task data key of the image, $KEY in the labeling config (default image).")
    String dataKey;

    @Option(names = "--from-name", paramLabel = "NAME",
            description = "labelstudio: the labeling config's RectangleLabels name (default label).")
    String fromName;

    @Option(names = "--to-name", paramLabel = "NAME",
            description = "labelstudio: the labeling config's Image name (default image).")
    String toName;

    /**
     * The installed format of this name, Label Studio's with these settings.
     *
     * @throws IllegalArgumentException if the format is unknown, or a Label Studio option is given for another
     */
    AnnotationFormat format(String name) {
        AnnotationFormat format = AnnotationFormats.byName(name);
        boolean given = imagePrefix != null || dataKey != null || fromName != null || toName != null;
        if (!(format instanceof LabelStudioFormat)) {
            if (given) {
                throw new IllegalArgumentException("--image-prefix, --data-key, --from-name and --to-name are for"
                        + " --format labelstudio, not " + name);
            }
            return format;
        }
        LabelStudioFormat.Settings d = LabelStudioFormat.Settings.defaults();
        return new LabelStudioFormat(new LabelStudioFormat.Settings(imagePrefix == null ? d.imagePrefix() : imagePrefix,
                dataKey == null ? d.dataKey() : dataKey, fromName == null ? d.fromName() : fromName,
                toName == null ? d.toName() : toName));
    }
}
