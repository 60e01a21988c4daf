package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.proto.JournalHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal a dataset-level run resumes from: what it gives back, and that damage is never taken for a result. */
final class JournalTest {

    @TempDir
    Path dir;

    private static final JournalHeader HEADER = JournalHeader.newBuilder().setFormat("coco").setModel("r1/m.onnx")
            .setDatasetFile("/data/annotations.json").build();

    private static AnnotatedImage image(int i) {
        return new AnnotatedImage("a" + i + ".jpg", Optional.of("/data/sub/a" + i + ".jpg"), 640 + i, 480, 3,
                List.of(Annotation.predicted("car", BoundingBox.of(1.25, 2.5, 100.125 + i, 200), 0.875),
                        new Annotation("tree", BoundingBox.of(0, 0, 1, 1), OptionalDouble.empty(), true, true,
                                "Left", Map.of("x:y", "z"))),
                false, Map.of("coco:license", "3"), Optional.of("r1/m.onnx"));
    }

    private Map<String, AnnotatedImage> written(Path file, int n) throws IOException {
        Map<String, AnnotatedImage> expected = new LinkedHashMap<>();
        try (Journal j = Journal.open(file, HEADER)) {
            assertEquals(Map.of(), j.resumed());
            for (int i = 0; i < n; i++) {
                j.append("sub/a" + i + ".jpg", image(i));
                expected.put("sub/a" + i + ".jpg", image(i));
            }
        }
        return expected;
    }

    @Test
    void entries_comeBackEqual_inOrder_andAppendingGoesOn() throws IOException {
        Path file = dir.resolve(".annotations.json.journal");
        Map<String, AnnotatedImage> expected = written(file, 3);
        try (Journal j = Journal.open(file, HEADER)) {
            assertFalse(j.restarted());
            assertEquals(List.copyOf(expected.entrySet()), List.copyOf(j.resumed().entrySet()));
            j.append("b.jpg", image(9));
        }
        try (Journal j = Journal.open(file, HEADER)) {
            assertEquals(4, j.resumed().size());
            assertEquals(image(9), j.resumed().get("b.jpg"));
        }
    }

    @Test
    void aTornLastRecord_isCutOff_andTheRecordsBeforeItKept() throws IOException {
        Path file = dir.resolve("j");
        written(file, 3);
        long full = Files.size(file);
        for (long cut = full - 1; cut > full - 40; cut -= 7) {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(cut);
            }
            try (Journal j = Journal.open(file, HEADER)) {
                assertEquals(List.of("sub/a0.jpg", "sub/a1.jpg"), List.copyOf(j.resumed().keySet()), "cut at " + cut);
                j.append("sub/a2.jpg", image(2));
            }
            assertEquals(full, Files.size(file), "the torn record is replaced, not followed");
        }
    }

    @Test
    void aDamagedByte_endsTheJournalAtItsRecord() throws IOException {
        Path file = dir.resolve("j");
        written(file, 3);
        byte[] bytes = Files.readAllBytes(file);
        int recordLength = (bytes.length - headerLength(bytes)) / 3;
        int inSecond = headerLength(bytes) + recordLength + recordLength / 2;
        for (int bit = 0; bit < 8; bit++) {
            byte[] damaged = bytes.clone();
            damaged[inSecond] ^= (byte) (1 << bit);
            Files.write(file, damaged);
            try (Journal j = Journal.open(file, HEADER)) {
                assertEquals(List.of("sub/a0.jpg"), List.copyOf(j.resumed().keySet()), "bit " + bit);
            }
        }
    }

    @Test
    void anotherRunsJournal_orGarbage_isStartedAfresh() throws IOException {
        Path file = dir.resolve("j");
        written(file, 2);
        JournalHeader other = HEADER.toBuilder().setModel("r2/m.onnx").build();
        try (Journal j = Journal.open(file, other)) {
            assertTrue(j.restarted());
            assertEquals(Map.of(), j.resumed());
        }
        try (Journal j = Journal.open(file, HEADER)) {
            assertTrue(j.restarted(), "the file now holds the other run's header");
        }
        Files.write(file, new byte[] {(byte) 0xff, 1, 2});
        try (Journal j = Journal.open(file, HEADER)) {
            assertTrue(j.restarted());
            j.append("x.jpg", image(1));
        }
        try (Journal j = Journal.open(file, HEADER)) {
            assertFalse(j.restarted());
            assertEquals(List.of("x.jpg"), List.copyOf(j.resumed().keySet()));
            j.delete();
        }
        assertFalse(Files.exists(file));
    }

    /** The header record's length: the first record's 4-byte length, the message, its 4-byte CRC. */
    private static int headerLength(byte[] bytes) {
        return 8 + ((bytes[0] & 0xff) | (bytes[1] & 0xff) << 8 | (bytes[2] & 0xff) << 16 | (bytes[3] & 0xff) << 24);
    }
}
