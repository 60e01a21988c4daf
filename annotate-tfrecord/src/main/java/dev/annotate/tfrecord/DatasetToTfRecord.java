package dev.annotate.tfrecord;

import com.google.protobuf.UnsafeByteOperations;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;
import dev.annotate.tfrecord.proto.Example;
import dev.annotate.voc.VocFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * Converts a {@link Dataset} in any installed format (a folder tree of PASCAL VOC files, a COCO file, YOLO
 * labels, ...) and its images into TFRecord shards for TF Object Detection API training, plus the label map they
 * use. One call:
 *
 * <pre>{@code
 * DatasetToTfRecord.Report report = DatasetToTfRecord.convert(Path.of("dataset"),
 *         LabelMaps.read(Path.of("label_map.pbtxt")), Path.of("out/pets"),
 *         DatasetToTfRecord.Options.defaults().withShards(10).withValFraction(0.1));
 * report.problems().forEach(System.err::println);
 * }</pre>
 *
 * <p>Outputs, for base {@code out/pets}: {@code out/pets_train.record} and, with a validation fraction,
 * {@code out/pets_val.record} (each {@code -0000i-of-0000N} when sharded), and {@code out/pets_label_map.pbtxt}.
 * They appear only when the run completes; a failed or killed run leaves no partial record file.
 *
 * <p>Per image: the image is found as {@link Dataset#locate} says (for VOC: the XML's {@code filename} beside the
 * XML, then its {@code path}, then {@code ../JPEGImages/}, the VOC devkit layout). JPEG and PNG bytes go into the record unchanged; other formats
 * are re-encoded as PNG. An image whose EXIF orientation is not normal is decoded in the displayed frame (the
 * frame of LabelImg's boxes) and re-encoded, because TensorFlow's decoders ignore EXIF: records never hold
 * pixels and boxes in different frames. The annotated size must equal the image's displayed size, or the file is
 * refused. Every problem lands in the report; one bad file never stops the run.
 *
 * <p>Worker threads ({@link Options#threads()}) read, probe and hash images ahead while one thread writes them
 * in file order: the output does not depend on the thread count, and memory holds at most two images per
 * thread, whatever the dataset size. The split between training and validation is a deterministic function of
 * the image file name.
 */
public final class DatasetToTfRecord {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetToTfRecord.class);

    /**
     * How to convert.
     *
     * @param shards files per split, at least 1
     * @param valFraction share of images put in the validation split, in {@code [0, 1]}
     * @param dropDifficult leave {@code difficult} objects out (the OD API keeps them by default, as we do)
     * @param appendUnknownLabels give a label missing from the label map the next free id instead of refusing
     *     the file
     * @param compression record file compression
     * @param threads threads reading, probing and hashing images while one thread writes, at least 1
     */
    public record Options(int shards, double valFraction, boolean dropDifficult, boolean appendUnknownLabels,
                          Compression compression, int threads) {

        /** Validates the values. */
        public Options {
            if (shards < 1) {
                throw new IllegalArgumentException("shards (" + shards + ") must be >= 1");
            }
            if (!(valFraction >= 0 && valFraction <= 1)) {
                throw new IllegalArgumentException("valFraction (" + valFraction + ") must be in [0, 1]");
            }
            Objects.requireNonNull(compression, "compression");
            if (threads < 1) {
                throw new IllegalArgumentException("threads (" + threads + ") must be >= 1");
            }
        }

        /**
         * One shard, no validation split, difficult objects kept, unknown labels refused, no compression, one
         * thread per processor.
         */
        public static Options defaults() {
            return new Options(1, 0, false, false, Compression.NONE, Runtime.getRuntime().availableProcessors());
        }

        /** These options with another number of preparing threads. */
        public Options withThreads(int n) {
            return new Options(shards, valFraction, dropDifficult, appendUnknownLabels, compression, n);
        }

        /** These options with another shard count. */
        public Options withShards(int n) {
            return new Options(n, valFraction, dropDifficult, appendUnknownLabels, compression, threads);
        }

        /** These options with another validation fraction. */
        public Options withValFraction(double f) {
            return new Options(shards, f, dropDifficult, appendUnknownLabels, compression, threads);
        }

        /** These options with difficult objects dropped or kept. */
        public Options withDropDifficult(boolean drop) {
            return new Options(shards, valFraction, drop, appendUnknownLabels, compression, threads);
        }

        /** These options with unknown labels appended or refused. */
        public Options withAppendUnknownLabels(boolean append) {
            return new Options(shards, valFraction, dropDifficult, append, compression, threads);
        }

        /** These options with another compression. */
        public Options withCompression(Compression c) {
            return new Options(shards, valFraction, dropDifficult, appendUnknownLabels, c, threads);
        }
    }

    /**
     * What a conversion did.
     *
     * @param trainExamples records in the training files
     * @param valExamples records in the validation files
     * @param objects boxes written
     * @param difficultDropped difficult boxes left out
     * @param rotated images whose EXIF orientation was baked into re-encoded pixels
     * @param reencoded images re-encoded (rotated ones and formats other than JPEG and PNG)
     * @param skippedFiles annotation files not converted; see {@code problems}
     * @param problems every problem, per file, including warnings for converted files
     * @param labelMap the label map the records use (with any appended labels)
     * @param trainFiles the training record files
     * @param valFiles the validation record files (empty without a validation split)
     * @param labelMapFile the label map written beside the records
     */
    public record Report(long trainExamples, long valExamples, long objects, long difficultDropped, long rotated,
                         long reencoded, long skippedFiles, List<Problem> problems, LabelMap labelMap,
                         List<Path> trainFiles, List<Path> valFiles, Path labelMapFile) {

        /** Copies the lists. */
        public Report {
            problems = List.copyOf(problems);
            trainFiles = List.copyOf(trainFiles);
            valFiles = List.copyOf(valFiles);
        }
    }

    private DatasetToTfRecord() {
    }

    /** The training record base for an output base: {@code BASE_train.record}. */
    public static Path trainBase(Path base) {
        return base.resolveSibling(base.getFileName() + "_train.record");
    }

    /** The validation record base for an output base: {@code BASE_val.record}. */
    public static Path valBase(Path base) {
        return base.resolveSibling(base.getFileName() + "_val.record");
    }

    /** The label map written beside the records: {@code BASE_label_map.pbtxt}. */
    public static Path labelMapFile(Path base) {
        return base.resolveSibling(base.getFileName() + "_label_map.pbtxt");
    }

    /**
     * Converts every {@code .xml} under {@code vocDir} (in path order): {@link #convert(Dataset, Path, Options,
     * Progress)} of a VOC dataset.
     *
     * @param labels the label map; may be empty when {@link Options#appendUnknownLabels()} is set
     * @param outBase the output base path; its directory is created
     * @throws IOException only for failures of the outputs (disk full, permissions), after which no record
     *     file is left
     */
    public static Report convert(Path vocDir, LabelMap labels, Path outBase, Options options) throws IOException {
        return convert(Dataset.of(vocDir, new VocFormat(), labels), outBase, options, (done, total) -> { });
    }

    /** Receives progress: annotation files handled so far, of how many. Called from the converting thread. */
    @FunctionalInterface
    public interface Progress {
        /**
         * One more annotation file handled (converted or skipped).
         *
         * @param total how many there are, or -1 when the dataset cannot tell without reading them all (a
         *     dataset-level file)
         */
        void handled(long done, long total);
    }

    /**
     * Converts a dataset in any format, in its reading order, reporting progress after every annotation file. The
     * same images and boxes give the same records whatever format holds them (see {@link TfExamples} for what a
     * record keeps: a format without {@code difficult}, {@code truncated} or pose gives 0 and
     * {@code Unspecified}).
     *
     * @param dataset the dataset; its label map gives the records' ids and may be empty when
     *     {@link Options#appendUnknownLabels()} is set
     * @param outBase the output base path; its directory is created
     * @throws IOException only for failures of the outputs (disk full, permissions) or if a part of the dataset
     *     cannot be listed, after which no record file is left
     */
    public static Report convert(Dataset dataset, Path outBase, Options options, Progress progress)
            throws IOException {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(options, "options");
        Path base = outBase.toAbsolutePath();
        Files.createDirectories(base.getParent());
        long total = dataset.countFiles().orElse(-1);
        Run run = new Run(dataset.labels(), options);
        ExecutorService workers = Executors.newFixedThreadPool(options.threads(), daemonThreads());
        try (ShardedTfRecordWriter train = ShardedTfRecordWriter.create(trainBase(base), options.shards(),
                options.compression());
             ShardedTfRecordWriter val = options.valFraction() > 0
                     ? ShardedTfRecordWriter.create(valBase(base), options.shards(), options.compression()) : null) {
            // Workers prepare files ahead (parse, read, probe, hash); this thread labels, encodes and writes them
            // in file order, so the output is the same whatever the thread count, and at most `window` images
            // are in memory.
            int window = 2 * options.threads();
            ArrayDeque<Future<Prepared>> pending = new ArrayDeque<>(window);
            long[] done = {0};
            try {
                dataset.read((part, read) -> {
                    try {
                        if (pending.size() == window) {
                            run.write(await(pending.removeFirst()), train, val);
                            progress.handled(++done[0], total);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    pending.addLast(workers.submit(() -> prepare(part.locate(read))));
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            while (!pending.isEmpty()) {
                run.write(await(pending.removeFirst()), train, val);
                progress.handled(++done[0], total);
            }
            LabelMaps.write(run.labels, labelMapFile(base));
            train.commit();
            if (val != null) {
                val.commit();
            }
            LOG.info("{}: {} training and {} validation records, {} files skipped", base, train.records(),
                    val == null ? 0 : val.records(), run.skipped);
            return new Report(train.records(), val == null ? 0 : val.records(), run.objects, run.difficultDropped,
                    run.rotated, run.reencoded, run.skipped, run.problems, run.labels, train.files(),
                    val == null ? List.of() : val.files(), labelMapFile(base));
        } finally {
            workers.shutdownNow();
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "voc-to-tfrecord-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static Prepared await(Future<Prepared> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("conversion interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IOException(e.getCause());
        }
    }

    /** Whether an image file name falls in the validation split: the first 8 bytes of its SHA-256 as a fraction. */
    static boolean isValidation(String fileName, double valFraction) {
        if (valFraction <= 0) {
            return false;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(fileName.getBytes(StandardCharsets.UTF_8));
            double u = (ByteBuffer.wrap(digest).getLong() >>> 11) * 0x1.0p-53;
            return u < valFraction;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One annotation file made ready on a worker: what reading it found, and, when it is usable, the image bytes
     * as they go into the record with their SHA-256. Labels are not looked at here: the label map may grow,
     * and only the writing thread touches it.
     */
    private record Prepared(Path xml, List<Problem> problems, AnnotatedImage image, byte[] bytes, String format,
                            String sha256, boolean rotated, boolean reencoded) {
    }

    /**
     * Runs on a worker: everything about one located annotation file that does not depend on other files. The
     * image's bytes are read once and probed again, so a file replaced since it was located is caught.
     */
    private static Prepared prepare(Dataset.Entry entry) {
        Path xml = entry.source();
        List<Problem> problems = new ArrayList<>(entry.problems());
        if (!entry.usable()) {
            if (entry.annotated().isPresent()) { // found unusable when locating: the last problem says why
                Problem last = problems.remove(problems.size() - 1);
                problems.add(new Problem(last.file(), last.position(), last.message() + "; not converted"));
            }
            return failed(xml, problems);
        }
        try {
            AnnotatedImage image = entry.annotated().get();
            Path imageFile = entry.imageFile().get();
            byte[] bytes = Files.readAllBytes(imageFile);
            ImageHeader header = Images.probe(bytes, imageFile);
            Optional<String> mismatch = Dataset.sizeMismatch(image, header, imageFile);
            if (mismatch.isPresent()) {
                problems.add(new Problem(xml, "", mismatch.get() + "; not converted"));
                return failed(xml, problems);
            }
            String format = header.format();
            boolean rotated = header.orientation() != ExifOrientation.NORMAL;
            boolean reencoded = rotated || !(format.equals("jpeg") || format.equals("png"));
            if (reencoded) {
                format = rotated && format.equals("jpeg") ? "jpeg" : "png";
                bytes = encode(Images.read(imageFile).image(), format);
            }
            return new Prepared(xml, problems, image, bytes, format, TfExamples.sha256Hex(bytes), rotated, reencoded);
        } catch (FormatException e) {
            problems.add(new Problem(e.file(), e.position().orElse(""), e.problem()));
        } catch (IOException e) {
            problems.add(new Problem(xml, "", "cannot be converted: " + e));
        }
        return failed(xml, problems);
    }

    private static Prepared failed(Path xml, List<Problem> problems) {
        return new Prepared(xml, problems, null, null, null, null, false, false);
    }

    /**
     * What one annotation file becomes.
     *
     * @param record the tf.Example, or empty when the file is not converted (the problems say why)
     * @param validation whether the record belongs to the validation split
     * @param problems every problem found, warnings for a converted file included
     * @param objects boxes in the record
     * @param difficultDropped difficult boxes left out
     * @param rotated whether the image's EXIF orientation was baked into re-encoded pixels
     * @param reencoded whether the image was re-encoded
     */
    public record Converted(Optional<Example> record, boolean validation, List<Problem> problems, int objects,
                            int difficultDropped, boolean rotated, boolean reencoded) {
        /** Copies. */
        public Converted {
            Objects.requireNonNull(record, "record");
            problems = List.copyOf(problems);
        }
    }

    /**
     * Converts one annotation file of a per-image format (VOC, YOLO, a user's) exactly as {@link #convert} does, for
     * jobs that write the records themselves
     * (the Spark job: every image gets the same record bytes and the same split). The label map stays as given:
     * a file with a label missing from it is not converted.
     *
     * @throws IllegalArgumentException if {@link Options#appendUnknownLabels()} is set: appending needs one writer
     *     that sees every file in order
     */
    public static Converted convertFile(Path file, PerImageFormat format, LabelMap labels, Options options) {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(labels, "labels");
        if (options.appendUnknownLabels()) {
            throw new IllegalArgumentException("appendUnknownLabels needs one writer that sees every file in order;"
                    + " give a label map with every label");
        }
        ReadResult read;
        try {
            read = format.readFile(file, labels);
        } catch (IOException e) {
            read = ReadResult.failed(new Problem(file, "", "cannot be converted: " + e));
        }
        return encode(prepare(Dataset.locate(read, format)), labels, options);
    }

    /** Labels and encodes a prepared file: the part of a conversion that needs the label map. */
    private static Converted encode(Prepared p, LabelMap labels, Options options) {
        List<Problem> problems = new ArrayList<>(p.problems());
        if (p.image() == null) {
            return new Converted(Optional.empty(), false, problems, 0, 0, false, false);
        }
        List<Annotation> kept = new ArrayList<>();
        int dropped = 0;
        for (Annotation a : p.image().annotations()) {
            if (a.difficult() && options.dropDifficult()) {
                dropped++;
                continue;
            }
            if (labels.idOf(a.label()).isEmpty()) {
                problems.add(new Problem(p.xml(), "", "label '" + a.label() + "' is not in the label map (known: "
                        + labels.names() + "); not converted"));
                return new Converted(Optional.empty(), false, problems, 0, 0, false, false);
            }
            kept.add(a);
        }
        AnnotatedImage image = p.image().withAnnotations(kept);
        // the bytes are never touched again, so the record may share them instead of copying
        Example record = TfExamples.encode(image, UnsafeByteOperations.unsafeWrap(p.bytes()), p.sha256(), p.format(),
                labels);
        return new Converted(Optional.of(record), isValidation(image.fileName(), options.valFraction()), problems,
                kept.size(), dropped, p.rotated(), p.reencoded());
    }

    /** The state of one conversion, touched only by the writing thread. */
    private static final class Run {
        private final Options options;
        private final List<Problem> problems = new ArrayList<>();
        private LabelMap labels;
        private long objects;
        private long difficultDropped;
        private long rotated;
        private long reencoded;
        private long skipped;

        Run(LabelMap labels, Options options) {
            this.labels = labels;
            this.options = options;
        }

        void write(Prepared p, ShardedTfRecordWriter train, ShardedTfRecordWriter val) throws IOException {
            List<String> added = new ArrayList<>();
            if (p.image() != null && options.appendUnknownLabels()) {
                for (Annotation a : p.image().annotations()) {
                    boolean counts = !(a.difficult() && options.dropDifficult());
                    if (counts && labels.idOf(a.label()).isEmpty()) {
                        labels = labels.withAppended(a.label());
                        added.add(a.label());
                    }
                }
            }
            Converted c = encode(p, labels, options);
            problems.addAll(c.problems());
            for (String label : added) {
                problems.add(new Problem(p.xml(), "", "label '" + label + "' added to the label map with id "
                        + labels.idOf(label).getAsInt()));
            }
            if (c.record().isEmpty()) {
                skipped++;
                return;
            }
            // streamed into the file rather than built in memory first; output failures propagate
            (c.validation() && val != null ? val : train).write(c.record().get());
            objects += c.objects();
            difficultDropped += c.difficultDropped();
            rotated += c.rotated() ? 1 : 0;
            reencoded += c.reencoded() ? 1 : 0;
        }
    }

    /** Encodes pixels as JPEG (quality 0.95, to lose little on re-encoding) or PNG. */
    static byte[] encode(BufferedImage image, String format) throws IOException {
        if (!format.equals("png")) {
            return Images.encodeJpeg(image, 0.95f);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }
}
