package dev.annotate.tf;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorException;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.spi.DetectorProvider;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Opens TF Object Detection API exports with TensorFlow Java: a TF2 or TF1 SavedModel directory (or a directory
 * holding {@code saved_model/}), and a TF1 frozen graph ({@code frozen_inference_graph.pb} or any other
 * {@code .pb} that is not a SavedModel's). Registered for {@link java.util.ServiceLoader}; TensorFlow's native
 * library loads on the first {@link #open}.
 *
 * <p>Class names come from {@code DetectorOptions.labelMap}, else a {@code label_map.pbtxt} beside the model
 * (in the model directory or its parent), else classes are named {@code "id N"}.
 */
public final class TensorFlowProvider implements DetectorProvider {

    private static final String BOXES = "detection_boxes";
    private static final String SCORES = "detection_scores";
    private static final String CLASSES = "detection_classes";
    private static final String COUNT = "num_detections";

    /**
     * The name of an int32 constant {@code [height, width]} by which a graph states the size it resizes every image
     * to; the detector then decodes large images no larger than needed ({@link DetectorOptions#decodeSize()}).
     */
    public static final String INPUT_SIZE_OPERATION = dev.annotate.core.DecodeSize.STATED_BY_MODEL;

    @Override
    public String name() {
        return "tensorflow";
    }

    @Override
    public String accepts() {
        return "SavedModel directories (saved_model.pb, or a folder holding saved_model/) and frozen-graph .pb files";
    }

    @Override
    public boolean supports(Path model) {
        return savedModelDir(model).isPresent() || isFrozenGraph(model);
    }

    private static Optional<Path> savedModelDir(Path path) {
        if (Files.isRegularFile(path.resolve("saved_model.pb"))) {
            return Optional.of(path);
        }
        if (Files.isRegularFile(path.resolve("saved_model").resolve("saved_model.pb"))) {
            return Optional.of(path.resolve("saved_model"));
        }
        return Optional.empty();
    }

    private static boolean isFrozenGraph(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".pb")
                && !path.getFileName().toString().equals("saved_model.pb");
    }

    @Override
    public Detector open(Path model, DetectorOptions options) throws IOException {
        TfOptions tf = options.backend(TfOptions.class).orElse(TfOptions.defaults());
        // per-session threads: TensorFlow otherwise shares one process-wide pool sized by whichever session came
        // first, and this detector's thread settings would be ignored
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(options.threads())
                .setInterOpParallelismThreads(tf.interOpThreads())
                .setUsePerSessionThreads(true)
                .build();
        Optional<Path> savedModel = savedModelDir(model);
        LabelMap labels = labels(model, options);
        if (savedModel.isPresent()) {
            return openSavedModel(savedModel.get(), tf, config, labels, options);
        }
        if (isFrozenGraph(model)) {
            return openFrozenGraph(model, tf, config, labels, options);
        }
        throw new FormatException(model, null, "no SavedModel (saved_model.pb) or frozen graph (.pb) here");
    }

    private static LabelMap labels(Path model, DetectorOptions options) throws IOException {
        if (options.labelMap().isPresent()) {
            return options.labelMap().get();
        }
        Path dir = Files.isDirectory(model) ? model.toAbsolutePath() : model.toAbsolutePath().getParent();
        for (Path candidate = dir; candidate != null && candidate.startsWith(dir.getParent() == null ? dir
                : dir.getParent()); candidate = candidate.getParent()) {
            Path file = candidate.resolve("label_map.pbtxt");
            if (Files.isRegularFile(file)) {
                return LabelMaps.read(file);
            }
        }
        return LabelMap.empty();
    }

    // ------------------------------------------------------------------------------------------ SavedModel

    private static Detector openSavedModel(Path dir, TfOptions tf, ConfigProto config, LabelMap labels,
                                           DetectorOptions options) throws FormatException {
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(config).load();
        } catch (TensorFlowException | IllegalArgumentException e) {
            throw new FormatException(dir, null, "not a loadable SavedModel: " + firstLine(e.getMessage()), e);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError e) {
            throw nativeFailure(e);
        }
        try {
            List<String> keys = bundle.signatures().stream().map(Signature::key).toList();
            SessionFunction function;
            try {
                function = bundle.function(tf.signature());
            } catch (IllegalArgumentException e) {
                throw new FormatException(dir, null, "no signature '" + tf.signature() + "'; the model has " + keys);
            }
            Signature signature = function.signature();
            Map<String, Signature.TensorDescription> inputs = signature.getInputs();
            Map<String, Signature.TensorDescription> outputs = signature.getOutputs();
            String inputKey = tf.inputName().orElseGet(() -> inputs.containsKey("input_tensor") ? "input_tensor"
                    : inputs.containsKey("inputs") ? "inputs" : inputs.size() == 1 ? inputs.keySet().iterator().next()
                    : null);
            if (inputKey == null || !inputs.containsKey(inputKey)) {
                throw TensorFlowDetector.missing(dir, "signature '" + tf.signature() + "' has no image input '"
                        + (inputKey == null ? "input_tensor' or 'inputs" : inputKey) + "'", describe(signature));
            }
            for (String out : List.of(BOXES, SCORES, CLASSES)) {
                if (!outputs.containsKey(tf.output(out))) {
                    throw TensorFlowDetector.missing(dir, "signature '" + tf.signature() + "' has no output '"
                            + tf.output(out) + "'", describe(signature));
                }
            }
            DataType type = inputs.get(inputKey).dataType;
            requireInputType(dir, type);
            boolean hasCount = outputs.containsKey(tf.output(COUNT));
            TensorFlowDetector.Runner runner = new TensorFlowDetector.Runner() {
                @Override
                public TensorFlowDetector.Outputs run(Tensor input) {
                    try (Result r = function.call(Map.of(inputKey, input))) {
                        return outputs(r.get(tf.output(BOXES)).orElseThrow(), r.get(tf.output(SCORES)).orElseThrow(),
                                r.get(tf.output(CLASSES)).orElseThrow(),
                                hasCount ? r.get(tf.output(COUNT)) : Optional.empty());
                    }
                }

                @Override
                public void close() {
                    bundle.close();
                }
            };
            return new TensorFlowDetector(dir, "TensorFlow SavedModel " + dir + " (" + tf.signature() + ", "
                    + type + " input)", runner, type, statedInputSize(bundle.graph(), bundle.session()), labels,
                    options);
        } catch (FormatException | RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    private static String describe(Signature s) {
        return "inputs " + describe(s.getInputs()) + " and outputs " + describe(s.getOutputs());
    }

    private static String describe(Map<String, Signature.TensorDescription> values) {
        List<String> out = new ArrayList<>();
        new TreeSet<>(values.keySet()).forEach(k -> out.add(k + " (" + values.get(k).dataType + " "
                + values.get(k).shape + ")"));
        return out.toString();
    }

    /**
     * The size the model states it resizes every image to: an int32 constant {@code [height, width]} named
     * {@value #INPUT_SIZE_OPERATION} (the primitive model's SavedModel export has one). Empty for other models,
     * or a constant of another shape.
     */
    static Optional<java.awt.Dimension> statedInputSize(Graph graph, Session session) {
        if (graph.operation(INPUT_SIZE_OPERATION) == null) {
            return Optional.empty();
        }
        try (Result r = session.runner().fetch(INPUT_SIZE_OPERATION).run()) {
            if (r.get(0) instanceof org.tensorflow.types.TInt32 size && size.shape().equals(
                    org.tensorflow.ndarray.Shape.of(2)) && size.getInt(0) > 0 && size.getInt(1) > 0) {
                return Optional.of(new java.awt.Dimension(size.getInt(1), size.getInt(0)));
            }
        } catch (RuntimeException e) {
            // not a constant we can read: the model is fed every pixel, as any model that says nothing
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------ frozen graph

    private static Detector openFrozenGraph(Path file, TfOptions tf, ConfigProto config, LabelMap labels,
                                            DetectorOptions options) throws IOException {
        GraphDef def;
        try {
            def = GraphDef.parseFrom(Files.readAllBytes(file));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new FormatException(file, null, "not a TensorFlow GraphDef: " + e.getMessage(), e);
        }
        Graph graph;
        try {
            graph = new Graph();
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError e) {
            throw nativeFailure(e);
        }
        try {
            graph.importGraphDef(def);
        } catch (IllegalArgumentException | TensorFlowException e) {
            graph.close();
            throw new FormatException(file, null, "TensorFlow cannot import this graph: " + firstLine(e.getMessage()),
                    e);
        }
        Session session = null;
        try {
            String inputName = tf.inputName().orElse("image_tensor");
            GraphOperation input = graph.operation(inputName);
            if (input == null) {
                throw TensorFlowDetector.missing(file, "no input operation '" + inputName + "'",
                        "placeholders " + placeholders(graph));
            }
            List<String> outNames = new ArrayList<>();
            for (String out : List.of(BOXES, SCORES, CLASSES)) {
                if (graph.operation(tf.output(out)) == null) {
                    throw TensorFlowDetector.missing(file, "no output operation '" + tf.output(out) + "'",
                            "operations such as " + detectionLike(graph));
                }
                outNames.add(tf.output(out));
            }
            boolean hasCount = graph.operation(tf.output(COUNT)) != null;
            DataType type = input.output(0).dataType();
            requireInputType(file, type);
            session = new Session(graph, config);
            Session opened = session;
            TensorFlowDetector.Runner runner = new TensorFlowDetector.Runner() {
                @Override
                public TensorFlowDetector.Outputs run(Tensor in) {
                    Session.Runner r = opened.runner().feed(inputName, in);
                    outNames.forEach(r::fetch);
                    if (hasCount) {
                        r.fetch(tf.output(COUNT));
                    }
                    try (Result result = r.run()) {
                        return outputs(result.get(0), result.get(1), result.get(2),
                                hasCount ? Optional.of(result.get(3)) : Optional.empty());
                    }
                }

                @Override
                public void close() {
                    opened.close();
                    graph.close();
                }
            };
            return new TensorFlowDetector(file, "TensorFlow frozen graph " + file + " (" + type + " input)", runner,
                    type, statedInputSize(graph, session), labels, options);
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                session.close(); // first: closing a graph waits, for ever, until every session on it is closed
            }
            graph.close();
            throw e;
        }
    }

    private static List<String> placeholders(Graph graph) {
        List<String> names = new ArrayList<>();
        for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            if (op.type().equals("Placeholder")) {
                names.add(op.name());
            }
        }
        return names;
    }

    private static List<String> detectionLike(Graph graph) {
        List<String> names = new ArrayList<>();
        for (Iterator<GraphOperation> it = graph.operations(); it.hasNext() && names.size() < 20; ) {
            GraphOperation op = it.next();
            if (op.name().contains("detection") || op.name().contains("box") || op.name().contains("score")) {
                names.add(op.name());
            }
        }
        return names;
    }

    // ------------------------------------------------------------------------------------------ shared

    private static void requireInputType(Path model, DataType type) throws FormatException {
        if (type != DataType.DT_UINT8 && type != DataType.DT_FLOAT && type != DataType.DT_STRING) {
            throw new FormatException(model, null, "image input of type " + type
                    + "; the OD API exports uint8 (image_tensor), float (float_image_tensor) or string"
                    + " (encoded_image_string_tensor) inputs");
        }
    }

    private static TensorFlowDetector.Outputs outputs(Tensor boxes, Tensor scores, Tensor classes,
                                                      Optional<Tensor> count) {
        float[] b = floats(boxes);
        float[] s = floats(scores);
        float[] c = floats(classes);
        int n = s.length;
        if (count.isPresent()) {
            n = Math.min(n, (int) floats(count.get())[0]);
        }
        if (b.length < 4 * n || c.length < n) {
            throw new DetectorException("detection outputs disagree: " + b.length + " box values, " + s.length
                    + " scores, " + c.length + " classes");
        }
        return new TensorFlowDetector.Outputs(b, s, c, n);
    }

    private static float[] floats(Tensor t) {
        if (!(t instanceof TFloat32 f)) {
            throw new DetectorException("detection output of type " + t.dataType() + ", expected float");
        }
        float[] out = new float[(int) f.shape().size()];
        f.asRawTensor().data().asFloats().read(out);
        return out;
    }

    private static DetectorException nativeFailure(Throwable e) {
        return new DetectorException("TensorFlow's native library does not load on " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + "; add org.tensorflow:tensorflow-core-native with this"
                + " platform's classifier (linux-x86_64, macosx-arm64, windows-x86_64, ...)", e);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
