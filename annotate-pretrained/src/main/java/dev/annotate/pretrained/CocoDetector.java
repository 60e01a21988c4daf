package dev.annotate.pretrained;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.onnx.OnnxProvider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The COCO detector out of the box: NanoDet-g as COCO trained it, 80 classes, run by ONNX Runtime through the
 * same detector API, pipeline and options as any model (minimum score, class allow-list and renaming, threads),
 * so a team whose classes COCO knows gets pre-annotations before drawing a box.
 *
 * <p>The graph: the recovered layers ({@link NanoDet#coco()}) at {@value NanoDet#INPUT_SIZE} square, written by
 * {@link OnnxExport} as a {@link PrimitiveModel} with {@linkplain PrimitiveModel.Heads#LEVELS level heads}: the
 * image stretched and scaled to [0, 1], and NanoDet's Generalized Focal Loss decoding (class scores are the
 * sigmoid of the class logits; each side's distance from the cell's centre is the softmax of its 11 bins weighted
 * by 0 to 10, times the stride). The {@value #CANDIDATES} best (cell, class) scores over the three levels leave
 * the graph in the TF Object Detection API's layout; the detector then suppresses overlaps per class at
 * {@value #NMS_IOU} IoU (NanoDet's), unless the options say otherwise.
 *
 * <pre>{@code
 * DetectorOptions options = DetectorOptions.defaults().withAllowedLabels(Set.of("car", "truck"))
 *         .withLabelRenames(Map.of("truck", "car"));
 * try (Detector coco = CocoDetector.open(options)) {
 *     AnnotatedImage found = coco.detect(Path.of("street.jpg"));
 * }
 * }</pre>
 */
public final class CocoDetector {

    /** What the detector is called in reports and the machine mark ({@code predict --model coco}). */
    public static final String NAME = "coco";
    /** Detections leaving the graph for suppression, as NanoDet keeps before its own suppression. */
    static final int CANDIDATES = 1000;
    /** NanoDet's suppression overlap. */
    static final double NMS_IOU = 0.6;

    private static volatile byte[] model;

    private CocoDetector() {
    }

    /**
     * Opens the detector. The options' label map is COCO's 80 classes whatever the options say; their
     * {@link DetectorOptions#nmsIou()} is NanoDet's {@value #NMS_IOU} where left at the default.
     */
    public static Detector open(DetectorOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        DetectorOptions b = options.withLabelMap(NanoDet.coco().classes());
        if (options.nmsIou() == DetectorOptions.defaults().nmsIou()) {
            b = b.withNmsIou(NMS_IOU);
        }
        return OnnxProvider.open(Path.of(NAME), onnx(), b);
    }

    /** The serialised ONNX model, built once. */
    static byte[] onnx() {
        byte[] m = model;
        if (m == null) {
            synchronized (CocoDetector.class) {
                m = model;
                if (m == null) {
                    m = OnnxExport.toBytes(model(NanoDet.coco()));
                    model = m;
                }
            }
        }
        return m;
    }

    /** The whole network as a {@link PrimitiveModel} with level heads, which the ONNX export writes. */
    static PrimitiveModel model(NanoDet.Network net) {
        return new PrimitiveModel(NanoDet.INPUT_SIZE, net.classes(), net.layers(), CANDIDATES);
    }
}
