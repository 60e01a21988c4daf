package dev.annotate.voc;

import dev.annotate.core.format.ReadResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every LabelImg-format fixture (see resources/labelimg/README.md), read and written back unchanged, byte for byte. */
final class VocLabelImgFilesTest {

    static Stream<Path> files() throws IOException, URISyntaxException {
        Path dir = Path.of(VocLabelImgFilesTest.class.getResource("/labelimg").toURI());
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> xml = s.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
            assertEquals(60, xml.size());
            return xml.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void readThenWrite_isByteIdentical(Path file) throws IOException {
        ReadResult read = Voc.read(file);
        assertEquals(List.of(), read.problems());
        assertArrayEquals(Files.readAllBytes(file), Voc.toBytes(read.image().orElseThrow()));
    }
}
