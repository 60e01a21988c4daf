package dev.annotate.examples.embedding;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The smallest program: open a model, detect objects in one image, print them.
 * {@code java DetectExample model.onnx photo.jpg}
 */
public final class DetectExample {

    private DetectExample() {
    }

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args[0]);
        Path image = Path.of(args[1]);
        try (Detector detector = Detectors.open(model, DetectorOptions.defaults().withMinScore(0.4))) {
            AnnotatedImage result = detector.detect(image);
            for (Annotation a : result.annotations()) {
                System.out.printf("%s %.2f %s%n", a.label(), a.confidenceOr(1), a.box());
            }
        }
    }
}
