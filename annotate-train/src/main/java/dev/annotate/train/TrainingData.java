package dev.annotate.train;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The training set in memory ({@link TrainingImages#load}) and the batches drawn from it: a batch is a pure
 * function of the seed, the step and the augmentation; its samples are drawn by the {@link Augmenter} and its
 * targets made by {@link CenterNetTargets} (the level heads make theirs from the boxes, {@link LevelTargets}).
 */
final class TrainingData {

    /** How much a batch changes the training images: it follows where the network's features come from. */
    enum Augmentation {
        /**
         * For features learnt from nothing (the primitive network): every change {@link Augmenter} knows, each
         * measured on the generated domains (see its constants).
         */
        FROM_SCRATCH,
        /**
         * For pretrained features being fine-tuned (NanoDet-g): windows, flips and colour only, the changes NanoDet
         * itself trains with. Measured on the raccoon photographs (5 folds, 3 minutes, FoldBenchmark): pooled
         * precision / recall / AP@0.5 0.854 / 0.889 / 0.925 with every change, 0.900 / 0.917 / 0.947 with these
         * alone, 0.867 / 0.903 / 0.928 with mosaics put back; mosaics, covering, lettering and drawn shadows teach
         * pretrained features scenes no photograph shows. On drawn scenes (TrainerBenchmark) mAP 0.945 with every
         * change, 0.946 with these (precision at the default score 0.855 to 0.937, recall 0.911 to 0.885).
         */
        FINE_TUNING
    }

    /** One image, its pixels scaled by {@code scale} from the displayed frame, and its boxes in those pixels. */
    record Sample(Path file, BufferedImage image, List<Box> boxes) {
    }

    /** A box in sample pixels with its heatmap channel. */
    record Box(double x1, double y1, double x2, double y2, int channel) {
    }

    /**
     * One step's inputs, flat NHWC arrays; {@code heat} holds the Gaussian targets behind {@code negativeWeight};
     * {@code boxes} are each image's boxes in input pixels as augmentation left them (the targets of level heads
     * are made from them, see {@link LevelTargets}).
     */
    record Batch(int size, float[] images, float[] heat, float[] positive, float[] negativeWeight, float[] sizes,
                 float[] offsets, float[] mask, List<List<Box>> boxes) {
    }

    private final List<Sample> samples;
    private final int leftOut;
    private final Augmenter augmenter;
    private final CenterNetTargets targets;
    private final int inputSize;

    TrainingData(List<Sample> samples, int inputSize, int outputSize, int classes, int leftOut) {
        this.samples = samples;
        this.leftOut = leftOut;
        this.augmenter = new Augmenter(samples, inputSize);
        this.targets = new CenterNetTargets(inputSize, outputSize, classes);
        this.inputSize = inputSize;
    }

    int size() {
        return samples.size();
    }

    /** Unchecked machine-written files left out. */
    int leftOut() {
        return leftOut;
    }

    List<Sample> samples() {
        return samples;
    }

    /** The batch for a step: the same for the same seed, step and augmentation. */
    Batch batch(long seed, int step, int size, Augmentation augmentation) {
        Random rng = new Random(seed * 0x9E3779B97F4A7C15L + step);
        Batch b = targets.empty(size);
        for (int i = 0; i < size; i++) {
            Augmenter.Drawn drawn = augmenter.draw(rng, augmentation == Augmentation.FROM_SCRATCH, b.images(),
                    i * inputSize * inputSize * 3);
            for (Box box : drawn.boxes()) {
                targets.add(b, i, box.x1(), box.y1(), box.x2(), box.y2(), box.channel());
            }
            b.boxes().add(drawn.boxes());
            for (Box box : drawn.ignored()) {
                targets.ignore(b, i, box);
            }
        }
        targets.weighNegatives(b);
        return b;
    }
}
