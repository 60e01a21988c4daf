package dev.annotate.core.format;

import dev.annotate.core.AnnotatedImage;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What reading one image's annotations gave: the image, if anything usable was found, and every problem met.
 * A lenient reader returns an image together with problems when it could recover (an object with a broken box
 * is reported, the others kept); an empty image means the source was unusable and the problems say why.
 *
 * @param source the annotation file read
 * @param image the annotations found
 * @param problems everything that was wrong, in file order
 */
public record ReadResult(Path source, Optional<AnnotatedImage> image, List<Problem> problems) {

    /** Validates and copies. */
    public ReadResult {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(image, "image");
        problems = List.copyOf(problems);
        if (image.isEmpty() && problems.isEmpty()) {
            throw new IllegalArgumentException(source + ": a result without an image must say why");
        }
    }

    /** A clean read. */
    public static ReadResult of(Path source, AnnotatedImage image) {
        return new ReadResult(source, Optional.of(image), List.of());
    }

    /** An unusable source. */
    public static ReadResult failed(Problem problem) {
        return new ReadResult(problem.file(), Optional.empty(), List.of(problem));
    }

    /** Whether the image was read with no problem at all. */
    public boolean isClean() {
        return image.isPresent() && problems.isEmpty();
    }
}
