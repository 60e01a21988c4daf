package dev.annotate.cli;

import dev.annotate.synthetic.SyntheticDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code generate --out DIR [--images N] [--seed S] [--style drawn|photographic]}. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write the synthetic annotated dataset (JPEG, LabelImg VOC, label map).")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Folder to write.")
    Path out;

    @Option(names = "--images", defaultValue = "100", description = "Number of images (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--style", defaultValue = "drawn", converter = StyleConverter.class,
            description = "drawn (what the demo trains on) or photographic (textured, many-part objects, busy"
                    + " backgrounds, blur and uneven light: for evaluating a model on scenes unlike its training"
                    + " set; default ${DEFAULT-VALUE}).")
    SyntheticDataset.Style style;

    @Override
    public Integer call() throws Exception {
        SyntheticDataset.Summary s = SyntheticDataset.generate(out,
                SyntheticDataset.Options.defaults(images, seed).withStyle(style));
        spec.commandLine().getOut().printf("%d images, %d boxes (%d stored with an EXIF orientation) in %s%n",
                s.images().size(), s.objects(), s.rotated(), out.toAbsolutePath());
        return 0;
    }

    /** {@code drawn} or {@code photographic}, in any case. */
    static final class StyleConverter implements picocli.CommandLine.ITypeConverter<SyntheticDataset.Style> {
        @Override
        public SyntheticDataset.Style convert(String value) {
            try {
                return SyntheticDataset.Style.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a style; use drawn or photographic");
            }
        }
    }
}
