package dev.annotate.cli;

import dev.annotate.core.LabelMaps;
import dev.annotate.tfrecord.Compression;
import dev.annotate.tfrecord.DatasetToTfRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tfrecord --voc DIR --labels MAP --out BASE [--shards N] [--val-fraction F]}. */
@Command(name = "tfrecord", mixinStandardHelpOptions = true,
        description = "Convert a dataset in any installed format into TFRecord shards for the TF Object Detection"
                + " API.")
final class TfRecordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data;

    @Option(names = "--labels", required = true, description = "Label map (.pbtxt).")
    Path labels;

    @Option(names = "--out", required = true, description = "Output base: BASE_train.record, BASE_val.record, ...")
    Path out;

    @Option(names = "--shards", defaultValue = "1", description = "Files per split (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--val-fraction", defaultValue = "0", description = "Share for validation (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--gzip", description = "GZIP-compress the records.")
    boolean gzip;

    @Override
    public Integer call() throws Exception {
        DatasetToTfRecord.Report r;
        try (me.tongfei.progressbar.ProgressBar bar = Bars.open("tfrecord", -1)) {
            r = DatasetToTfRecord.convert(data.dataset(LabelMaps.read(labels)), out,
                    DatasetToTfRecord.Options.defaults().withShards(shards).withValFraction(valFraction)
                            .withCompression(gzip ? Compression.GZIP : Compression.NONE),
                    (done, total) -> {
                        bar.maxHint(total);
                        bar.stepTo(done);
                    });
        }
        spec.commandLine().getOut().printf("%d training and %d validation records, %d boxes, %d rotated, %d skipped%n",
                r.trainExamples(), r.valExamples(), r.objects(), r.rotated(), r.skippedFiles());
        r.trainFiles().forEach(f -> spec.commandLine().getOut().println("  " + f));
        r.valFiles().forEach(f -> spec.commandLine().getOut().println("  " + f));
        r.problems().forEach(p -> spec.commandLine().getErr().println("problem: " + p));
        return r.skippedFiles() > 0 ? Annotate.SOME_FAILED : 0;
    }
}
