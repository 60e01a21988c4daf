package dev.annotate.spark;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;
import dev.annotate.core.pipeline.Existing;
import dev.annotate.core.pipeline.PreAnnotator;
import dev.annotate.formats.YoloFormat;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One partition of the pre-annotation job, on an executor: for each image, the existing-file policy, detection
 * with the executor's shared model, the annotation file written atomically, and one result row.
 *
 * <p>What fails how: an image that cannot be read or decoded, or is too large, is a {@code failed} row with its
 * reason, and the partition goes on. A backend failure ({@code DetectorException}) or an output file that cannot
 * be written fails the task, so that Spark retries it; files already written are then skipped (or, under
 * {@code overwrite}, written again with the same bytes), so a retry finishes the partition with the same tree.
 */
final class PreAnnotateTask implements FlatMapFunction<Iterator<String>, Row> {

    @Serial
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PreAnnotateTask.class);
    /** Larger existing annotation files are not read (the VOC reader's own limit). */
    private static final long MAX_ANNOTATION_BYTES = 16L << 20;

    /** Larger remote images are not read to take an existing YOLO file's image size. */
    private static final long MAX_IMAGE_BYTES = 256L << 20;

    private final ModelSpec model;
    private final ImageLayout layout;
    private final Existing existing;
    private final HadoopConf conf;
    /** For YOLO, each output folder's class names (its classes.txt, which the driver wrote); else null. */
    private final Map<String, List<String>> yoloClasses;

    /**
     * @param yoloClasses for YOLO, the class names of each output folder ({@link SparkPreAnnotator#yoloClasses}),
     *     else null
     */
    PreAnnotateTask(ModelSpec model, ImageLayout layout, Existing existing, HadoopConf conf,
                    Map<String, List<String>> yoloClasses) {
        this.model = model;
        this.layout = layout;
        this.existing = existing;
        this.conf = conf;
        this.yoloClasses = yoloClasses;
    }

    @Override
    public Iterator<Row> call(Iterator<String> images) throws IOException {
        Detector detector = ExecutorModels.get(model, conf.get());
        PerImageFormat format = layout.perImageFormat();
        TaskContext task = TaskContext.get();
        String attempt = task == null ? "local" : Long.toString(task.taskAttemptId());
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return images.hasNext();
            }

            @Override
            public Row next() {
                String image = images.next();
                try {
                    return handle(new Path(image), detector, format, attempt);
                } catch (IOException e) {
                    throw new UncheckedIOException("writing the annotation file of " + image + " failed", e);
                }
            }
        };
    }

    /** One image; throws only what should fail the task. */
    private Row handle(Path image, Detector detector, PerImageFormat format, String attempt) throws IOException {
        Path target = layout.target(image, format);
        FileSystem out = HadoopFiles.fileSystem(target, conf.get());
        boolean exists = out.exists(target);
        String replaced = null; // what the file replaced held, when that is worth saying
        if (exists) {
            Existing.Decision d = decide(out, target, image, format, detector);
            if (!d.replace()) {
                return SparkPreAnnotator.row(image, target, SparkPreAnnotator.SKIPPED, d.reason(), null, List.of());
            }
            replaced = d.reason();
        }
        AnnotatedImage result;
        byte[] bytes;
        try {
            result = detect(image, detector).withPredictedBy(Optional.of(PreAnnotator.modelName(model.model())));
            bytes = yoloClasses != null ? YoloFormat.encode(result, classes(target))
                    : format.codec().orElseThrow().encode(result, detector.labelMap());
        } catch (IOException | IllegalArgumentException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.debug("{} failed", image, e);
            return SparkPreAnnotator.row(image, target, SparkPreAnnotator.FAILED, reason, null, List.of());
        }
        HadoopFiles.Outcome outcome = HadoopFiles.write(out, target, bytes, exists, attempt);
        if (outcome == HadoopFiles.Outcome.ALREADY_THERE) {
            return SparkPreAnnotator.row(image, target, SparkPreAnnotator.SKIPPED,
                    "annotation file written meanwhile by another attempt", null, List.of());
        }
        return SparkPreAnnotator.row(image, target, SparkPreAnnotator.WRITTEN, replaced, result,
                result.annotations());
    }

    /** The policy's decision for an existing annotation file: the same as {@code annotate predict}'s. */
    private Existing.Decision decide(FileSystem fs, Path target, Path image, PerImageFormat format,
                                     Detector detector) {
        return existing.decide(new Existing.Source() {
            @Override
            public byte[] bytes() throws IOException {
                return HadoopFiles.readAll(fs, target, MAX_ANNOTATION_BYTES);
            }

            @Override
            public ReadResult parse(byte[] bytes) throws IOException {
                if (yoloClasses != null) { // a YOLO file holds no image size: the image's header gives it
                    FileSystem images = HadoopFiles.fileSystem(image, conf.get());
                    ImageHeader header = HadoopFiles.isLocal(images) ? Images.probe(localOrNamed(images, image))
                            : Images.probe(HadoopFiles.readAll(images, image, MAX_IMAGE_BYTES),
                                    localOrNamed(images, image));
                    return YoloFormat.decode(bytes, localOrNamed(fs, target), classes(target),
                            localOrNamed(images, image), header.width(), header.height());
                }
                return format.codec().orElseThrow().decode(bytes, localOrNamed(fs, target), detector.labelMap());
            }
        });
    }

    /** The class names of the folder {@code target} is in. */
    private List<String> classes(Path target) {
        List<String> classes = yoloClasses.get(target.getParent().toString());
        if (classes == null) {
            throw new IllegalStateException("no class list for " + target.getParent());
        }
        return classes;
    }

    /**
     * Detects objects in an image. A local image is read where it is, so the result (its recorded path included)
     * is what {@code annotate predict} gets; a remote one is copied to a local temporary file of the same name
     * first, and the result records its URI.
     */
    private AnnotatedImage detect(Path image, Detector detector) throws IOException {
        FileSystem fs = HadoopFiles.fileSystem(image, conf.get());
        if (HadoopFiles.isLocal(fs)) {
            return detector.detect(java.nio.file.Path.of(image.toUri()));
        }
        java.nio.file.Path dir = Files.createTempDirectory("annotate-image");
        java.nio.file.Path copy = dir.resolve(image.getName());
        try {
            try (FSDataInputStream in = fs.open(image)) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                return detector.detect(copy).withPath(image.toString());
            } catch (IOException e) {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                throw new IOException(message.replace(copy.toString(), image.toString()), e);
            }
        } finally {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(dir);
        }
    }

    /** A java.nio path for messages and for readers that look beside the file: the file itself when local. */
    private static java.nio.file.Path localOrNamed(FileSystem fs, Path file) {
        return HadoopFiles.isLocal(fs) ? java.nio.file.Path.of(file.toUri())
                : java.nio.file.Path.of(file.toUri().getPath());
    }

    static List<Row> detectionRows(List<Annotation> annotations) {
        List<Row> rows = new ArrayList<>(annotations.size());
        for (Annotation a : annotations) {
            Double score = a.confidence().isPresent() ? a.confidence().getAsDouble() : null;
            rows.add(RowFactory.create(a.label(), score, a.box().xmin(), a.box().ymin(),
                    a.box().xmax(), a.box().ymax()));
        }
        return rows;
    }
}
