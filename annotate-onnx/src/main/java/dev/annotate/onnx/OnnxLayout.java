package dev.annotate.onnx;

/**
 * The output layouts of common detector exports. {@link OnnxOptions} may name one; otherwise it is recognised
 * from the model's input and output names and shapes (see each constant).
 *
 * <p>Class numbers: layouts whose classes are 0-based indexes ({@link #YOLOV5}, {@link #YOLOV8},
 * {@link #END_TO_END}, {@link #RT_DETR}) name class {@code k} with label-map id {@code k + 1}, so one label map
 * ({@code item { id: 1 name: 'person' }}) serves every layout; 1-based layouts ({@link #TF_OD_API},
 * {@link #BOXES_LABELS_SCORES}) use the id as is.
 */
public enum OnnxLayout {
    /**
     * tf2onnx export of a TF Object Detection API model: uint8 (or float 0..255) NHWC input, fed at the image's
     * own size when dynamic; outputs {@code detection_boxes} (ymin, xmin, ymax, xmax normalised to the fed image,
     * which are mapped back through a stretch or letterbox of a fixed-size input),
     * {@code detection_scores}, {@code detection_classes} (1-based, float), {@code num_detections}. Recognised
     * by the output names.
     */
    TF_OD_API,
    /**
     * Ultralytics YOLOv5: input float NCHW RGB /255 letterboxed with grey 114; output {@code [1, N, 5 + nc]}
     * rows of cx, cy, w, h, objectness, class scores in input pixels; score = objectness x class score; no NMS
     * inside. Recognised by one rank-3 output with more rows than columns.
     */
    YOLOV5,
    /**
     * Ultralytics YOLOv8 / YOLO11: as YOLOv5 but output {@code [1, 4 + nc, N]} (channel-first), no objectness.
     * Recognised by one rank-3 output with fewer rows than columns.
     */
    YOLOV8,
    /**
     * NMS-free heads (YOLOv10, end-to-end exports): output {@code [1, K, 6]} rows x1, y1, x2, y2, score, class
     * in input pixels, all K rows present. Recognised by one {@code [1, K, 6]} output with K at most 1000.
     */
    END_TO_END,
    /**
     * torchvision detectors: float 0..1 input {@code [3, H, W]} or {@code [1, 3, H, W]} fed at the image's size
     * when dynamic; outputs {@code boxes} (x1, y1, x2, y2 in input pixels), {@code labels} (int64, 0 =
     * background), {@code scores}. Recognised by those output names.
     */
    BOXES_LABELS_SCORES,
    /**
     * RT-DETR: inputs {@code images} stretched to the model size, 0..1, and {@code orig_target_sizes} (int64
     * width, height), by which the model scales its normalised boxes; outputs {@code labels}, {@code boxes} (x1,
     * y1, x2, y2 in those units), {@code scores}. We feed the size of the fed image and map its boxes back, so a
     * letterbox resize works too. Recognised by the {@code orig_target_sizes} input.
     */
    RT_DETR
}
