package dev.annotate.cli;

import dev.annotate.core.Detector;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMaps;
import dev.annotate.tfrecord.Compression;
import dev.annotate.tfrecord.TfExamples;
import dev.annotate.tfrecord.TfRecordReader;
import dev.annotate.tfrecord.proto.Example;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code inspect FILE}: a TFRecord's examples, a label map, or a model's classes. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a TFRecord's examples, a label map, or what a model is.")
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "A .record/.tfrecord file, a .pbtxt label map, or a model.")
    Path file;

    @Option(names = "--gzip", description = "The TFRecord file is GZIP-compressed.")
    boolean gzip;

    @Option(names = "--limit", defaultValue = "5", description = "Examples to print (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String name = file.getFileName().toString();
        if (name.endsWith(".pbtxt")) {
            out.print(LabelMaps.toText(LabelMaps.read(file)));
            return 0;
        }
        if (name.contains(".record") || name.endsWith(".tfrecord")) {
            long n = 0;
            try (TfRecordReader r = TfRecordReader.open(file, gzip ? Compression.GZIP : Compression.NONE, false)) {
                for (byte[] rec = r.next(); rec != null; rec = r.next()) {
                    if (n++ < limit) {
                        TfExamples.Decoded d = TfExamples.decode(Example.parseFrom(rec), dev.annotate.core.LabelMap.empty());
                        out.printf("%s %dx%d %s, %d bytes: %s%n", d.image().fileName(), d.image().width(),
                                d.image().height(), d.format(), d.encodedImage().length, d.image().annotations().stream()
                                        .map(a -> a.label() + " " + a.box()).toList());
                    }
                }
            }
            out.printf("%d records in %s%n", n, file);
            return 0;
        }
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        NativeOutput.beforeTensorFlow(file);
        try (Detector d = Detectors.open(file)) {
            out.println(d);
            out.println("classes: " + d.labelMap().entries());
        }
        return 0;
    }
}
