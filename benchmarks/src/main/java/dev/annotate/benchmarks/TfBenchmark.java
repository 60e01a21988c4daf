package dev.annotate.benchmarks;

import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.tf.OdModels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The TensorFlow backend on the test models (OD API signature, uint8/float/string input) with 640x480 images,
 * one intra-op thread per call; run with {@code -t 1} and {@code -t 2} for the thread scaling.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar TfBenchmark -t 1
 * java -jar benchmarks/target/benchmarks.jar TfBenchmark -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TfBenchmark {

    @Param({"UINT8", "FLOAT", "STRING"})
    public String input;

    private Path dir;
    private Detector detector;
    private BufferedImage image;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tf-bench");
        Path model = OdModels.savedModel(dir.resolve("saved_model"), OdModels.Input.valueOf(input), "input_tensor");
        detector = Detectors.open(model, DetectorOptions.defaults().withThreads(1));
        image = new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.BLUE, 640, 480, Color.GREEN));
        g.fillRect(0, 0, 640, 480);
        g.setColor(Color.RED);
        g.fillRect(100, 100, 200, 150);
        g.dispose();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        detector.close();
        BenchFiles.deleteTree(dir);
    }

    @Benchmark
    public List<Annotation> detect() {
        return detector.detect(image);
    }
}
