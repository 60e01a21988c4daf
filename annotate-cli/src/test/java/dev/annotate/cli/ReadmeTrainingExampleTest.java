package dev.annotate.cli;

import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.ReadmeExamples;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.train.ModelDirectory;
import dev.annotate.train.PrimitiveTrainer;
import dev.annotate.train.TrainerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the README's training example compiling and running: the block between the markers is in the README. */
final class ReadmeTrainingExampleTest {

    static void readmeExample(Path seed, Path out, TrainerOptions options) throws IOException {
        // README-BEGIN
        LabelMap labels = LabelMaps.read(seed.resolve("label_map.pbtxt"));
        PrimitiveModel model = PrimitiveTrainer.train(seed, labels, options,
                p -> System.out.printf("step %d loss %.3f%n", p.step(), p.loss()));
        ModelDirectory.write(model, out); // saved_model/, model.onnx, label_map.pbtxt, as `annotate train` does
        // README-END
    }

    @Test
    void readmeExample_trainsAndWritesBothExports(@TempDir Path dir) throws IOException {
        Path seed = dir.resolve("seed");
        SyntheticDataset.generate(seed, SyntheticDataset.Options.defaults(6, 4).withSides(96, 160).withExifShare(0));
        Path out = dir.resolve("my-model");
        readmeExample(seed, out, TrainerOptions.defaults().withSteps(3).withInputSize(64).withBatchSize(2));
        assertTrue(Files.isRegularFile(out.resolve("saved_model/saved_model.pb")));
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")));
        assertTrue(Files.isRegularFile(out.resolve("label_map.pbtxt")));
    }

    @Test
    void readme_containsTheExampleVerbatim() throws IOException {
        ReadmeExamples.assertReadmeContains(Path.of("..", "README.md"),
                Path.of("src/test/java/dev/annotate/cli/ReadmeTrainingExampleTest.java"));
    }
}
