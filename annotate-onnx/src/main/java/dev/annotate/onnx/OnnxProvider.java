package dev.annotate.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorException;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.spi.DetectorProvider;
import dev.annotate.onnx.internal.PythonDictLiteral;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Opens {@code .onnx} files with ONNX Runtime (CPU). Registered for {@link java.util.ServiceLoader}; the native
 * library loads on the first {@link #open}, never before.
 *
 * <p>Class names come from, in order: {@code DetectorOptions.labelMap}, {@link OnnxOptions#names()} (a
 * {@code .pbtxt} label map or a names file), a {@code label_map.pbtxt} beside the model, the model's
 * {@code names} metadata (a Python dict literal, parsed, never evaluated); otherwise classes are named
 * {@code "id N"}.
 */
public final class OnnxProvider implements DetectorProvider {

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public String accepts() {
        return "*.onnx files";
    }

    @Override
    public boolean supports(Path model) {
        return model.getFileName() != null
                && model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
                && Files.isRegularFile(model);
    }

    @Override
    public Detector open(Path model, DetectorOptions options) throws IOException {
        return open(model, Files.readAllBytes(model), options);
    }

    /**
     * Opens an ONNX model held in memory (one a program built, such as annotate-pretrained's COCO detector) as
     * {@link #open(Path, DetectorOptions)} opens a file.
     *
     * @param model the name messages and reports give it
     * @param bytes the serialised model
     */
    public static Detector open(Path model, byte[] bytes, DetectorOptions options) throws IOException {
        OnnxOptions onnx = options.backend(OnnxOptions.class).orElse(OnnxOptions.defaults());
        OrtEnvironment env = environment();
        OrtSession session;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(options.threads());
            so.setInterOpNumThreads(1);
            // idle intra-op threads sleep instead of spinning: with images side by side (the pipeline's workers, a
            // server's requests) spinning threads take the cores the other calls need. Measured (#18), 300 images,
            // 2 cores, inference threads x workers: 2 x 2 2.19 -> 1.88 s, 2 x 1 2.56 -> 2.01 s, 1 x 2 unchanged
            // (1.58 / 1.53 s); one image with 2 threads 2.6-3.1 -> 2.8-3.1 ms
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
            so.setOptimizationLevel(switch (onnx.optimization()) {
                case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            session = env.createSession(bytes, so);
        } catch (OrtException e) {
            throw new FormatException(model, null, "not a loadable ONNX model: " + firstLine(e.getMessage()), e);
        }
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            OnnxLayout layout = onnx.layout().orElseGet(() -> recognise(inputs, outputs).orElse(null));
            if (layout == null) {
                throw new FormatException(model, null, "cannot tell the output layout: inputs "
                        + describe(inputs) + ", outputs " + describe(outputs) + "; known layouts: "
                        + Arrays.toString(OnnxLayout.values()) + " (name one with OnnxOptions.withLayout)");
            }
            String primary = primaryOutput(outputs).orElse(outputs.keySet().iterator().next());
            LabelMap labels = labels(model, options, onnx, session);
            return new OnnxDetector(model, env, session, layout, primary, labels, options, onnx);
        } catch (IOException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        } catch (OrtException e) {
            closeQuietly(session);
            throw new FormatException(model, null, "cannot inspect the ONNX model: " + e.getMessage(), e);
        }
    }

    private static OrtEnvironment environment() {
        dev.annotate.onnx.internal.OrtNativeCache.prepare(); // unpacked once, not on every start
        try {
            return OrtEnvironment.getEnvironment();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new DetectorException("ONNX Runtime's native library does not load on "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + "; com.microsoft.onnxruntime:onnxruntime ships Linux, macOS and Windows x64/arm64 CPU builds", e);
        }
    }

    /** The layout from input/output names and shapes; see {@link OnnxLayout}. */
    static Optional<OnnxLayout> recognise(Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
        if (inputs.containsKey("orig_target_sizes")) {
            return Optional.of(OnnxLayout.RT_DETR);
        }
        if (outputs.containsKey("detection_boxes") && outputs.containsKey("detection_scores")) {
            return Optional.of(OnnxLayout.TF_OD_API);
        }
        if (outputs.containsKey("boxes") && outputs.containsKey("labels") && outputs.containsKey("scores")) {
            return Optional.of(OnnxLayout.BOXES_LABELS_SCORES);
        }
        Optional<String> primary = primaryOutput(outputs);
        if (primary.isEmpty()) {
            return Optional.empty();
        }
        long[] s = shape(outputs.get(primary.get())).orElseThrow();
        if (s[1] <= 0 || s[2] <= 0) {
            return Optional.empty(); // dynamic: cannot tell rows from columns
        }
        if (s[2] == 6 && s[1] <= 1000) {
            return Optional.of(OnnxLayout.END_TO_END);
        }
        if (s[1] < s[2] && s[1] >= 5) {
            return Optional.of(OnnxLayout.YOLOV8);
        }
        if (s[1] > s[2] && s[2] >= 6) {
            return Optional.of(OnnxLayout.YOLOV5);
        }
        return Optional.empty();
    }

    /** The single rank-3 float output of a YOLO-style model. */
    private static Optional<String> primaryOutput(Map<String, NodeInfo> outputs) {
        List<String> rank3 = new ArrayList<>();
        outputs.forEach((name, info) -> shape(info).filter(s -> s.length == 3).ifPresent(s -> rank3.add(name)));
        return rank3.size() == 1 ? Optional.of(rank3.get(0)) : Optional.empty();
    }

    private static Optional<long[]> shape(NodeInfo info) {
        return info.getInfo() instanceof TensorInfo t ? Optional.of(t.getShape()) : Optional.empty();
    }

    private static String describe(Map<String, NodeInfo> values) {
        return values.entrySet().stream().map(e -> e.getKey() + ": " + (e.getValue().getInfo() instanceof TensorInfo t
                ? t.type + " " + Arrays.toString(t.getShape()) : e.getValue().getInfo().toString()))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static LabelMap labels(Path model, DetectorOptions options, OnnxOptions onnx, OrtSession session)
            throws IOException, OrtException {
        if (options.labelMap().isPresent()) {
            return options.labelMap().get();
        }
        if (onnx.names().isPresent()) {
            return namesFile(onnx.names().get());
        }
        Path beside = model.toAbsolutePath().resolveSibling("label_map.pbtxt");
        if (Files.isRegularFile(beside)) {
            return LabelMaps.read(beside);
        }
        String names = session.getMetadata().getCustomMetadata().get("names");
        if (names != null) {
            try {
                return fromIndexes(PythonDictLiteral.parse(names));
            } catch (IllegalArgumentException e) {
                throw new FormatException(model, "metadata 'names'", e.getMessage(), e);
            }
        }
        return LabelMap.empty();
    }

    /** 0-based class indexes → label map ids 1, 2, ... (see {@link OnnxLayout}). */
    static LabelMap fromIndexes(Map<Long, String> names) {
        List<LabelMap.Entry> entries = new ArrayList<>();
        names.forEach((k, v) -> {
            if (k < 0 || k > Integer.MAX_VALUE - 1) {
                throw new IllegalArgumentException("class index " + k + " is out of range");
            }
            entries.add(LabelMap.Entry.of((int) (k + 1), v));
        });
        return LabelMap.of(entries);
    }

    /** A label map ({@code .pbtxt}) or a names file: one class per line, class 0 first, blank lines ignored. */
    static LabelMap namesFile(Path file) throws IOException {
        if (file.toString().endsWith(".pbtxt")) {
            return LabelMaps.read(file);
        }
        List<String> names = dev.annotate.core.format.TextFiles.readUtf8(file, LabelMaps.MAX_BYTES).lines()
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        try {
            return LabelMap.fromNames(names);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, null, e.getMessage(), e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // already failing
        }
    }
}
