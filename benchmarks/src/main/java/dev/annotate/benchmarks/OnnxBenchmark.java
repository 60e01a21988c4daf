package dev.annotate.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.onnx.Fixtures;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The YOLOv8-layout fixture (640x640 input) through the whole detector, against {@code session.run} alone on a
 * prepared tensor, so that (1 - run / detect) is the share of time spent outside ONNX Runtime: letterbox render,
 * tensor fill, decoding and post-processing. Run with {@code -t 1} and {@code -t 2} (threads sharing one
 * detector; each inference uses one intra-op thread).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar OnnxBenchmark -t 1
 * java -jar benchmarks/target/benchmarks.jar OnnxBenchmark -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnnxBenchmark {

    private Path model;
    private Detector detector;
    private BufferedImage image;
    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor prepared;

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        model = Files.createTempFile("yolov8-fixture", ".onnx");
        Files.write(model, Fixtures.yolov8(640));
        detector = Detectors.open(model, DetectorOptions.defaults().withThreads(1));
        image = new BufferedImage(1024, 768, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.BLUE, 1024, 768, Color.GREEN));
        g.fillRect(0, 0, 1024, 768);
        g.setColor(Color.RED);
        g.fillRect(200, 150, 300, 200);
        g.dispose();
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(1);
        session = env.createSession(Files.readAllBytes(model), so);
        FloatBuffer input = ByteBuffer.allocateDirect(3 * 640 * 640 * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        prepared = OnnxTensor.createTensor(env, input, new long[] {1, 3, 640, 640});
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, OrtException {
        prepared.close();
        session.close();
        detector.close();
        Files.deleteIfExists(model);
    }

    /** Everything a caller pays: resize, tensor, inference, decoding, NMS. */
    @Benchmark
    public List<Annotation> detect() {
        return detector.detect(image);
    }

    /** ONNX Runtime alone, on an input tensor made once. */
    @Benchmark
    public int sessionRun() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of("images", prepared))) {
            return r.size();
        }
    }
}
