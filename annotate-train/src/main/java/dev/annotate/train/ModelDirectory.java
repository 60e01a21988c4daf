package dev.annotate.train;

import dev.annotate.core.LabelMaps;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The model folder {@code annotate train} writes, and {@code predict}, {@code serve}, {@code demo} and
 * {@code train --init} read: {@value #SAVED_MODEL}/ (the SavedModel), {@value #ONNX} and {@value #LABEL_MAP}.
 * An embedding application that trains writes the same folder with {@link #write}; either export then opens with
 * {@code Detectors.open} and finds the label map beside it.
 *
 * <pre>{@code
 * PrimitiveModel model = PrimitiveTrainer.train(dataset, labels, TrainerOptions.defaults(), progress -> { });
 * ModelDirectory.write(model, Path.of("my-model"));
 * try (Detector d = Detectors.open(ModelDirectory.onnx(Path.of("my-model")))) { ... }
 * }</pre>
 */
public final class ModelDirectory {

    /** The SavedModel folder (TF Object Detection API signature). */
    public static final String SAVED_MODEL = "saved_model";
    /** The ONNX export. */
    public static final String ONNX = "model.onnx";
    /** The label map (pbtxt) of both exports. */
    public static final String LABEL_MAP = "label_map.pbtxt";

    private ModelDirectory() {
    }

    /**
     * Refuses a folder that already holds a model, before anything is trained: a model is never overwritten.
     *
     * @throws IOException naming the first of {@value #SAVED_MODEL}, {@value #ONNX}, {@value #LABEL_MAP} that exists
     */
    public static void requireNew(Path dir) throws IOException {
        for (String name : List.of(SAVED_MODEL, ONNX, LABEL_MAP)) {
            if (Files.exists(dir.resolve(name))) {
                throw new IOException(dir.resolve(name) + " already exists; write the model into a new folder");
            }
        }
    }

    /**
     * Writes both exports and the label map into {@code dir}, creating it.
     *
     * @throws IOException if the folder already holds a model ({@link #requireNew}) or cannot be written
     */
    public static void write(PrimitiveModel model, Path dir) throws IOException {
        requireNew(dir);
        Files.createDirectories(dir);
        SavedModelExport.write(model, dir.resolve(SAVED_MODEL));
        OnnxExport.write(model, dir.resolve(ONNX));
        LabelMaps.write(model.labels(), dir.resolve(LABEL_MAP));
    }

    /** The ONNX export of a model folder, or the path itself when it is not a folder (a {@code .onnx} file). */
    public static Path onnx(Path model) {
        return Files.isDirectory(model) ? model.resolve(ONNX) : model;
    }

}
