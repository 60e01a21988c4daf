package dev.annotate.train;

import dev.annotate.core.model.PrimitiveModel;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TUint8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Writes a {@link PrimitiveModel} as a TensorFlow SavedModel with the TF2 Object Detection API's serving
 * signature, so the ordinary SavedModel backend (and TensorFlow's own tools) run it like any exported OD API
 * model: {@code serving_default}, input {@code input_tensor} uint8 {@code [1, H, W, 3]} of any size, outputs
 * {@code detection_boxes}, {@code detection_scores}, {@code detection_classes}, {@code num_detections}. Resizing,
 * peak finding and top-K run inside the graph; the weights are constants. The constant
 * {@value dev.annotate.tf.TensorFlowProvider#INPUT_SIZE_OPERATION} states the size images are resized to, so
 * the detector decodes large JPEG files no larger than that (TensorFlow's DCT-scaled decoding).
 *
 * <pre>{@code
 * SavedModelExport.write(model, Path.of("my-model/saved_model"));
 * try (Detector d = Detectors.open(Path.of("my-model/saved_model"), DetectorOptions.defaults()
 *         .withLabelMap(model.labels()))) { ... }
 * }</pre>
 */
public final class SavedModelExport {

    private SavedModelExport() {
    }

    /**
     * Writes the SavedModel into {@code dir} ({@code saved_model.pb} and {@code variables/}): first into a hidden
     * sibling folder, then moved into place, so {@code dir} never holds half a model.
     *
     * @throws IOException if {@code dir} exists and is not an empty folder, or cannot be written
     */
    public static void write(PrimitiveModel model, Path dir) throws IOException {
        Objects.requireNonNull(model, "model");
        if (Files.exists(dir) && (!Files.isDirectory(dir) || hasChildren(dir))) {
            throw new IOException(dir + " already exists and is not an empty folder; a SavedModel is not"
                    + " written over other files");
        }
        try (Graph g = new Graph()) {
            TfNetwork.Serving serving = TfNetwork.serving(Ops.create(g), model);
            // the size every image is resized to inside, so a detector decodes large files no larger
            Ops.create(g).withName(dev.annotate.tf.TensorFlowProvider.INPUT_SIZE_OPERATION)
                    .constant(new int[] {model.inputSize(), model.inputSize()});
            Placeholder<TUint8> input = serving.input();
            TfNetwork.Detections d = serving.detections();
            Path parent = dir.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
            try (Session s = new Session(g)) {
                Signature signature = Signature.builder().key("serving_default").input("input_tensor", input)
                        .output("detection_boxes", d.boxes()).output("detection_scores", d.scores())
                        .output("detection_classes", d.classes()).output("num_detections", d.count()).build();
                SavedModelBundle.exporter(staging.toString()).withFunction(SessionFunction.create(signature, s))
                        .export();
                Files.deleteIfExists(dir);
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(staging);
            }
        }
    }

    /** Removes what a failed export left; nothing once the folder has been moved into place. */
    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static boolean hasChildren(Path dir) throws IOException {
        try (var children = Files.list(dir)) {
            return children.findAny().isPresent();
        }
    }
}
