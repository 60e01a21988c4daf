package dev.annotate.train;

import dev.annotate.core.model.PrimitiveModel;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link PrimitiveTrainer} trains. Training stops at {@code steps} or when {@code timeBudget} is spent,
 * whichever comes first; the learning rate follows a cosine from {@code learningRate} to zero over whichever of
 * the two runs out first, so a time-limited run still ends with small steps.
 *
 * <pre>{@code
 * TrainerOptions options = TrainerOptions.defaults().withSteps(500).withTimeBudget(Duration.ofSeconds(30));
 * }</pre>
 *
 * @param steps optimisation steps at most
 * @param timeBudget training time at most (loading and export not included)
 * @param batchSize images per step
 * @param inputSize side of the square network input, a multiple of 32
 * @param learningRate Adam's peak learning rate
 * @param seed seeds the initial weights, the sample order and the augmentation
 * @param skipBadImages skip (with a warning) an annotation whose image is missing or cannot be decoded, instead
 *     of failing
 * @param includeUnchecked learn from machine-written files no person has checked too (see
 *     {@link dev.annotate.core.AnnotatedImage#checked()}); by default they are left out and counted
 * @param init a model to start from (a warm start, see {@link #withInit}); empty to start from {@code backbone}
 * @param backbone what the network starts from without {@code init}
 */
public record TrainerOptions(int steps, Duration timeBudget, int batchSize, int inputSize, float learningRate,
                             long seed, boolean skipBadImages, boolean includeUnchecked,
                             Optional<PrimitiveModel> init, Backbone backbone) {

    /** Validates the values. */
    public TrainerOptions {
        Objects.requireNonNull(timeBudget, "timeBudget");
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(backbone, "backbone");
        if (steps < 1) {
            throw new IllegalArgumentException("steps (" + steps + ") must be >= 1");
        }
        if (timeBudget.isNegative() || timeBudget.isZero()) {
            throw new IllegalArgumentException("timeBudget (" + timeBudget + ") must be positive");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= 1");
        }
        if (inputSize < 64 || inputSize % 32 != 0) {
            throw new IllegalArgumentException("inputSize (" + inputSize + ") must be a multiple of 32, >= 64");
        }
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new IllegalArgumentException("learningRate (" + learningRate + ") must be in (0, 1)");
        }
    }

    /** The defaults the {@code train} command uses: {@link #defaults(Backbone)} of {@link #DEFAULT_BACKBONE}. */
    public static TrainerOptions defaults() {
        return defaults(DEFAULT_BACKBONE);
    }

    /**
     * What {@link #defaults()} starts from: {@link Backbone#NANODET}. Measured in 3 minutes on 2 cores against the
     * primitive network (README, Pretrained backbone): on photographs far better (raccoon photographs, 5 folds,
     * AP@0.5 0.947 against 0.831, precision / recall at the default score 0.90 / 0.92 against 0.83 / 0.77;
     * photographic-style scenes trained on themselves mAP 0.85 against 0.64), on drawn scenes as good (mAP 0.946
     * against 0.928, precision 0.94, with lower recall at the default score, 0.89), at 40 % to 50 % of the primitive
     * model's pre-annotation throughput on photographs.
     */
    public static final Backbone DEFAULT_BACKBONE = Backbone.NANODET;

    /**
     * The defaults for a backbone: at most 3 minutes, batches of 8, seed 1, and
     * <ul>
     * <li>{@link Backbone#PRIMITIVE}: input 256, peak learning rate 0.008 (chosen by TrainerBenchmark: batch 16 and
     * rates 0.002 to 0.016 did no better in 3 minutes on 2 cores; inputs 320 and 384 did worse on both generated
     * domains, with a third and a half fewer steps, and detect 1.5 to 2.5 times slower: see the README's
     * Photographs);</li>
     * <li>{@link Backbone#NANODET}: input 320, peak learning rate 0.001 (raccoon photographs, 5 folds: 0.008
     * unlearns the pretrained heads, pooled AP@0.5 0.85 against 0.92; on one fold 0.003 0.97 against 0.98; inputs
     * 256 and 416 no better, 416 with half the steps worse; see the README's Pretrained backbone).</li>
     * </ul>
     */
    public static TrainerOptions defaults(Backbone backbone) {
        Objects.requireNonNull(backbone, "backbone");
        int inputSize = backbone == Backbone.NANODET ? 320 : 256;
        float learningRate = backbone == Backbone.NANODET ? 1e-3f : 8e-3f;
        return new TrainerOptions(100_000, Duration.ofMinutes(3), 8, inputSize, learningRate, 1, false, false,
                Optional.empty(), backbone);
    }

    /** These options with another step limit. */
    public TrainerOptions withSteps(int n) {
        return new TrainerOptions(n, timeBudget, batchSize, inputSize, learningRate, seed,
                skipBadImages, includeUnchecked, init, backbone);
    }

    /** These options with another time limit. */
    public TrainerOptions withTimeBudget(Duration d) {
        return new TrainerOptions(steps, d, batchSize, inputSize, learningRate, seed,
                skipBadImages, includeUnchecked, init, backbone);
    }

    /** These options with another batch size. */
    public TrainerOptions withBatchSize(int n) {
        return new TrainerOptions(steps, timeBudget, n, inputSize, learningRate, seed,
                skipBadImages, includeUnchecked, init, backbone);
    }

    /** These options with another network input size. */
    public TrainerOptions withInputSize(int side) {
        return new TrainerOptions(steps, timeBudget, batchSize, side, learningRate, seed,
                skipBadImages, includeUnchecked, init, backbone);
    }

    /** These options with another peak learning rate. */
    public TrainerOptions withLearningRate(float rate) {
        return new TrainerOptions(steps, timeBudget, batchSize, inputSize, rate, seed,
                skipBadImages, includeUnchecked, init, backbone);
    }

    /** These options with another seed. */
    public TrainerOptions withSeed(long s) {
        return new TrainerOptions(steps, timeBudget, batchSize, inputSize, learningRate, s,
                skipBadImages, includeUnchecked, init, backbone);
    }

    /** These options skipping (or not) images that cannot be read. */
    public TrainerOptions withSkipBadImages(boolean skip) {
        return new TrainerOptions(steps, timeBudget, batchSize, inputSize, learningRate, seed,
                skip, includeUnchecked, init, backbone);
    }

    /** These options learning from unchecked machine-written files too (or not). */
    public TrainerOptions withIncludeUnchecked(boolean include) {
        return new TrainerOptions(steps, timeBudget, batchSize, inputSize, learningRate, seed,
                skipBadImages, include, init, backbone);
    }

    /**
     * The defaults for a warm start from {@code earlier}: those of the backbone its network came from (its
     * {@linkplain PrimitiveModel#heads() heads} say which: a network with level heads is NanoDet-g's, trained at
     * NanoDet's rate), {@linkplain #withInit starting from it}.
     */
    public static TrainerOptions warmStart(PrimitiveModel earlier) {
        return defaults(earlier.heads() == PrimitiveModel.Heads.LEVELS ? Backbone.NANODET : Backbone.PRIMITIVE)
                .withInit(earlier);
    }

    /**
     * These options starting from {@code previous} (for example {@code OnnxExport.read(Path.of("round-1/model.onnx"))})
     * instead of random weights, at its input size: a retrain after a round of corrections needs a fraction of the
     * steps. Its label map may differ from the one trained: a class it knows keeps its weights, an added class
     * starts fresh. Its network is trained further whatever {@link #backbone()} says.
     */
    public TrainerOptions withInit(PrimitiveModel previous) {
        return new TrainerOptions(steps, timeBudget, batchSize, previous.inputSize(), learningRate, seed,
                skipBadImages, includeUnchecked, Optional.of(previous), backbone);
    }
}
