package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.format.ReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** {@code convert --from FMT --to FMT --in DIR --out DIR}: between any installed formats. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert annotations between installed formats (see --list).")
final class ConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--from", description = "Source format.")
    String from;

    @Option(names = "--to", description = "Target format.")
    String to;

    @Option(names = "--in", description = "Source dataset.")
    Path in;

    @Option(names = "--out", description = "Target dataset.")
    Path out;

    @Option(names = "--list", description = "List the installed formats.")
    boolean list;

    @Mixin
    LabelStudioOptions labelStudio = new LabelStudioOptions();

    @Override
    public Integer call() throws Exception {
        if (list) {
            AnnotationFormats.installed().forEach(f -> spec.commandLine().getOut().printf("%-10s %s%n", f.name(),
                    f.description()));
            return 0;
        }
        if (from == null || to == null || in == null || out == null) {
            throw new IllegalArgumentException("convert needs --from, --to, --in and --out (or --list)");
        }
        AnnotationFormat source = AnnotationFormats.byName(from);
        AnnotationFormat target = labelStudio.format(to);
        AtomicLong converted = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        DatasetWriter writer = target.openWriter(out, LabelMap.empty());
        Map<String, String> written = new ConcurrentHashMap<>(); // each target written, and the image it holds
        try {
            Dataset.of(in, source, LabelMap.empty()).read((ReadResult r) -> {
                r.problems().forEach(p -> spec.commandLine().getErr().println("problem: " + p));
                if (r.image().isEmpty()) {
                    failed.incrementAndGet();
                    return;
                }
                String relative = relativeImagePath(source, r).toString().replace('\\', '/');
                String image = r.image().get().path().orElse(relative);
                String earlier = written.putIfAbsent(target(target, relative), image);
                if (earlier != null) {
                    spec.commandLine().getErr().println("failed: " + r.source() + ": image " + image
                            + " would be written as '" + relative + "' where the earlier image " + earlier
                            + " was; not written, nothing overwritten");
                    failed.incrementAndGet();
                    return;
                }
                try {
                    writer.write(relative, r.image().get());
                    converted.incrementAndGet();
                } catch (IllegalArgumentException e) {
                    spec.commandLine().getErr().println("failed: " + r.source() + ": " + e.getMessage());
                    failed.incrementAndGet();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | RuntimeException e) {
            writer.discard(); // a dataset-level file is written whole or not at all
            throw e;
        }
        writer.close();
        spec.commandLine().getOut().printf("%d converted, %d unreadable or refused%n", converted.get(), failed.get());
        return failed.get() > 0 ? Annotate.SOME_FAILED : 0;
    }

    /**
     * What an image's annotations become in the target: the annotation file of a per-image format (so that
     * {@code a.jpg} and {@code a.png} beside it, both {@code a.xml}, collide), the image's entry in a dataset file.
     */
    private static String target(AnnotationFormat format, String relativeImagePath) {
        if (format instanceof PerImageFormat perImage) {
            int slash = relativeImagePath.lastIndexOf('/');
            return relativeImagePath.substring(0, slash + 1)
                    + perImage.annotationFileName(relativeImagePath.substring(slash + 1));
        }
        return relativeImagePath;
    }

    /**
     * Where an image lies relative to the input dataset: beside its annotation file for per-image formats; for
     * per-dataset formats (one file for all images), where the format's recorded image path says, relative to the
     * folder of that file.
     */
    private Path relativeImagePath(AnnotationFormat source, ReadResult r) {
        AnnotatedImage image = r.image().orElseThrow();
        if (!(source instanceof PerImageFormat) && image.path().isPresent()) {
            Path base = (Files.isDirectory(in) ? in : in.toAbsolutePath().getParent()).toAbsolutePath().normalize();
            Path imagePath = Path.of(image.path().get()).toAbsolutePath().normalize();
            if (imagePath.startsWith(base)) {
                return base.relativize(imagePath);
            }
        }
        return in.relativize(r.source()).resolveSibling(image.fileName());
    }
}
