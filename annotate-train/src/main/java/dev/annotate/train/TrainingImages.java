package dev.annotate.train;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.PerImageFormat;
import dev.annotate.core.image.DecodedImage;
import dev.annotate.core.image.Images;
import org.slf4j.Logger;
import dev.annotate.train.TrainingData.Box;
import dev.annotate.train.TrainingData.Sample;
import org.slf4j.LoggerFactory;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Loads a training set: reads a dataset, checks its labels against the label map, and decodes its images once, in
 * their displayed frame, kept at most {@code 2 x inputSize} on their longer side (the network never sees more).
 */
final class TrainingImages {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingImages.class);

    private TrainingImages() {
    }

    /**
     * Reads a dataset and decodes its images: the checked ones (see {@link AnnotatedImage#checked()}), and the
     * machine's unchecked ones too when {@code includeUnchecked}.
     *
     * @throws FormatException for a dataset with nothing to learn from, a label the label map lacks, an annotation
     *     file that cannot be read, or (unless {@code skipBad}) an image that is missing, of another size or
     *     cannot be decoded; each naming the file
     * @throws IOException if a part of the dataset cannot be listed
     */
    static TrainingData load(Dataset dataset, LabelMap labels, int inputSize, int outputSize, boolean skipBad,
                             boolean includeUnchecked) throws IOException {
        List<Sample> samples = new ArrayList<>();
        int[] files = {0};
        int[] leftOut = {0};
        try {
            dataset.forEach(entry -> {
                files[0]++;
                try {
                    Sample s = sample(entry, labels, inputSize, skipBad, includeUnchecked);
                    if (s != null) {
                        samples.add(s);
                    } else if (entry.annotated().isPresent() && !entry.annotated().get().checked()
                            && !includeUnchecked) {
                        leftOut[0]++;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Path where = dataset.parts().get(0).location();
        if (samples.isEmpty()) {
            throw new FormatException(where, null, files[0] == 0 ? "holds no " + String.join(" or ",
                    dataset.parts().stream().map(p -> p.format() instanceof PerImageFormat f
                            ? f.name() + " annotation files (*" + f.fileExtension() + ")"
                            : p.format().name() + " annotations").distinct().toList())
                    : leftOut[0] == files[0] ? "all " + files[0] + " annotation files are the machine's, unchecked by a"
                    + " person; check some, or learn from them anyway (--include-unchecked,"
                    + " TrainerOptions.withIncludeUnchecked)"
                    : "none of its " + files[0] + " annotation files has a readable image");
        }
        if (samples.stream().allMatch(s -> s.boxes().isEmpty())) {
            throw new FormatException(where, null, "its " + samples.size()
                    + " annotated images hold no objects; a detector cannot learn from them");
        }
        if (leftOut[0] > 0) {
            LOG.info("left out {} unchecked machine-written annotation files", leftOut[0]);
        }
        return new TrainingData(List.copyOf(samples), inputSize, outputSize, labels.size(), leftOut[0]);
    }

    /** One entry's sample, or null when it is left out (unchecked, or a bad image under {@code skipBad}). */
    private static Sample sample(Dataset.Entry entry, LabelMap labels, int inputSize, boolean skipBad,
                                 boolean includeUnchecked) throws IOException {
        Path file = entry.source();
        if (entry.annotated().isEmpty()) {
            throw new FormatException(file, null, entry.problems().isEmpty() ? "not a usable annotation file"
                    : entry.problems().get(0).message());
        }
        AnnotatedImage annotated = entry.annotated().get();
        if (!annotated.checked() && !includeUnchecked) {
            return null;
        }
        List<Integer> channels = new ArrayList<>();
        for (Annotation a : annotated.annotations()) {
            int channel = channel(labels, a.label());
            if (channel < 0) {
                throw new FormatException(file, null, "label '" + a.label() + "' is not in the label map "
                        + labels.names() + "; add it to the label map or fix the annotation");
            }
            channels.add(channel);
        }
        DecodedImage decoded;
        try {
            if (!entry.usable()) {
                throw new FormatException(file, null, entry.problems().get(entry.problems().size() - 1).message());
            }
            Path imageFile = entry.imageFile().get();
            decoded = Images.read(imageFile);
            Optional<String> mismatch = Dataset.sizeMismatch(annotated, decoded.header(), imageFile);
            if (mismatch.isPresent()) {
                throw new FormatException(file, null, mismatch.get());
            }
        } catch (IOException e) {
            if (!skipBad) {
                throw e instanceof FormatException f && f.file().equals(file) ? e
                        : new FormatException(file, null, "its image cannot be read: " + e.getMessage(), e);
            }
            LOG.warn("skipping {}: {}", file, e.getMessage());
            return null;
        }
        return sample(file, decoded.image(), annotated, channels, 2 * inputSize);
    }

    private static int channel(LabelMap labels, String name) {
        OptionalInt id = labels.idOf(name);
        if (id.isEmpty()) {
            return -1;
        }
        List<LabelMap.Entry> entries = labels.entries();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).id() == id.getAsInt()) {
                return i;
            }
        }
        return -1;
    }

    private static Sample sample(Path file, BufferedImage image, AnnotatedImage annotated, List<Integer> channels,
                                 int maxSide) {
        double scale = Math.min(1.0, (double) maxSide / Math.max(image.getWidth(), image.getHeight()));
        BufferedImage kept = image;
        if (scale < 1) {
            int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
            int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
            kept = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = kept.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(image.getScaledInstance(w, h, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
            g.dispose();
        }
        double sx = (double) kept.getWidth() / image.getWidth();
        double sy = (double) kept.getHeight() / image.getHeight();
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < annotated.annotations().size(); i++) {
            BoundingBox b = annotated.annotations().get(i).box();
            boxes.add(new Box(b.xmin() * sx, b.ymin() * sy, b.xmax() * sx, b.ymax() * sy, channels.get(i)));
        }
        return new Sample(file, kept, List.copyOf(boxes));
    }
}
