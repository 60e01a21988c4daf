package dev.annotate.benchmarks;

import dev.annotate.core.image.DecodedImage;
import dev.annotate.core.image.Images;
import dev.annotate.tf.JpegTensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Decoding a photo-like JPEG for a 640-pixel model input: plain {@code ImageIO.read} against our full read
 * ({@code Images.read}: EXIF, BGR) and our subsampled read ({@code Images.read} with a 640x640 minimum), and
 * the TensorFlow backend's decoding of a JPEG file straight into a uint8 input tensor ({@code JpegTensors}, full
 * size: OD API models resize inside the graph), at 1024x768 and 4000x3000 (issue goal: at most 0.5x of
 * ImageIO.read for the large image).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar DecodeBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DecodeBenchmark {

    @Param({"1024x768", "4000x3000"})
    public String size;

    private Path file;
    private JpegTensors jpeg;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String[] wh = size.split("x");
        int w = Integer.parseInt(wh[0]);
        int h = Integer.parseInt(wh[1]);
        file = Files.createTempFile("decode", ".jpg");
        BenchFiles.photo(file, w, h);
        jpeg = new JpegTensors();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
        jpeg.close();
    }

    @Benchmark
    public BufferedImage imageIoRead() throws IOException {
        return ImageIO.read(file.toFile());
    }

    @Benchmark
    public DecodedImage imagesRead() throws IOException {
        return Images.read(file);
    }

    @Benchmark
    public DecodedImage imagesReadFor640() throws IOException {
        return Images.read(file, Images.DEFAULT_MAX_PIXELS, 640, 640);
    }

    @Benchmark
    public Object tensorFlowIntoTensor() throws IOException {
        return BenchFiles.decodeIntoTensor(jpeg, file, Integer.MAX_VALUE); // every pixel
    }

    @Benchmark
    public Object tensorFlowIntoTensorFor640() throws IOException {
        return BenchFiles.decodeIntoTensor(jpeg, file, 640);
    }
}
