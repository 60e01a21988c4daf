package dev.annotate.formats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COCO reads and writes in a heap far smaller than the file: a 25 MB file of 60,000 annotations with polygons
 * converts COCO to COCO in a child JVM of 48 MB heap. Regression: a parse tree of the whole file took several
 * times its size, and the out-of-memory error inside Gson came out as "not valid JSON".
 * The full-size figure (500 MB, 1,000,000 annotations, 512 MB heap) is measured with {@link CocoStreaming}'s
 * main and reported in the README.
 */
final class CocoMemoryTest {

    @TempDir
    Path dir;

    @Test
    void convert_aFileSeveralTimesTheHeap_streamsThrough() throws Exception {
        Path big = dir.resolve("big.json");
        CocoStreaming.generate(big, 6_000, 60_000);
        assertTrue(Files.size(big) > 24_000_000, Files.size(big) + " bytes");
        Path copy = dir.resolve("copy.json");
        Path log = dir.resolve("child.txt");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx48m", "-cp", System.getProperty("java.class.path"), CocoStreaming.class.getName(), "convert",
                big.toString(), copy.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(3, TimeUnit.MINUTES), "the conversion did not finish");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), out);
        assertEquals("6000 images, 60000 annotations, 0 problems", out.strip());
        assertTrue(Files.size(copy) > 24_000_000, Files.size(copy) + " bytes");
    }
}
