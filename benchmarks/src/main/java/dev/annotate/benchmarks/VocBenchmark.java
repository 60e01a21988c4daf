package dev.annotate.benchmarks;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.format.ReadResult;
import dev.annotate.voc.Voc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * VOC parse and write throughput on one thread, for typical LabelImg files of 1 to 10 objects (issue goal:
 * at least 20,000 documents/s each way). Each invocation handles one document, cycling through ten of them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class VocBenchmark {

    private static final Path SOURCE = Path.of("bench", "a.xml");

    private final List<AnnotatedImage> images = new ArrayList<>();
    private final List<byte[]> documents = new ArrayList<>();
    private int next;

    @Setup
    public void setUp() {
        Random random = new Random(1);
        String[] labels = {"race car", "tree", "house", "person"};
        for (int n = 1; n <= 10; n++) {
            List<Annotation> annotations = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                double x = random.nextInt(900);
                double y = random.nextInt(600);
                annotations.add(Annotation.predicted(labels[k % labels.length],
                        BoundingBox.of(x, y, x + 20 + random.nextInt(100), y + 20 + random.nextInt(100)), 0.8));
            }
            AnnotatedImage image = AnnotatedImage.of(String.format("%04d.jpg", n), 1024, 768, 3, annotations)
                    .withPath(String.format("/data/images/%04d.jpg", n));
            images.add(image);
            documents.add(Voc.toBytes(image));
        }
    }

    @Benchmark
    public ReadResult parse() throws FormatException {
        next = next == 9 ? 0 : next + 1;
        return Voc.parse(documents.get(next), SOURCE);
    }

    @Benchmark
    public byte[] write() {
        next = next == 9 ? 0 : next + 1;
        return Voc.toBytes(images.get(next));
    }
}
