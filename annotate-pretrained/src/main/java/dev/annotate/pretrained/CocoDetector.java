package dev.annotate.pretrained;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.onnx.OnnxProvider;
import dev.annotate.onnx.graph.Attribute;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import dev.annotate.onnx.graph.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The COCO detector out of the box: NanoDet-g as COCO trained it, 80 classes, run by ONNX Runtime through the
 * same detector API, pipeline and options as any model (minimum score, class allow-list and renaming, threads),
 * so a team whose classes COCO knows gets pre-annotations before drawing a box.
 *
 * <p>The graph: the image stretched to {@value NanoDet#INPUT_SIZE} square (bilinear) and scaled to [0, 1], the
 * recovered layers ({@link NanoDet#coco()}), and NanoDet's Generalized Focal Loss decoding per level: class scores
 * are the sigmoid of the class logits; each side's distance from the cell's centre ({@code (column + 0.5) x
 * stride}, likewise for rows) is the softmax of its 11 bins weighted by 0 to 10, times the stride. The
 * {@value #CANDIDATES} best (cell, class) scores over the three levels leave the graph in the TF Object Detection
 * API's layout; the detector then suppresses overlaps per class at {@value #NMS_IOU} IoU (NanoDet's), unless the
 * options say otherwise.
 *
 * <pre>{@code
 * DetectorOptions options = DetectorOptions.builder().allowedLabels(Set.of("car", "truck"))
 *         .labelRenames(Map.of("truck", "car")).build();
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
        DetectorOptions.Builder b = options.toBuilder().labelMap(NanoDet.coco().classes());
        if (options.nmsIou() == DetectorOptions.defaults().nmsIou()) {
            b.nmsIou(NMS_IOU);
        }
        return OnnxProvider.open(Path.of(NAME), onnx(), b.build());
    }

    /** The serialised ONNX model, built once. */
    static byte[] onnx() {
        byte[] m = model;
        if (m == null) {
            synchronized (CocoDetector.class) {
                m = model;
                if (m == null) {
                    m = build(NanoDet.coco()).toBytes();
                    model = m;
                }
            }
        }
        return m;
    }

    static OnnxGraph.Builder build(NanoDet.Network net) {
        int size = NanoDet.INPUT_SIZE;
        int classes = net.classes().size();
        OnnxGraph.Builder g = OnnxGraph.builder("annotate_coco_nanodet_g")
                .input("input_tensor", ElementType.UINT8, 1, -1, -1, 3)
                .metadata(OnnxExport.INPUT_SIZE_METADATA, Integer.toString(size));
        OnnxExport.prepare(g, size);
        g.node("Identity", List.of("input_scaled"), List.of(PrimitiveModel.INPUT));
        Map<String, int[]> shapes = PrimitiveModel.shapes(size, net.layers());
        OnnxExport.network(g, net.layers(), shapes);

        float[] bins = new float[NanoDet.BINS];
        for (int i = 0; i < bins.length; i++) {
            bins[i] = i;
        }
        g.initializer("gfl_bins", Tensor.floats(bins, 1, 1, NanoDet.BINS, 1, 1));
        g.initializer("class_end", Tensor.longs(new long[] {classes}, 1));
        g.initializer("class_start", Tensor.longs(new long[] {0}, 1));
        g.initializer("box_end", Tensor.longs(new long[] {classes + 4L * NanoDet.BINS}, 1));
        g.initializer("channel_axis", Tensor.longs(new long[] {1}, 1));
        g.initializer("inv_size", Tensor.scalar(1f / size));
        List<String> scores = new ArrayList<>();
        List<String> boxes = new ArrayList<>();
        for (int stride : NanoDet.STRIDES) {
            String head = NanoDet.HEAD + stride;
            int n = shapes.get(head)[0];
            String p = "gfl" + stride + "_";
            g.node("Slice", List.of(head, "class_start", "class_end", "channel_axis"), List.of(p + "logits"));
            g.node("Sigmoid", List.of(p + "logits"), List.of(p + "probabilities"));
            g.node("Transpose", List.of(p + "probabilities"), List.of(p + "scores_nhwc"),
                    Attribute.ints("perm", 0, 2, 3, 1));
            g.initializer(p + "scores_shape", Tensor.longs(new long[] {(long) n * n, classes}, 2));
            g.node("Reshape", List.of(p + "scores_nhwc", p + "scores_shape"), List.of(p + "scores"));
            scores.add(p + "scores");

            g.node("Slice", List.of(head, "class_end", "box_end", "channel_axis"), List.of(p + "bins"));
            g.initializer(p + "bins_shape", Tensor.longs(new long[] {1, 4, NanoDet.BINS, n, n}, 5));
            g.node("Reshape", List.of(p + "bins", p + "bins_shape"), List.of(p + "bins5"));
            g.node("Softmax", List.of(p + "bins5"), List.of(p + "weights"), Attribute.i("axis", 2));
            g.node("Mul", List.of(p + "weights", "gfl_bins"), List.of(p + "weighted"));
            g.initializer(p + "bin_axis", Tensor.longs(new long[] {2}, 1));
            g.node("ReduceSum", List.of(p + "weighted", p + "bin_axis"), List.of(p + "distance_bins"),
                    Attribute.i("keepdims", 0));
            g.initializer(p + "stride", Tensor.scalar((float) stride));
            g.node("Mul", List.of(p + "distance_bins", p + "stride"), List.of(p + "distance"));
            g.node("Transpose", List.of(p + "distance"), List.of(p + "distance_nhwc"),
                    Attribute.ints("perm", 0, 2, 3, 1));
            g.initializer(p + "cells_shape", Tensor.longs(new long[] {(long) n * n, 4}, 2));
            g.node("Reshape", List.of(p + "distance_nhwc", p + "cells_shape"), List.of(p + "ltrb"));
            // each cell's centre twice, as (x, y, x, y), and the signs that turn (l, t, r, b) into corners
            float[] centres = new float[n * n * 4];
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    int c = (y * n + x) * 4;
                    centres[c] = (x + 0.5f) * stride;
                    centres[c + 1] = (y + 0.5f) * stride;
                    centres[c + 2] = centres[c];
                    centres[c + 3] = centres[c + 1];
                }
            }
            g.initializer(p + "centres", Tensor.floats(centres, (long) n * n, 4));
            g.initializer(p + "signs", Tensor.floats(new float[] {-1, -1, 1, 1}, 1, 4));
            g.node("Mul", List.of(p + "ltrb", p + "signs"), List.of(p + "offsets"));
            g.node("Add", List.of(p + "centres", p + "offsets"), List.of(p + "xyxy"));
            boxes.add(p + "xyxy");
        }
        g.node("Concat", scores, List.of("all_scores"), Attribute.i("axis", 0));
        g.node("Concat", boxes, List.of("all_xyxy"), Attribute.i("axis", 0));
        // (x1, y1, x2, y2) in input pixels -> (ymin, xmin, ymax, xmax) in [0, 1]
        g.node("Mul", List.of("all_xyxy", "inv_size"), List.of("all_xyxy_normalised"));
        g.initializer("yxyx", Tensor.longs(new long[] {1, 0, 3, 2}, 4));
        g.node("Gather", List.of("all_xyxy_normalised", "yxyx"), List.of("all_boxes_raw"), Attribute.i("axis", 1));
        g.initializer("zero", Tensor.scalar(0f));
        g.initializer("one", Tensor.scalar(1f));
        g.node("Clip", List.of("all_boxes_raw", "zero", "one"), List.of("all_boxes"));
        g.initializer("flat_shape", Tensor.longs(new long[] {1, -1}, 2));
        g.node("Reshape", List.of("all_scores", "flat_shape"), List.of("flat_scores"));
        g.initializer("k", Tensor.longs(new long[] {CANDIDATES}, 1));
        g.node("TopK", List.of("flat_scores", "k"), List.of("top_scores", "top_index"), Attribute.i("axis", -1),
                Attribute.i("largest", 1), Attribute.i("sorted", 1));
        g.initializer("k_shape", Tensor.longs(new long[] {CANDIDATES}, 1));
        g.node("Reshape", List.of("top_index", "k_shape"), List.of("index"));
        g.initializer("classes", Tensor.scalar((long) classes));
        g.node("Mod", List.of("index", "classes"), List.of("class_index"));
        g.node("Div", List.of("index", "classes"), List.of("cell"));
        g.node("Gather", List.of("all_boxes", "cell"), List.of("top_boxes"), Attribute.i("axis", 0));
        g.initializer("boxes_shape", Tensor.longs(new long[] {1, CANDIDATES, 4}, 3));
        g.node("Reshape", List.of("top_boxes", "boxes_shape"), List.of("detection_boxes"));
        g.node("Identity", List.of("top_scores"), List.of("detection_scores"));
        g.node("Cast", List.of("class_index"), List.of("class_float"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Add", List.of("class_float", "one"), List.of("class_id"));
        OnnxExport.detectionOutputs(g, "class_id", CANDIDATES);
        return g;
    }
}
