package dev.annotate.spark;

import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.Problem;
import dev.annotate.tfrecord.DatasetToTfRecord;
import dev.annotate.tfrecord.ShardedTfRecordWriter;
import dev.annotate.tfrecord.TfRecordFraming;
import dev.annotate.voc.VocFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * {@link DatasetToTfRecord} as an Apache Spark job: a VOC dataset on any Hadoop file system becomes
 * {@code BASE_train.record-SSSSS-of-NNNNN} (and {@code BASE_val.record-...} with a validation split) and
 * {@code BASE_label_map.pbtxt}, one shard per partition, each written by one task.
 *
 * <p>Every image gets the same record, byte for byte, and the same split as {@code annotate tfrecord} gives it
 * (both call {@link DatasetToTfRecord#convertFile}); which shard holds it, and the order inside a shard, differ:
 * records go to the shard of the partition that converted them, in path order within it. The label map is
 * fixed: a file with a label missing from it is not converted and is reported, as on the command line.
 *
 * <p>A shard is written to a hidden temporary file and renamed into place when its task ends (written directly
 * on object stores), so a failed attempt leaves no partial shard, and a retried or speculative one writes the
 * same bytes. Files that cannot be converted are problems in the report, never task failures.
 *
 * <pre>{@code
 * SparkTfRecords.Report r = SparkTfRecords.convert(spark, "hdfs:///checked", "hdfs:///checked/label_map.pbtxt",
 *         "hdfs:///records/pets", SparkTfRecords.Options.defaults().withShards(10).withValFraction(0.1));
 * }</pre>
 */
public final class SparkTfRecords {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTfRecords.class);
    /** The job's input format: a tree of VOC files ({@code --voc}). */
    private static final VocFormat VOC = new VocFormat();

    /**
     * How to convert.
     *
     * @param shards shards per split, which is the number of partitions; empty for four per default parallelism
     *     (at most one per file)
     * @param valFraction share of images in the validation split, in {@code [0, 1]}
     * @param dropDifficult leave {@code difficult} objects out
     */
    public record Options(OptionalInt shards, double valFraction, boolean dropDifficult) {

        /** Validates. */
        public Options {
            Objects.requireNonNull(shards, "shards");
            if (shards.isPresent() && shards.getAsInt() < 1) {
                throw new IllegalArgumentException("shards (" + shards.getAsInt() + ") must be >= 1");
            }
            if (!(valFraction >= 0 && valFraction <= 1)) {
                throw new IllegalArgumentException("valFraction (" + valFraction + ") must be in [0, 1]");
            }
        }

        /** Automatic shards, no validation split, difficult objects kept. */
        public static Options defaults() {
            return new Options(OptionalInt.empty(), 0, false);
        }

        /** These options with this many shards per split. */
        public Options withShards(int n) {
            return new Options(OptionalInt.of(n), valFraction, dropDifficult);
        }

        /** These options with another validation fraction. */
        public Options withValFraction(double f) {
            return new Options(shards, f, dropDifficult);
        }

        /** These options with difficult objects dropped or kept. */
        public Options withDropDifficult(boolean drop) {
            return new Options(shards, valFraction, drop);
        }

    }

    /**
     * What a conversion did.
     *
     * @param trainExamples records in the training shards
     * @param valExamples records in the validation shards
     * @param objects boxes written
     * @param difficultDropped difficult boxes left out
     * @param rotated images whose EXIF orientation was baked into re-encoded pixels
     * @param reencoded images re-encoded
     * @param skippedFiles annotation files not converted; see {@code problems}
     * @param problems every problem, per file, warnings for converted files included
     * @param files the shards, training then validation, and the label map
     */
    public record Report(long trainExamples, long valExamples, long objects, long difficultDropped, long rotated,
                         long reencoded, long skippedFiles, List<String> problems, List<String> files) {
        /** Copies. */
        public Report {
            problems = List.copyOf(problems);
            files = List.copyOf(files);
        }
    }

    private SparkTfRecords() {
    }

    /**
     * Converts every {@code .xml} under {@code voc}.
     *
     * @param voc the dataset folder (VOC files and their images), on any Hadoop file system
     * @param labels the label map ({@code .pbtxt})
     * @param outBase the output base, for example {@code hdfs:///records/pets}
     * @throws NoSuchFileException if the dataset folder or the label map does not exist
     * @throws dev.annotate.core.FormatException if the label map is malformed, naming it
     * @throws IOException if the dataset cannot be listed or the outputs cannot be written
     */
    public static Report convert(SparkSession spark, String voc, String labels, String outBase, Options options)
            throws IOException {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(options, "options");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = HadoopFiles.qualify(new Path(voc), conf);
        FileSystem in = HadoopFiles.fileSystem(root, conf);
        if (!in.exists(root)) {
            throw new NoSuchFileException(root.toString(), null, "no such dataset folder");
        }
        LabelMapText labelMapText = LabelMapText.read(new Path(labels), conf);
        LabelMap labelMap = labelMapText.parse();
        Path base = HadoopFiles.qualify(new Path(outBase), conf);

        List<String> xmls = new ArrayList<>();
        HadoopFiles.listFiles(in, root, name -> name.endsWith(".xml"), xmls);
        xmls.sort(null);
        int shards = options.shards().orElse(Math.max(1, Math.min(xmls.size(),
                4 * spark.sparkContext().defaultParallelism())));
        LOG.info("{}: {} annotation files into {} shards per split", root, xmls.size(), shards);

        Shards task = new Shards(labelMapText, base.toString(), shards,
                options, new HadoopConf(conf));
        List<PartitionReport> parts = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(xmls, shards).mapPartitionsWithIndex(task, false).collect();

        FileSystem out = HadoopFiles.fileSystem(base, conf);
        Path labelOut = new Path(base.getParent(), base.getName() + "_label_map.pbtxt");
        HadoopFiles.write(out, labelOut, LabelMaps.toText(labelMap).getBytes(StandardCharsets.UTF_8), true,
                "driver");
        removeTemporaries(out, base);

        long train = 0;
        long val = 0;
        long objects = 0;
        long dropped = 0;
        long rotated = 0;
        long reencoded = 0;
        long skipped = 0;
        List<String> problems = new ArrayList<>();
        for (PartitionReport p : parts) {
            train += p.train;
            val += p.val;
            objects += p.objects;
            dropped += p.difficultDropped;
            rotated += p.rotated;
            reencoded += p.reencoded;
            skipped += p.skipped;
            problems.addAll(p.problems);
        }
        List<String> written = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            written.add(shard(base, "_train.record", i, shards).toString());
        }
        if (options.valFraction() > 0) {
            for (int i = 0; i < shards; i++) {
                written.add(shard(base, "_val.record", i, shards).toString());
            }
        }
        written.add(labelOut.toString());
        LOG.info("{}: {} training and {} validation records, {} files skipped", base, train, val, skipped);
        return new Report(train, val, objects, dropped, rotated, reencoded, skipped, problems, written);
    }

    /** Shard {@code index} of {@code count} of a split, named as the command line names its shards. */
    static Path shard(Path base, String split, int index, int count) {
        String name = ShardedTfRecordWriter.shardPath(java.nio.file.Path.of(base.getName() + split), index, count)
                .toString();
        return new Path(base.getParent(), name);
    }

    /** Removes the temporary shards that killed attempts left beside the outputs. */
    private static void removeTemporaries(FileSystem fs, Path base) throws IOException {
        if (HadoopFiles.isObjectStore(fs) || !fs.exists(base.getParent())) {
            return;
        }
        String prefix = "." + base.getName() + "_";
        for (FileStatus s : fs.listStatus(base.getParent(), p -> p.getName().startsWith(prefix)
                && HadoopFiles.isTemporaryOf(p.getName(), ".record"))) {
            fs.delete(s.getPath(), false);
        }
    }

    /** What one partition did; travels back to the driver. */
    static final class PartitionReport implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        long train;
        long val;
        long objects;
        long difficultDropped;
        long rotated;
        long reencoded;
        long skipped;
        final List<String> problems = new ArrayList<>();
    }

    /** One partition: its files converted into its own training and validation shards. */
    static final class Shards implements Function2<Integer, Iterator<String>, Iterator<PartitionReport>> {
        @Serial
        private static final long serialVersionUID = 1L;

        private final LabelMapText labels;
        private final String base;
        private final int count;
        private final double valFraction;
        private final boolean dropDifficult;
        private final HadoopConf conf;

        Shards(LabelMapText labels, String base, int count, Options options, HadoopConf conf) {
            this.labels = labels;
            this.base = base;
            this.count = count;
            this.valFraction = options.valFraction();
            this.dropDifficult = options.dropDifficult();
            this.conf = conf;
        }

        @Override
        public Iterator<PartitionReport> call(Integer index, Iterator<String> xmls) throws IOException {
            LabelMap labelMap = labels.parse();
            DatasetToTfRecord.Options converter = DatasetToTfRecord.Options.defaults().withValFraction(valFraction)
                    .withDropDifficult(dropDifficult).withThreads(1);
            TaskContext task = TaskContext.get();
            String attempt = task == null ? "local" : Long.toString(task.taskAttemptId());
            Path basePath = new Path(base);
            FileSystem fs = HadoopFiles.fileSystem(basePath, conf.get());
            PartitionReport report = new PartitionReport();
            Path trainShard = shard(basePath, "_train.record", index, count);
            Path valShard = shard(basePath, "_val.record", index, count);
            try (HadoopFiles.Pending train = HadoopFiles.create(fs, trainShard, true, attempt);
                 HadoopFiles.Pending val = valFraction > 0
                         ? HadoopFiles.create(fs, valShard, true, attempt) : null) {
                TfRecordFraming trainRecords = new TfRecordFraming(train.stream());
                TfRecordFraming valRecords = val == null ? null : new TfRecordFraming(val.stream());
                while (xmls.hasNext()) {
                    DatasetToTfRecord.Converted c = convertOne(new Path(xmls.next()), labelMap, converter);
                    c.problems().forEach(p -> report.problems.add(p.toString()));
                    if (c.record().isEmpty()) {
                        report.skipped++;
                        continue;
                    }
                    if (c.validation() && valRecords != null) {
                        valRecords.write(c.record().get());
                        report.val++;
                    } else {
                        trainRecords.write(c.record().get());
                        report.train++;
                    }
                    report.objects += c.objects();
                    report.difficultDropped += c.difficultDropped();
                    report.rotated += c.rotated() ? 1 : 0;
                    report.reencoded += c.reencoded() ? 1 : 0;
                }
                train.commit();
                if (val != null) {
                    val.commit();
                }
            }
            return List.of(report).iterator();
        }

        /**
         * One file: where it is, or (on a remote file system) a local copy of it and of its image, converted as
         * the command line converts it; problems then name the original paths.
         */
        private DatasetToTfRecord.Converted convertOne(Path xml, LabelMap labels, DatasetToTfRecord.Options converter)
                throws IOException {
            FileSystem fs = HadoopFiles.fileSystem(xml, conf.get());
            if (HadoopFiles.isLocal(fs)) {
                return DatasetToTfRecord.convertFile(java.nio.file.Path.of(xml.toUri()), VOC, labels, converter);
            }
            java.nio.file.Path dir = Files.createTempDirectory("annotate-voc");
            try {
                java.nio.file.Path localXml = dir.resolve(xml.getName());
                byte[] bytes = HadoopFiles.readAll(fs, xml, dev.annotate.voc.Voc.MAX_DOCUMENT_BYTES);
                Files.write(localXml, bytes);
                copyImage(fs, xml, bytes, localXml, dir);
                DatasetToTfRecord.Converted c = DatasetToTfRecord.convertFile(localXml, VOC, labels, converter);
                List<Problem> named = new ArrayList<>();
                for (Problem p : c.problems()) {
                    java.nio.file.Path file = p.file() == null ? null
                            : java.nio.file.Path.of(p.file().toString().replace(dir.toString(),
                                    xml.getParent().toUri().getPath()));
                    named.add(new Problem(file, p.position(), p.message().replace(dir.toString(),
                            xml.getParent().toString())));
                }
                return new DatasetToTfRecord.Converted(c.record(), c.validation(), named, c.objects(),
                        c.difficultDropped(), c.rotated(), c.reencoded());
            } finally {
                org.apache.hadoop.fs.FileUtil.fullyDelete(dir.toFile());
            }
        }

        /**
         * Copies the image a VOC file names beside its local copy, looking where {@code Dataset.locate} looks for VOC:
         * beside the file, then at its recorded path on the same file system, then in {@code ../JPEGImages/}.
         * Nothing found: nothing copied, and the conversion reports the missing image.
         */
        private static void copyImage(FileSystem fs, Path xml, byte[] bytes, java.nio.file.Path localXml,
                                      java.nio.file.Path dir) throws IOException {
            dev.annotate.core.format.ReadResult read;
            try {
                read = dev.annotate.voc.Voc.parse(bytes, localXml);
            } catch (dev.annotate.core.FormatException e) {
                return; // the conversion reports it
            }
            if (read.image().isEmpty()) {
                return;
            }
            String name = read.image().get().fileName();
            List<Path> candidates = new ArrayList<>();
            candidates.add(new Path(xml.getParent(), name));
            read.image().get().path().filter(p -> p.startsWith("/")).ifPresent(p -> candidates.add(
                    fs.makeQualified(new Path(p))));
            if (xml.getParent().getParent() != null) {
                candidates.add(new Path(new Path(xml.getParent().getParent(), "JPEGImages"), name));
            }
            for (Path c : candidates) {
                try (org.apache.hadoop.fs.FSDataInputStream s = fs.open(c)) {
                    Files.copy(s, dir.resolve(name));
                    return;
                } catch (FileNotFoundException | IllegalArgumentException e) {
                    // not there: the next candidate
                }
            }
        }
    }
}
