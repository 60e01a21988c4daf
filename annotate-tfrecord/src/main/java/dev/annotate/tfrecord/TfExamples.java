package dev.annotate.tfrecord;

import com.google.protobuf.ByteString;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.NormalizedBox;
import dev.annotate.tfrecord.proto.BytesList;
import dev.annotate.tfrecord.proto.Example;
import dev.annotate.tfrecord.proto.Feature;
import dev.annotate.tfrecord.proto.Features;
import dev.annotate.tfrecord.proto.FloatList;
import dev.annotate.tfrecord.proto.Int64List;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * tf.Example for object detection, with exactly the keys the TF Object Detection API's
 * {@code create_pascal_tf_record.py} writes, so that its training input pipeline reads our records as its own.
 *
 * <p>Boxes are stored normalised as {@code pixel / width} (or height) with no offset, fitted to the image first
 * ({@link Annotation#fittedTo(int, int)}: clamped, and truncated at the border, the rule every writer follows);
 * labels as both {@code class/text} and the label map's {@code class/label} id.
 *
 * <pre>{@code
 * Example example = TfExamples.encode(image, Files.readAllBytes(jpeg), "jpeg", labels);
 * TfExamples.Decoded back = TfExamples.decode(example, labels);
 * }</pre>
 */
public final class TfExamples {

    /** int64: image height in pixels. */
    public static final String HEIGHT = "image/height";
    /** int64: image width in pixels. */
    public static final String WIDTH = "image/width";
    /** bytes: the image file name. */
    public static final String FILENAME = "image/filename";
    /** bytes: the image file name again, as the OD API writes it. */
    public static final String SOURCE_ID = "image/source_id";
    /** bytes: lower-case hex SHA-256 of {@link #ENCODED}. */
    public static final String SHA256 = "image/key/sha256";
    /** bytes: the encoded image file. */
    public static final String ENCODED = "image/encoded";
    /** bytes: {@code jpeg} or {@code png}. */
    public static final String FORMAT = "image/format";
    /** float per object: normalised left edge. */
    public static final String XMIN = "image/object/bbox/xmin";
    /** float per object: normalised right edge. */
    public static final String XMAX = "image/object/bbox/xmax";
    /** float per object: normalised top edge. */
    public static final String YMIN = "image/object/bbox/ymin";
    /** float per object: normalised bottom edge. */
    public static final String YMAX = "image/object/bbox/ymax";
    /** bytes per object: class name. */
    public static final String CLASS_TEXT = "image/object/class/text";
    /** int64 per object: label-map id. */
    public static final String CLASS_LABEL = "image/object/class/label";
    /** int64 per object: VOC difficult. */
    public static final String DIFFICULT = "image/object/difficult";
    /** int64 per object: VOC truncated. */
    public static final String TRUNCATED = "image/object/truncated";
    /** bytes per object: VOC pose. */
    public static final String VIEW = "image/object/view";

    /**
     * A decoded example.
     *
     * @param image file name, size (depth 3: tf.Example does not record it) and annotations
     * @param encodedImage the image file's bytes
     * @param format {@code jpeg} or {@code png}
     */
    public record Decoded(AnnotatedImage image, byte[] encodedImage, String format) {
    }

    private TfExamples() {
    }

    /**
     * Encodes an image and its annotations.
     *
     * @param image the annotations, in the frame of {@code encodedImage}'s pixels as TensorFlow decodes them
     * @param encodedImage the JPEG or PNG file bytes, stored unchanged
     * @param format {@code jpeg} or {@code png}
     * @param labels names to ids
     * @throws IllegalArgumentException if a label is not in the map (the message lists the known labels) or the
     *     format is neither jpeg nor png
     */
    public static Example encode(AnnotatedImage image, byte[] encodedImage, String format, LabelMap labels) {
        Objects.requireNonNull(encodedImage, "encodedImage");
        return encode(image, ByteString.copyFrom(encodedImage), sha256Hex(encodedImage), format, labels);
    }

    /**
     * As {@link #encode(AnnotatedImage, byte[], String, LabelMap)} with the image bytes already wrapped and hashed,
     * so a converter can hash on worker threads and avoid copying large images.
     */
    static Example encode(AnnotatedImage image, ByteString encodedImage, String sha256Hex, String format,
                          LabelMap labels) {
        if (!format.equals("jpeg") && !format.equals("png")) {
            throw new IllegalArgumentException("image format '" + format + "' of " + image.fileName()
                    + " must be jpeg or png, the formats the TF Object Detection API decodes");
        }
        FloatList.Builder xmin = FloatList.newBuilder();
        FloatList.Builder xmax = FloatList.newBuilder();
        FloatList.Builder ymin = FloatList.newBuilder();
        FloatList.Builder ymax = FloatList.newBuilder();
        BytesList.Builder text = BytesList.newBuilder();
        Int64List.Builder label = Int64List.newBuilder();
        Int64List.Builder difficult = Int64List.newBuilder();
        Int64List.Builder truncated = Int64List.newBuilder();
        BytesList.Builder view = BytesList.newBuilder();
        for (Annotation a : image.fitted().annotations()) {
            OptionalInt id = labels.idOf(a.label());
            if (id.isEmpty()) {
                throw new IllegalArgumentException("label '" + a.label() + "' of " + image.fileName()
                        + " is not in the label map; known labels: " + labels.names());
            }
            NormalizedBox n = a.box().toNormalized(image.width(), image.height());
            xmin.addValue((float) n.xmin());
            xmax.addValue((float) n.xmax());
            ymin.addValue((float) n.ymin());
            ymax.addValue((float) n.ymax());
            text.addValue(utf8(a.label()));
            label.addValue(id.getAsInt());
            difficult.addValue(a.difficult() ? 1 : 0);
            truncated.addValue(a.truncated() ? 1 : 0);
            view.addValue(utf8(a.pose()));
        }
        ByteString name = utf8(image.fileName());
        Features.Builder f = Features.newBuilder()
                .putFeature(HEIGHT, int64(image.height()))
                .putFeature(WIDTH, int64(image.width()))
                .putFeature(FILENAME, bytes(name))
                .putFeature(SOURCE_ID, bytes(name))
                .putFeature(SHA256, bytes(utf8(sha256Hex)))
                .putFeature(ENCODED, bytes(encodedImage))
                .putFeature(FORMAT, bytes(utf8(format)))
                .putFeature(XMIN, Feature.newBuilder().setFloatList(xmin).build())
                .putFeature(XMAX, Feature.newBuilder().setFloatList(xmax).build())
                .putFeature(YMIN, Feature.newBuilder().setFloatList(ymin).build())
                .putFeature(YMAX, Feature.newBuilder().setFloatList(ymax).build())
                .putFeature(CLASS_TEXT, Feature.newBuilder().setBytesList(text).build())
                .putFeature(CLASS_LABEL, Feature.newBuilder().setInt64List(label).build())
                .putFeature(DIFFICULT, Feature.newBuilder().setInt64List(difficult).build())
                .putFeature(TRUNCATED, Feature.newBuilder().setInt64List(truncated).build())
                .putFeature(VIEW, Feature.newBuilder().setBytesList(view).build());
        return Example.newBuilder().setFeatures(f).build();
    }

    /**
     * Decodes an object-detection example. Labels come from {@code class/text}; where it is absent, from
     * {@code class/label} through {@code labels} (as the OD API decoder does).
     *
     * @throws IllegalArgumentException naming the key when a required feature is missing, of the wrong kind, or
     *     the per-object lists disagree in length
     */
    public static Decoded decode(Example example, LabelMap labels) {
        Map<String, Feature> f = example.getFeatures().getFeatureMap();
        int height = (int) single(f, HEIGHT);
        int width = (int) single(f, WIDTH);
        String fileName = firstText(f, FILENAME).or(() -> firstText(f, SOURCE_ID)).orElse("image");
        byte[] encoded = bytesList(f, ENCODED).isEmpty() ? new byte[0] : bytesList(f, ENCODED).get(0).toByteArray();
        String format = firstText(f, FORMAT).orElse("jpeg");
        List<Float> x1 = floats(f, XMIN);
        List<Float> x2 = floats(f, XMAX);
        List<Float> y1 = floats(f, YMIN);
        List<Float> y2 = floats(f, YMAX);
        int n = x1.size();
        List<ByteString> text = bytesList(f, CLASS_TEXT);
        List<Long> ids = int64s(f, CLASS_LABEL);
        List<Long> difficult = int64s(f, DIFFICULT);
        List<Long> truncated = int64s(f, TRUNCATED);
        List<ByteString> view = bytesList(f, VIEW);
        requireLength(XMAX, x2.size(), n);
        requireLength(YMIN, y1.size(), n);
        requireLength(YMAX, y2.size(), n);
        optionalLength(CLASS_TEXT, text.size(), n);
        optionalLength(CLASS_LABEL, ids.size(), n);
        optionalLength(DIFFICULT, difficult.size(), n);
        optionalLength(TRUNCATED, truncated.size(), n);
        optionalLength(VIEW, view.size(), n);
        if (text.isEmpty() && ids.isEmpty() && n > 0) {
            throw new IllegalArgumentException("example has " + n + " boxes but neither " + CLASS_TEXT + " nor "
                    + CLASS_LABEL);
        }
        List<Annotation> annotations = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = !text.isEmpty() ? text.get(i).toStringUtf8() : labels.nameOf(ids.get(i).intValue());
            BoundingBox box = BoundingBox.fromNormalized(new NormalizedBox(y1.get(i), x1.get(i), y2.get(i), x2.get(i)),
                    width, height);
            String pose = view.isEmpty() ? Annotation.UNSPECIFIED_POSE : view.get(i).toStringUtf8();
            annotations.add(new Annotation(name, box, OptionalDouble.empty(),
                    !difficult.isEmpty() && difficult.get(i) != 0, !truncated.isEmpty() && truncated.get(i) != 0,
                    pose.isEmpty() ? Annotation.UNSPECIFIED_POSE : pose, Map.of()));
        }
        AnnotatedImage image = new AnnotatedImage(fileName, Optional.empty(), width, height, 3, annotations, false,
                Map.of());
        return new Decoded(image, encoded, format);
    }

    /** Lower-case hex SHA-256, as {@code image/key/sha256} holds it. */
    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static void requireLength(String key, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(key + " has " + actual + " values but " + XMIN + " has " + expected);
        }
    }

    private static void optionalLength(String key, int actual, int expected) {
        if (actual != 0) {
            requireLength(key, actual, expected);
        }
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private static Feature int64(long v) {
        return Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(v)).build();
    }

    private static Feature bytes(ByteString b) {
        return Feature.newBuilder().setBytesList(BytesList.newBuilder().addValue(b)).build();
    }

    private static Feature feature(Map<String, Feature> f, String key, Feature.KindCase kind, boolean required) {
        Feature feature = f.get(key);
        if (feature == null || feature.getKindCase() == Feature.KindCase.KIND_NOT_SET) {
            if (required) {
                throw new IllegalArgumentException("example has no " + key);
            }
            return null;
        }
        if (feature.getKindCase() != kind) {
            throw new IllegalArgumentException(key + " is a " + feature.getKindCase() + ", expected " + kind);
        }
        return feature;
    }

    private static long single(Map<String, Feature> f, String key) {
        List<Long> v = feature(f, key, Feature.KindCase.INT64_LIST, true).getInt64List().getValueList();
        if (v.size() != 1 || v.get(0) < 1 || v.get(0) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must hold one positive value, holds " + v);
        }
        return v.get(0);
    }

    private static List<Float> floats(Map<String, Feature> f, String key) {
        Feature x = feature(f, key, Feature.KindCase.FLOAT_LIST, false);
        return x == null ? List.of() : x.getFloatList().getValueList();
    }

    private static List<Long> int64s(Map<String, Feature> f, String key) {
        Feature x = feature(f, key, Feature.KindCase.INT64_LIST, false);
        return x == null ? List.of() : x.getInt64List().getValueList();
    }

    private static List<ByteString> bytesList(Map<String, Feature> f, String key) {
        Feature x = feature(f, key, Feature.KindCase.BYTES_LIST, false);
        return x == null ? List.of() : x.getBytesList().getValueList();
    }

    private static Optional<String> firstText(Map<String, Feature> f, String key) {
        List<ByteString> v = bytesList(f, key);
        return v.isEmpty() || v.get(0).isEmpty() ? Optional.empty() : Optional.of(v.get(0).toStringUtf8());
    }
}
