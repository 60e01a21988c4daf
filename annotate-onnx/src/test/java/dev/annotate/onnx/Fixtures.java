package dev.annotate.onnx;

import dev.annotate.onnx.graph.Attribute;
import dev.annotate.onnx.graph.ElementType;
import dev.annotate.onnx.graph.OnnxGraph;
import dev.annotate.onnx.graph.Tensor;

import java.util.List;

/**
 * Fixture models, one per layout, built with our ONNX writer. Each finds the box of the pixels whose red channel
 * is bright (the rectangle a test draws) in its own input tensor, then reports four candidates as an affine
 * function of that box b = (x1, y1, x2, y2), in the layout's own encoding:
 * <ol>
 *   <li>b itself, class 0, score 0.9;</li>
 *   <li>b shifted by 2 input pixels, class 0, score 0.8 (NMS must remove it);</li>
 *   <li>b, class 1, score 0.85 (class-aware NMS keeps it);</li>
 *   <li>a fixed far box, class 2, score 0.1 (below the default threshold).</li>
 * </ol>
 * So a detector that letterboxes, orders channels, scales or maps back wrongly reports a different box.
 * Public for the benchmarks, through this module's test jar.
 */
public final class Fixtures {

    static final String NAMES = "{0: 'race car', 1: \"tree\", 2: 'caf\\u00e9'}";

    private Fixtures() {
    }

    /** One candidate: its box as offsets from b (input pixels), class and score. */
    private record Candidate(boolean fixed, float shift, int clazz, float score) {
    }

    private static final List<Candidate> CANDIDATES = List.of(
            new Candidate(false, 0, 0, 0.9f),
            new Candidate(false, 2, 0, 0.8f),
            new Candidate(false, 0, 1, 0.85f),
            new Candidate(true, 0, 2, 0.1f));
    /** Inside the content area of every test scene, apart from the rectangle. */
    private static final float[] FIXED = {300, 300, 340, 340};

    /** Value kinds of one output column, as affine functions of b. */
    private enum Column { X1, Y1, X2, Y2, CX, CY, W, H, SCORE, CLASS, SCORE_IF_0, SCORE_IF_1, SCORE_IF_2, IS_0, IS_1, IS_2 }

    /** Coefficients (over x1, y1, x2, y2) and constant of a column for a candidate. */
    private static float[] affine(Column col, Candidate c, float unit) {
        float s = c.shift() * unit;
        if (c.fixed()) {
            float[] f = {FIXED[0] * unit, FIXED[1] * unit, FIXED[2] * unit, FIXED[3] * unit};
            return switch (col) {
                case X1 -> new float[] {0, 0, 0, 0, f[0]};
                case Y1 -> new float[] {0, 0, 0, 0, f[1]};
                case X2 -> new float[] {0, 0, 0, 0, f[2]};
                case Y2 -> new float[] {0, 0, 0, 0, f[3]};
                case CX -> new float[] {0, 0, 0, 0, (f[0] + f[2]) / 2};
                case CY -> new float[] {0, 0, 0, 0, (f[1] + f[3]) / 2};
                case W -> new float[] {0, 0, 0, 0, f[2] - f[0]};
                case H -> new float[] {0, 0, 0, 0, f[3] - f[1]};
                default -> constant(col, c);
            };
        }
        return switch (col) {
            case X1 -> new float[] {1, 0, 0, 0, s};
            case Y1 -> new float[] {0, 1, 0, 0, s};
            case X2 -> new float[] {0, 0, 1, 0, s};
            case Y2 -> new float[] {0, 0, 0, 1, s};
            case CX -> new float[] {0.5f, 0, 0.5f, 0, s};
            case CY -> new float[] {0, 0.5f, 0, 0.5f, s};
            case W -> new float[] {-1, 0, 1, 0, 0};
            case H -> new float[] {0, -1, 0, 1, 0};
            default -> constant(col, c);
        };
    }

    private static float[] constant(Column col, Candidate c) {
        float v = switch (col) {
            case SCORE -> c.score();
            case CLASS -> c.clazz();
            case SCORE_IF_0 -> c.clazz() == 0 ? c.score() : 0;
            case SCORE_IF_1 -> c.clazz() == 1 ? c.score() : 0;
            case SCORE_IF_2 -> c.clazz() == 2 ? c.score() : 0;
            case IS_0 -> c.clazz() == 0 ? 1 : 0;
            case IS_1 -> c.clazz() == 1 ? 1 : 0;
            case IS_2 -> c.clazz() == 2 ? 1 : 0;
            default -> throw new AssertionError(col);
        };
        return new float[] {0, 0, 0, 0, v};
    }

    /**
     * Adds {@code out = reshape(b · A + C, shape)} where entry (candidate, column) follows {@code columns},
     * laid out candidate-major ({@code channelFirst = false}) or column-major.
     */
    private static void layout(OnnxGraph.Builder g, String b, String out, Column[] columns, boolean channelFirst,
                               long... shape) {
        layout(g, b, out, columns, channelFirst, 1f, shape);
    }

    /** As above, with shifts and the fixed box expressed in {@code unit}s of b's coordinates. */
    private static void layout(OnnxGraph.Builder g, String b, String out, Column[] columns, boolean channelFirst,
                               float unit, long... shape) {
        int n = CANDIDATES.size();
        int m = n * columns.length;
        float[] a = new float[4 * m];
        float[] c = new float[m];
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < columns.length; j++) {
                int idx = channelFirst ? j * n + k : k * columns.length + j;
                float[] f = affine(columns[j], CANDIDATES.get(k), unit);
                for (int r = 0; r < 4; r++) {
                    a[r * m + idx] = f[r];
                }
                c[idx] = f[4];
            }
        }
        g.initializer(out + "_A", Tensor.floats(a, 4, m));
        g.initializer(out + "_C", Tensor.floats(c, 1, m));
        g.initializer(out + "_shape", Tensor.longs(shape, shape.length));
        g.node("MatMul", List.of(b, out + "_A"), List.of(out + "_mm"));
        g.node("Add", List.of(out + "_mm", out + "_C"), List.of(out + "_flat"));
        g.node("Reshape", List.of(out + "_flat", out + "_shape"), List.of(out));
    }

    /**
     * Adds the bright-box subgraph: b = [[x1, y1, x2, y2]] (float, input pixels, exclusive max) of the pixels
     * whose channel {@code channel} (on {@code channelAxis}) exceeds {@code threshold}.
     */
    private static String brightBox(OnnxGraph.Builder g, String input, int channelAxis, int hAxis, int wAxis,
                                    float threshold) {
        g.initializer("bb_c0", Tensor.longs(new long[] {0}, 1));
        g.initializer("bb_c1", Tensor.longs(new long[] {1}, 1));
        g.initializer("bb_caxis", Tensor.longs(new long[] {channelAxis}, 1));
        g.initializer("bb_threshold", Tensor.scalar(threshold));
        g.node("Slice", List.of(input, "bb_c0", "bb_c1", "bb_caxis"), List.of("bb_red"));
        g.node("Cast", List.of("bb_red"), List.of("bb_redf"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Greater", List.of("bb_redf", "bb_threshold"), List.of("bb_maskb"));
        g.node("Cast", List.of("bb_maskb"), List.of("bb_mask"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Shape", List.of(input), List.of("bb_shape"));
        int rank = Math.max(channelAxis, Math.max(hAxis, wAxis)) + 1;
        int[] axes = {wAxis, hAxis};
        for (int k = 0; k < 2; k++) {
            int keep = axes[k];
            long[] reduce = java.util.stream.IntStream.range(0, rank).filter(i -> i != keep).asLongStream().toArray();
            String p = k == 0 ? "bb_x" : "bb_y";
            g.node("ReduceMax", List.of("bb_mask"), List.of(p + "_line"), Attribute.ints("axes", reduce),
                    Attribute.i("keepdims", 0));
            g.node("ArgMax", List.of(p + "_line"), List.of(p + "_min"), Attribute.i("axis", 0),
                    Attribute.i("keepdims", 1));
            g.initializer(p + "_rs", Tensor.longs(new long[] {-1}, 1));
            g.initializer(p + "_re", Tensor.longs(new long[] {Long.MIN_VALUE}, 1));
            g.initializer(p + "_ra", Tensor.longs(new long[] {0}, 1));
            g.initializer(p + "_rstep", Tensor.longs(new long[] {-1}, 1));
            g.node("Slice", List.of(p + "_line", p + "_rs", p + "_re", p + "_ra", p + "_rstep"), List.of(p + "_rev"));
            g.node("ArgMax", List.of(p + "_rev"), List.of(p + "_last"), Attribute.i("axis", 0),
                    Attribute.i("keepdims", 1));
            g.initializer(p + "_axis", Tensor.longs(new long[] {keep}, 1));
            g.node("Gather", List.of("bb_shape", p + "_axis"), List.of(p + "_size"), Attribute.i("axis", 0));
            g.node("Sub", List.of(p + "_size", p + "_last"), List.of(p + "_max"));
        }
        g.node("Concat", List.of("bb_x_min", "bb_y_min", "bb_x_max", "bb_y_max"), List.of("bb_cat"),
                Attribute.i("axis", 0));
        g.node("Cast", List.of("bb_cat"), List.of("bb_flat"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.initializer("bb_rowshape", Tensor.longs(new long[] {1, 4}, 2));
        g.node("Reshape", List.of("bb_flat", "bb_rowshape"), List.of("bb"));
        return "bb";
    }

    /** YOLOv5 rows: objectness carries the score, class columns are one-hot, so score = objectness x 1. */
    private static final Column[] YOLOV5 = {Column.CX, Column.CY, Column.W, Column.H, Column.SCORE,
            Column.IS_0, Column.IS_1, Column.IS_2};
    private static final Column[] YOLOV8 = {Column.CX, Column.CY, Column.W, Column.H,
            Column.SCORE_IF_0, Column.SCORE_IF_1, Column.SCORE_IF_2};
    private static final Column[] XYXY_SCORE_CLASS = {Column.X1, Column.Y1, Column.X2, Column.Y2, Column.SCORE,
            Column.CLASS};

    /** Candidate rows of the YOLO fixtures: real heads have thousands, all but a few near zero. */
    static final int YOLO_ROWS = 200;

    /** Pads {@code in} with zeros along {@code axis} (of a rank-3 tensor) to {@code size}. */
    private static void padTo(OnnxGraph.Builder g, String in, String out, int axis, int size) {
        long[] pads = new long[6];
        pads[3 + axis] = size - CANDIDATES.size();
        g.initializer(out + "_pads", dev.annotate.onnx.graph.Tensor.longs(pads, 6));
        g.node("Pad", List.of(in, out + "_pads"), List.of(out));
    }

    /** Ultralytics YOLOv5: [1, 3, size, size] → [1, 200, 8] rows; objectness carries the score. */
    public static byte[] yolov5(int size) {
        OnnxGraph.Builder g = OnnxGraph.builder("yolov5").input("images", ElementType.FLOAT, 1, 3, size, size);
        String b = brightBox(g, "images", 1, 2, 3, 0.5f);
        layout(g, b, "candidates", YOLOV5, false, 1, CANDIDATES.size(), YOLOV5.length);
        padTo(g, "candidates", "output0", 1, YOLO_ROWS);
        return g.output("output0", ElementType.FLOAT, 1, YOLO_ROWS, YOLOV5.length).metadata("names", NAMES)
                .metadata("stride", "32").toBytes();
    }

    /** Ultralytics YOLOv8/11: [1, 3, size, size] → [1, 7, 200] channel-first. */
    public static byte[] yolov8(int size) {
        return yolov8(size, NAMES);
    }

    /** As {@link #yolov8(int)}, with {@code names} as the model's {@code names} metadata (Python dict literal). */
    public static byte[] yolov8(int size, String names) {
        OnnxGraph.Builder g = OnnxGraph.builder("yolov8").input("images", ElementType.FLOAT, 1, 3, size, size);
        String b = brightBox(g, "images", 1, 2, 3, 0.5f);
        layout(g, b, "candidates", YOLOV8, true, 1, YOLOV8.length, CANDIDATES.size());
        padTo(g, "candidates", "output0", 2, YOLO_ROWS);
        return g.output("output0", ElementType.FLOAT, 1, YOLOV8.length, YOLO_ROWS)
                .metadata("names", names).metadata("task", "detect").toBytes();
    }

    /**
     * End-to-end: [1, 3, size, size] → [1, rows, 6] rows x1, y1, x2, y2, score, class; rows past the four
     * candidates are all zero (score 0), as NMS-free heads always return all K rows.
     */
    public static byte[] endToEnd(int size, int rows) {
        OnnxGraph.Builder g = OnnxGraph.builder("e2e").input("images", ElementType.FLOAT, 1, 3, size, size);
        String b = brightBox(g, "images", 1, 2, 3, 0.5f);
        layout(g, b, "candidates", XYXY_SCORE_CLASS, false, 1, CANDIDATES.size(), 6);
        padTo(g, "candidates", "output0", 1, rows);
        return g.output("output0", ElementType.FLOAT, 1, rows, 6).metadata("names", NAMES).toBytes();
    }

    /** torchvision: dynamic [3, H, W] 0..1 → boxes [4, 4] xyxy, labels int64 (class + 1), scores. */
    public static byte[] torchvision() {
        return torchvision(-1);
    }

    /** torchvision with a fixed [3, size, size] input, or a dynamic one for -1. */
    public static byte[] torchvision(int size) {
        OnnxGraph.Builder g = OnnxGraph.builder("torchvision").input("image", ElementType.FLOAT, 3, size, size);
        String b = brightBox(g, "image", 0, 1, 2, 0.5f);
        layout(g, b, "boxes", new Column[] {Column.X1, Column.Y1, Column.X2, Column.Y2}, false,
                CANDIDATES.size(), 4);
        labelsAndScores(g, b, 1);
        return g.output("boxes", ElementType.FLOAT, -1, 4).output("labels", ElementType.INT64, -1)
                .output("scores", ElementType.FLOAT, -1).toBytes();
    }

    /** labels (int64, class + base) and scores outputs, constant. */
    private static void labelsAndScores(OnnxGraph.Builder g, String b, int base, long... shape) {
        long[] labels = CANDIDATES.stream().mapToLong(c -> c.clazz() + base).toArray();
        float[] scores = new float[CANDIDATES.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = CANDIDATES.get(i).score();
        }
        long[] dims = shape.length == 0 ? new long[] {CANDIDATES.size()} : shape;
        g.node("Constant", List.of(), List.of("labels"), Attribute.tensor("value", Tensor.longs(labels, dims)));
        g.node("Constant", List.of(), List.of("scores"), Attribute.tensor("value", Tensor.floats(scores, dims)));
    }

    /** RT-DETR: images [1, 3, size, size] stretched + orig_target_sizes → boxes in original pixels. */
    public static byte[] rtDetr(int size) {
        OnnxGraph.Builder g = OnnxGraph.builder("rtdetr").input("images", ElementType.FLOAT, 1, 3, size, size)
                .input("orig_target_sizes", ElementType.INT64, 1, 2);
        String b = brightBox(g, "images", 1, 2, 3, 0.5f);
        layout(g, b, "boxes_in", new Column[] {Column.X1, Column.Y1, Column.X2, Column.Y2}, false,
                1, CANDIDATES.size(), 4);
        // scale = orig (w, h, w, h) / size
        g.node("Cast", List.of("orig_target_sizes"), List.of("orig_f"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Concat", List.of("orig_f", "orig_f"), List.of("orig4"), Attribute.i("axis", 1));
        g.initializer("inv_size", Tensor.scalar(1f / size));
        g.node("Mul", List.of("orig4", "inv_size"), List.of("scale4"));
        g.node("Mul", List.of("boxes_in", "scale4"), List.of("boxes"));
        labelsAndScores(g, b, 0, 1, CANDIDATES.size());
        return g.output("labels", ElementType.INT64, 1, CANDIDATES.size())
                .output("boxes", ElementType.FLOAT, 1, CANDIDATES.size(), 4)
                .output("scores", ElementType.FLOAT, 1, CANDIDATES.size()).toBytes();
    }

    /** tf2onnx TF OD API: uint8 [1, H, W, 3] dynamic → normalised detection_* outputs, classes 1-based. */
    public static byte[] tfOdApi() {
        return tfOdApi(-1);
    }

    /** tf2onnx TF OD API with a fixed [1, size, size, 3] input, or a dynamic one for -1. */
    public static byte[] tfOdApi(int size) {
        return tfOdApi(size, -1);
    }

    /**
     * The dynamic TF OD API fixture with the metadata a primitive export carries: it says the graph resizes every
     * image to {@code resizesTo} (the fixture itself answers in fractions of what it is fed, as such a graph does).
     */
    public static byte[] tfOdApiResizingTo(int resizesTo) {
        return tfOdApi(-1, resizesTo);
    }

    private static byte[] tfOdApi(int size, int resizesTo) {
        OnnxGraph.Builder g = OnnxGraph.builder("tf_od_api").input("input_tensor", ElementType.UINT8, 1, size, size,
                3);
        if (resizesTo > 0) {
            g.metadata(OnnxExport.INPUT_SIZE_METADATA, Integer.toString(resizesTo));
        }
        String b = brightBox(g, "input_tensor", 3, 1, 2, 128f);
        // normalise: b / (W, H, W, H)
        g.initializer("hw_idx", Tensor.longs(new long[] {2, 1, 2, 1}, 4));
        g.node("Gather", List.of("bb_shape", "hw_idx"), List.of("whwh"), Attribute.i("axis", 0));
        g.node("Cast", List.of("whwh"), List.of("whwh_f"), Attribute.i("to", ElementType.FLOAT.onnx()));
        g.node("Div", List.of(b, "whwh_f"), List.of("bn"));
        // boxes as [ymin, xmin, ymax, xmax]; the "shift" candidate moves by 0.003 of the side
        Column[] yx = {Column.Y1, Column.X1, Column.Y2, Column.X2};
        layout(g, "bn", "raw_boxes", yx, false, 0.0015f, 1, CANDIDATES.size(), 4);
        g.node("Identity", List.of("raw_boxes"), List.of("detection_boxes"));
        float[] scores = new float[CANDIDATES.size()];
        float[] classes = new float[CANDIDATES.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = CANDIDATES.get(i).score();
            classes[i] = CANDIDATES.get(i).clazz() + 1;
        }
        g.node("Constant", List.of(), List.of("detection_scores"),
                Attribute.tensor("value", Tensor.floats(scores, 1, scores.length)));
        g.node("Constant", List.of(), List.of("detection_classes"),
                Attribute.tensor("value", Tensor.floats(classes, 1, classes.length)));
        g.node("Constant", List.of(), List.of("num_detections"),
                Attribute.tensor("value", Tensor.floats(new float[] {scores.length}, 1)));
        return g.output("detection_boxes", ElementType.FLOAT, 1, CANDIDATES.size(), 4)
                .output("detection_scores", ElementType.FLOAT, 1, CANDIDATES.size())
                .output("detection_classes", ElementType.FLOAT, 1, CANDIDATES.size())
                .output("num_detections", ElementType.FLOAT, 1).toBytes();
    }
}
