package dev.annotate.train;

import dev.annotate.core.Detector;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.model.PrimitiveModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model folder an embedding application writes as {@code annotate train} does. */
final class ModelDirectoryTest {

    @Test
    void write_givesBothExportsAndTheLabelMap_andNeverOverwritesAModel(@TempDir Path dir) throws IOException {
        LabelMap labels = LabelMap.fromNames(List.of("car", "kite-surfer"));
        PrimitiveModel model = new PrimitiveModel(64, labels, Architecture.initial(labels.size(), 3), 20);
        Path out = dir.resolve("my-model");
        ModelDirectory.write(model, out);

        assertEquals(out.resolve("model.onnx"), ModelDirectory.onnx(out));
        assertEquals(out.resolve("model.onnx"), ModelDirectory.onnx(out.resolve("model.onnx")), "a file is itself");
        for (Path export : List.of(out.resolve(ModelDirectory.SAVED_MODEL), ModelDirectory.onnx(out))) {
            try (Detector d = Detectors.open(export)) {
                assertEquals(labels.names(), d.labelMap().names(), export + " finds the label map beside it");
            }
        }

        byte[] onnx = Files.readAllBytes(ModelDirectory.onnx(out));
        IOException e = assertThrows(IOException.class, () -> ModelDirectory.write(model, out));
        assertTrue(e.getMessage().startsWith(out.resolve(ModelDirectory.SAVED_MODEL) + " already exists"),
                e.getMessage());
        assertArrayEquals(onnx, Files.readAllBytes(ModelDirectory.onnx(out)), "the model is left as it was");
    }
}
