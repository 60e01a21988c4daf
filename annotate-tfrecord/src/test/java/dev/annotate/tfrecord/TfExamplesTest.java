package dev.annotate.tfrecord;

import com.google.protobuf.ByteString;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.tfrecord.proto.Example;
import dev.annotate.tfrecord.proto.Feature;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class TfExamplesTest {

    private static final LabelMap LABELS = LabelMap.fromNames(List.of("race car", "tree"));

    private static final AnnotatedImage IMAGE = AnnotatedImage.of("0001.jpg", 400, 200, 3, List.of(
            Annotation.of("tree", BoundingBox.of(100, 50, 300, 150)).withFlags(true, false).withPose("Left"),
            Annotation.of("race car", BoundingBox.of(-10, 0, 40, 220))));

    @Test
    void encode_writesEveryKeyOfCreatePascalTfRecord() {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};
        Map<String, Feature> f = TfExamples.encode(IMAGE, jpeg, "jpeg", LABELS).getFeatures().getFeatureMap();

        assertEquals(Set.of("image/height", "image/width", "image/filename", "image/source_id", "image/key/sha256",
                "image/encoded", "image/format", "image/object/bbox/xmin", "image/object/bbox/xmax",
                "image/object/bbox/ymin", "image/object/bbox/ymax", "image/object/class/text",
                "image/object/class/label", "image/object/difficult", "image/object/truncated",
                "image/object/view"), f.keySet());
        assertEquals(List.of(200L), f.get("image/height").getInt64List().getValueList());
        assertEquals(List.of(400L), f.get("image/width").getInt64List().getValueList());
        assertEquals("0001.jpg", f.get("image/source_id").getBytesList().getValue(0).toStringUtf8());
        assertEquals(ByteString.copyFrom(jpeg), f.get("image/encoded").getBytesList().getValue(0));
        assertEquals(64, f.get("image/key/sha256").getBytesList().getValue(0).size()); // hex, not raw digest
        assertEquals(TfExamples.sha256Hex(jpeg), f.get("image/key/sha256").getBytesList().getValue(0).toStringUtf8());
        assertEquals(List.of(0.25f, 0f), f.get("image/object/bbox/xmin").getFloatList().getValueList());
        assertEquals(List.of(0.75f, 0.1f), f.get("image/object/bbox/xmax").getFloatList().getValueList());
        assertEquals(List.of(0.25f, 0f), f.get("image/object/bbox/ymin").getFloatList().getValueList());
        assertEquals(List.of(0.75f, 1f), f.get("image/object/bbox/ymax").getFloatList().getValueList());
        assertEquals(List.of(2L, 1L), f.get("image/object/class/label").getInt64List().getValueList());
        assertEquals(List.of(1L, 0L), f.get("image/object/difficult").getInt64List().getValueList());
        assertEquals(List.of(0L, 1L), f.get("image/object/truncated").getInt64List().getValueList(),
                "the box past the edge is truncated, by the rule every writer follows");
        assertEquals("Left", f.get("image/object/view").getBytesList().getValue(0).toStringUtf8());
    }

    @Test
    void sha256Hex_ofKnownInput() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                TfExamples.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void encode_unknownLabel_listsTheKnownOnes() {
        AnnotatedImage img = IMAGE.withAnnotations(List.of(Annotation.of("bicycle", BoundingBox.of(1, 1, 2, 2))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfExamples.encode(img, new byte[0], "jpeg", LABELS));
        assertEquals("label 'bicycle' of 0001.jpg is not in the label map; known labels: [race car, tree]",
                e.getMessage());
    }

    @Test
    void decode_withoutClassText_namesThroughTheLabelMap() {
        Example e = TfExamples.encode(IMAGE, new byte[] {1}, "png", LABELS);
        Example noText = e.toBuilder().setFeatures(e.getFeatures().toBuilder()
                .removeFeature(TfExamples.CLASS_TEXT)).build();
        assertEquals(List.of("tree", "race car"), TfExamples.decode(noText, LABELS).image().annotations().stream()
                .map(Annotation::label).toList());
    }

    @Test
    void decode_mismatchedLists_nameTheKey() {
        Example e = TfExamples.encode(IMAGE, new byte[] {1}, "png", LABELS);
        Example broken = e.toBuilder().setFeatures(e.getFeatures().toBuilder().putFeature(TfExamples.YMAX,
                Feature.newBuilder().setFloatList(dev.annotate.tfrecord.proto.FloatList.newBuilder().addValue(1f))
                        .build())).build();
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> TfExamples.decode(broken, LABELS));
        assertEquals("image/object/bbox/ymax has 1 values but image/object/bbox/xmin has 2", x.getMessage());
    }
}
