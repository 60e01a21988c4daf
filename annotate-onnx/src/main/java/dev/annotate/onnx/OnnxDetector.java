package dev.annotate.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.DetectorException;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.LabelMap;
import dev.annotate.core.image.Images;
import dev.annotate.core.spi.AbstractDetector;
import dev.annotate.core.processing.ResizeTransform;
import dev.annotate.onnx.internal.Resampler;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A detector over one ONNX Runtime session, shared by every calling thread ({@code OrtSession.run} is
 * thread-safe). Each call builds its input tensors from direct buffers, runs, decodes the outputs of its
 * {@link OnnxLayout} into candidate boxes in the caller's pixels, and closes every tensor and result before it
 * returns.
 *
 * <p>Invariant: {@link #transform} maps boxes in model-input pixels back to the image passed to
 * {@link #infer}, the inverse of exactly the resize that was rendered.
 */
final class OnnxDetector extends AbstractDetector {

    /** Ultralytics' letterbox padding grey. */
    private static final int PAD_GREY = 114;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final OnnxLayout layout;
    private final String imageInput;
    private final TensorInfo imageInfo;
    private final OnnxOptions.Resize resize;
    private final int fixedWidth;
    private final int fixedHeight;
    /** For a dynamic input, the size the graph resizes to, as its metadata says; -1 when it says none. */
    private final int resizesTo;
    private final LabelMap labels;
    private final boolean zeroBased;
    private final Path model;
    /** The output holding the detections for single-output layouts (YOLO-style), chosen by the provider. */
    private final String primaryOutput;

    OnnxDetector(Path model, OrtEnvironment env, OrtSession session, OnnxLayout layout, String primaryOutput,
                 LabelMap labels, DetectorOptions options, OnnxOptions onnx) throws OrtException {
        super("ONNX model " + model + " (" + layout + ")", labels, options);
        this.model = model;
        this.env = env;
        this.session = session;
        this.layout = layout;
        this.primaryOutput = primaryOutput;
        this.labels = labels;
        this.zeroBased = layout == OnnxLayout.YOLOV5 || layout == OnnxLayout.YOLOV8 || layout == OnnxLayout.END_TO_END
                || layout == OnnxLayout.RT_DETR;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        String image = null;
        for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
            if (!e.getKey().equals("orig_target_sizes")) {
                image = e.getKey();
                break;
            }
        }
        if (image == null || !(inputs.get(image).getInfo() instanceof TensorInfo info)) {
            throw new DetectorException(model + ": no image input among " + inputs.keySet());
        }
        this.imageInput = image;
        this.imageInfo = info;
        long[] shape = info.getShape();
        boolean nhwc = layout == OnnxLayout.TF_OD_API;
        int hAxis = nhwc ? 1 : shape.length - 2;
        int wAxis = nhwc ? 2 : shape.length - 1;
        long h = shape.length > hAxis ? shape[hAxis] : -1;
        long w = shape.length > wAxis ? shape[wAxis] : -1;
        boolean dynamic = h <= 0 || w <= 0;
        boolean needsFixed = layout == OnnxLayout.YOLOV5 || layout == OnnxLayout.YOLOV8
                || layout == OnnxLayout.END_TO_END || layout == OnnxLayout.RT_DETR;
        if (dynamic && needsFixed) {
            this.fixedWidth = onnx.inputSize();
            this.fixedHeight = onnx.inputSize();
        } else {
            this.fixedWidth = dynamic ? -1 : (int) w;
            this.fixedHeight = dynamic ? -1 : (int) h;
        }
        this.resizesTo = dynamic ? resizesTo(session) : -1;
        this.resize = onnx.resize().orElse(
                layout == OnnxLayout.YOLOV5 || layout == OnnxLayout.YOLOV8 || layout == OnnxLayout.END_TO_END
                        ? OnnxOptions.Resize.LETTERBOX : OnnxOptions.Resize.STRETCH);
    }

    /** The layout this detector decodes. */
    OnnxLayout layout() {
        return layout;
    }

    /**
     * Fixed-size inputs need no more pixels than the input holds, nor does a graph that resizes every image to a
     * size its metadata states (the primitive exports, {@link OnnxExport#INPUT_SIZE_METADATA}): large files are
     * decoded subsampled.
     */
    @Override
    protected java.util.Optional<java.awt.Dimension> inputSize() {
        if (fixedWidth > 0 && fixedHeight > 0) {
            return java.util.Optional.of(new java.awt.Dimension(fixedWidth, fixedHeight));
        }
        return resizesTo > 0 ? java.util.Optional.of(new java.awt.Dimension(resizesTo, resizesTo))
                : java.util.Optional.empty();
    }

    /** The size a dynamic-input graph says it resizes to, or -1. */
    private static int resizesTo(OrtSession session) throws OrtException {
        String size = session.getMetadata().getCustomMetadata().get(OnnxExport.INPUT_SIZE_METADATA);
        try {
            int n = size == null ? -1 : Integer.parseInt(size.strip());
            return n > 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    protected List<Annotation> infer(BufferedImage image) {
        int sw = image.getWidth();
        int sh = image.getHeight();
        int tw = fixedWidth > 0 ? fixedWidth : sw;
        int th = fixedHeight > 0 ? fixedHeight : sh;
        ResizeTransform transform = resize == OnnxOptions.Resize.LETTERBOX
                ? ResizeTransform.letterbox(sw, sh, tw, th, true)
                : ResizeTransform.stretch(sw, sh, tw, th);
        byte[] bgr = Images.bgrBytes(image);
        Map<String, OnnxTensor> feeds = new HashMap<>();
        float[] planes = null;
        FloatBuffer direct = null;
        byte[] rgb = null;
        ByteBuffer directBytes = null;
        try {
            if (imageInfo.type == OnnxJavaType.UINT8) {
                // as for floats below: a pooled array, then one bulk copy into a pooled direct buffer that ONNX
                // Runtime uses in place
                rgb = byteArrays.take(3 * tw * th);
                Resampler.toInterleavedRgb(bgr, transform, PAD_GREY, rgb);
                directBytes = byteBuffers.take(3 * tw * th);
                directBytes.clear().put(rgb, 0, 3 * tw * th).flip();
                feeds.put(imageInput, OnnxTensor.createTensor(env, directBytes, shape(tw, th), OnnxJavaType.UINT8));
            } else {
                planes = floatArrays.take(3 * tw * th);
                if (layout == OnnxLayout.TF_OD_API) {
                    interleavedFloats(bgr, transform, planes); // float_image_tensor: raw 0..255, NHWC
                } else {
                    Resampler.toPlanarRgb(bgr, transform, 1f / 255f, PAD_GREY, planes);
                }
                // a direct buffer is used by ONNX Runtime in place (a heap one would be copied into a fresh,
                // zeroed direct allocation per call); one bulk copy from the array fills it
                direct = floatBuffers.take(3 * tw * th);
                direct.clear().put(planes, 0, 3 * tw * th).flip();
                feeds.put(imageInput, OnnxTensor.createTensor(env, direct, shape(tw, th)));
            }
            if (layout == OnnxLayout.RT_DETR) {
                // the model scales its normalised boxes by these: given the fed size, it answers in fed pixels,
                // which the transform maps back whether the image was stretched or letterboxed
                LongBuffer sizes = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).asLongBuffer();
                sizes.put(0, tw).put(1, th);
                feeds.put("orig_target_sizes", OnnxTensor.createTensor(env, sizes, new long[] {1, 2}));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                return decode(result, transform);
            }
        } catch (OrtException e) {
            throw new DetectorException("ONNX Runtime failed on " + model + ": " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close); // before the buffers they use go back
            floatArrays.give(planes);
            floatBuffers.give(direct);
            byteArrays.give(rgb);
            byteBuffers.give(directBytes);
        }
    }

    /**
     * Input arrays and direct buffers of finished calls, reused: allocating and zeroing several MB per image (of
     * native memory, for direct buffers) is slow. {@link #take} gives a spare one at least {@code length} long, or
     * a new one; {@link #give} puts one back (null is ignored).
     */
    private static final class Pool<T> {
        private final java.util.concurrent.ConcurrentLinkedQueue<T> spare =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.function.IntFunction<T> create;
        private final java.util.function.ToIntFunction<T> capacity;

        Pool(java.util.function.IntFunction<T> create, java.util.function.ToIntFunction<T> capacity) {
            this.create = create;
            this.capacity = capacity;
        }

        T take(int length) {
            T t = spare.poll();
            return t != null && capacity.applyAsInt(t) >= length ? t : create.apply(length);
        }

        void give(T t) {
            if (t != null) {
                spare.offer(t);
            }
        }
    }

    private final Pool<float[]> floatArrays = new Pool<>(float[]::new, a -> a.length);
    private final Pool<byte[]> byteArrays = new Pool<>(byte[]::new, a -> a.length);
    private final Pool<FloatBuffer> floatBuffers = new Pool<>(
            n -> ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer(), FloatBuffer::capacity);
    private final Pool<ByteBuffer> byteBuffers = new Pool<>(
            n -> ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder()), ByteBuffer::capacity);

    private static void interleavedFloats(byte[] bgr, ResizeTransform t, float[] out) {
        byte[] rgb = new byte[3 * t.targetWidth() * t.targetHeight()];
        Resampler.toInterleavedRgb(bgr, t, PAD_GREY, rgb);
        for (int i = 0; i < rgb.length; i++) {
            out[i] = rgb[i] & 0xFF;
        }
    }

    private long[] shape(int w, int h) {
        long[] shape = imageInfo.getShape().clone();
        if (layout == OnnxLayout.TF_OD_API) {
            fill(shape, 1, h, w, 3);
        } else if (shape.length == 3) {
            fill(shape, 3, h, w);
        } else {
            fill(shape, 1, 3, h, w);
        }
        return shape;
    }

    private static void fill(long[] shape, long... dims) {
        if (shape.length != dims.length) {
            throw new DetectorException("model input has rank " + shape.length + ", expected " + dims.length
                    + " (" + Arrays.toString(dims) + ")");
        }
        System.arraycopy(dims, 0, shape, 0, dims.length);
    }

    private List<Annotation> decode(OrtSession.Result result, ResizeTransform t) {
        double minScore = options().minScore();
        List<Annotation> out = new ArrayList<>();
        switch (layout) {
            case TF_OD_API -> {
                float[] boxes = floats(result, "detection_boxes");
                float[] scores = floats(result, "detection_scores");
                float[] classes = floats(result, "detection_classes");
                int n = scores.length;
                if (result.get("num_detections").isPresent()) {
                    n = Math.min(n, (int) floats(result, "num_detections")[0]);
                }
                for (int i = 0; i < n; i++) {
                    if (scores[i] < minScore) {
                        continue;
                    }
                    // normalised to the fed image: to fed pixels, then back through the stretch or letterbox
                    BoundingBox box = ordered(boxes[4 * i + 1] * (double) t.targetWidth(),
                            boxes[4 * i] * (double) t.targetHeight(), boxes[4 * i + 3] * (double) t.targetWidth(),
                            boxes[4 * i + 2] * (double) t.targetHeight());
                    out.add(prediction(Math.round(classes[i]), t.toSource(box), scores[i]));
                }
            }
            case YOLOV5, YOLOV8 -> {
                OnnxTensor tensor = tensor(result, primaryOutput);
                long[] shape = tensor.getInfo().getShape();
                float[] v = read(tensor);
                boolean channelFirst = layout == OnnxLayout.YOLOV8;
                int rows = (int) (channelFirst ? shape[2] : shape[1]);
                int cols = (int) (channelFirst ? shape[1] : shape[2]);
                int first = channelFirst ? 4 : 5;
                for (int r = 0; r < rows; r++) {
                    double objectness = channelFirst ? 1 : at(v, r, 4, rows, cols, false);
                    if (objectness < minScore) {
                        continue;
                    }
                    int best = -1;
                    double bestScore = -1;
                    for (int c = first; c < cols; c++) {
                        double s = at(v, r, c, rows, cols, channelFirst);
                        if (s > bestScore) {
                            bestScore = s;
                            best = c - first;
                        }
                    }
                    double score = objectness * bestScore;
                    if (best < 0 || score < minScore) {
                        continue;
                    }
                    double cx = at(v, r, 0, rows, cols, channelFirst);
                    double cy = at(v, r, 1, rows, cols, channelFirst);
                    double hw = at(v, r, 2, rows, cols, channelFirst) / 2;
                    double hh = at(v, r, 3, rows, cols, channelFirst) / 2;
                    out.add(prediction(best, t.toSource(ordered(cx - hw, cy - hh, cx + hw, cy + hh)), score));
                }
            }
            case END_TO_END -> {
                OnnxTensor tensor = tensor(result, primaryOutput);
                long[] shape = tensor.getInfo().getShape();
                float[] v = read(tensor);
                int rows = (int) shape[1];
                for (int r = 0; r < rows; r++) {
                    double score = v[6 * r + 4];
                    if (score < minScore) {
                        continue;
                    }
                    BoundingBox box = ordered(v[6 * r], v[6 * r + 1], v[6 * r + 2], v[6 * r + 3]);
                    out.add(prediction(Math.round(v[6 * r + 5]), t.toSource(box), score));
                }
            }
            case BOXES_LABELS_SCORES, RT_DETR -> {
                float[] boxes = floats(result, "boxes");
                long[] classes = longs(result, "labels");
                float[] scores = floats(result, "scores");
                for (int i = 0; i < scores.length; i++) {
                    if (scores[i] < minScore) {
                        continue;
                    }
                    BoundingBox box = ordered(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]);
                    // in fed pixels: torchvision's always, RT-DETR's because orig_target_sizes is the fed size
                    out.add(prediction(classes[i], t.toSource(box), scores[i]));
                }
            }
            default -> throw new AssertionError(layout);
        }
        return out;
    }

    private static double at(float[] v, int row, int col, int rows, int cols, boolean channelFirst) {
        return channelFirst ? v[col * rows + row] : v[row * cols + col];
    }

    private Annotation prediction(long classValue, BoundingBox box, double score) {
        int id = (int) (zeroBased ? classValue + 1 : classValue);
        return Annotation.predicted(labels.nameOf(id), box, Math.min(1, Math.max(0, score)));
    }

    private static BoundingBox ordered(double x1, double y1, double x2, double y2) {
        return BoundingBox.of(Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2));
    }

    private OnnxTensor tensor(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new DetectorException(model + ": the model has no output '"
                + name + "'; its outputs are " + names(result)));
        if (!(v instanceof OnnxTensor t)) {
            throw new DetectorException(model + ": output '" + name + "' is not a tensor");
        }
        return t;
    }

    private static List<String> names(OrtSession.Result result) {
        List<String> names = new ArrayList<>();
        result.forEach(e -> names.add(e.getKey()));
        return names;
    }

    private float[] floats(OrtSession.Result result, String name) {
        return read(tensor(result, name));
    }

    private float[] read(OnnxTensor t) {
        if (t.getInfo().type == OnnxJavaType.FLOAT) {
            FloatBuffer b = t.getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
        if (t.getInfo().type == OnnxJavaType.INT64) {
            long[] l = readLongs(t);
            float[] out = new float[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = l[i];
            }
            return out;
        }
        throw new DetectorException(model + ": output of type " + t.getInfo().type + ", expected float");
    }

    private long[] longs(OrtSession.Result result, String name) {
        OnnxTensor t = tensor(result, name);
        if (t.getInfo().type == OnnxJavaType.INT64) {
            return readLongs(t);
        }
        float[] f = read(t);
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Math.round(f[i]);
        }
        return out;
    }

    private static long[] readLongs(OnnxTensor t) {
        LongBuffer b = t.getLongBuffer();
        long[] out = new long[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    protected void release() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new DetectorException("closing the ONNX Runtime session of " + model + " failed", e);
        }
    }
}
