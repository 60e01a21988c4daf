package dev.annotate.spark;

import dev.annotate.core.ReadmeExamples;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Keeps the README's Spark example compiling and running: the block between the markers is in the README. */
final class ReadmeSparkExampleTest {

    static void readmeExample(SparkSession spark, String model, String images, String out) throws IOException {
        // README-BEGIN
        try (SparkPreAnnotator.Result r = SparkPreAnnotator.run(spark, model, images, Optional.of(out),
                SparkPreAnnotator.Options.defaults())) {
            r.images().createOrReplaceTempView("predictions");
            spark.sql("SELECT path, size(detections) FROM predictions WHERE status = 'written' ORDER BY 2").show();
            System.out.println(r.summary().written() + " written, " + r.summary().failed() + " failed");
        }
        // README-END
    }

    @Test
    void readmeExample_preAnnotatesAndQueriesTheRows(@TempDir Path dir) throws IOException {
        Path images = SparkFixture.images(dir, 3, 61);
        Path out = dir.resolve("out");
        readmeExample(SparkFixture.spark(), SparkFixture.onnxModel().toString(), images.toString(), out.toString());
        try (var s = Files.walk(out)) {
            assertEquals(3, s.filter(p -> p.toString().endsWith(".xml")).count());
        }
    }

    @Test
    void readme_containsTheExampleVerbatim() throws IOException {
        ReadmeExamples.assertReadmeContains(Path.of("..", "README.md"),
                Path.of("src/test/java/dev/annotate/spark/ReadmeSparkExampleTest.java"));
    }
}
