package dev.annotate.train;

import dev.annotate.core.LabelMap;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.voc.VocFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Trains a detector from a dataset and a label map, in TensorFlow Java graph mode, with no Python: by default
 * NanoDet-g fine-tuned from its COCO weights ({@link Backbone#NANODET}), or the primitive network from random
 * weights ({@link Backbone#PRIMITIVE}).
 *
 * <p>The primitive network ({@link PrimitiveModel}) is a small CenterNet-style detector: class heatmaps, box
 * log-size and centre offset at stride 8. The loss is CenterNet's penalty-reduced focal loss on the heatmap
 * (normalised by the number of objects) plus L1 on log-size and offset over the cells near each centre, weighted by
 * the target Gaussian as in TTFNet (normalised by the weights' sum): a peak found a cell off still decodes the box.
 * (A GIoU term was measured and left out: no gain within the 3-minute budget.) Adam with a short warm-up
 * and a cosine decay over the step or time budget; batches are augmented (zoom and crop, aspect, flip, mosaic,
 * patches and pasted objects over objects, lettering, blur, contrast, brightness, colour, light gradients, shadows,
 * noise) on a background thread while TensorFlow runs the step.
 *
 * <p>From the pretrained backbone ({@link Backbone#NANODET}) the network is NanoDet-g with its own level heads
 * ({@link PrimitiveModel.Heads#LEVELS}) and NanoDet's loss: Quality Focal Loss on the class scores (the target is
 * the IoU of the cell's decoded box with its truth), GIoU and Distribution Focal Loss on the boxes, over the cells
 * {@code LevelTargets} assigns (ATSS); the same optimiser and schedule. The backbone stays as COCO trained it
 * ({@code Architecture.frozen}), and batches are changed only as NanoDet changes them (windows, flips, colour:
 * {@code TrainingData.Augmentation.FINE_TUNING}).
 *
 * <p>After training, scores are calibrated on the training images so that 0.5 is the best-F2 threshold (see
 * {@link PrimitiveModel#scoreExponent()}). Everything is seeded: the same data, options and seed give the same
 * model on the same machine (TensorFlow's multi-threaded kernels may differ in the last bits between machines).
 *
 * <p>Speed: on x86-64 CPUs without AVX-512's deep-learning instructions TensorFlow leaves its oneDNN kernels off,
 * and training runs about a third slower (fewer steps in a time budget). It reads {@code TF_ENABLE_ONEDNN_OPTS=1}
 * from the process environment when it loads; the CLI sets it for itself, a program calling this class sets it
 * in its environment (see the README's Performance).
 *
 * <p>Images of any size and aspect are stretched to the square input, in training and inside the exported
 * graphs.
 *
 * <p>A warm start ({@link TrainerOptions#withInit}) begins from an earlier model's weights (see
 * {@code WarmStart}): at step 0 the network computes what that model computed, classes it knew keep their heatmap
 * weights and added ones start fresh, so a retrain after a round of corrections needs a fraction of the steps.
 * Training learns from the images a person checked ({@link dev.annotate.core.AnnotatedImage#checked()}) unless
 * {@link TrainerOptions#includeUnchecked()}; how many it left out is in every {@link TrainingProgress}.
 *
 * <pre>{@code
 * LabelMap labels = LabelMaps.read(Path.of("label_map.pbtxt"));
 * PrimitiveModel model = PrimitiveTrainer.train(Path.of("seed-set"), labels, TrainerOptions.defaults(),
 *         p -> System.out.printf("step %d loss %.3f%n", p.step(), p.loss()));
 * SavedModelExport.write(model, Path.of("model/saved_model"));
 * }</pre>
 */
public final class PrimitiveTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(PrimitiveTrainer.class);
    private static final int MAX_DETECTIONS = 100;
    /**
     * Candidates a network with level heads passes to suppression, as NanoDet keeps before its own (or all its
     * (cell, class) scores, where a small input has fewer): its cells around an object all score, unlike the centre
     * heads' single peak.
     */
    private static final int LEVEL_CANDIDATES = 1000;
    private static final int WARMUP_STEPS = 50;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-7f;
    private static final float BN_EPSILON = 1e-3f;
    private static final float BN_MOMENTUM = 0.95f;
    /** Images whose statistics start a warm start's batch normalisation. */
    private static final int WARM_START_SAMPLE = 32;

    private PrimitiveTrainer() {
    }

    /**
     * Trains a model.
     *
     * @param vocDir a folder of LabelImg/PASCAL VOC files (searched recursively) with their images
     * @param labels the classes to learn, one heatmap channel each (a {@code background} entry, id 0, is not a
     *     class); every label in the files must be in it
     * @param options steps, time budget, seed and the rest
     * @param listener called after every step, on the calling thread
     * @return the trained model
     * @throws dev.annotate.core.FormatException for an empty dataset, an unknown label, an unreadable VOC file or
     *     image (see {@link TrainerOptions#skipBadImages()}), naming the file
     * @throws IOException if the folder cannot be read
     * @throws IllegalArgumentException if training diverges (a loss that is not finite): the learning rate is too
     *     high for this data
     */
    public static PrimitiveModel train(Path vocDir, LabelMap labels, TrainerOptions options,
                                       Consumer<TrainingProgress> listener) throws IOException {
        return train(Dataset.of(vocDir, new VocFormat(), LabelMap.empty()), labels, options, listener);
    }

    /**
     * Trains a model on a dataset in any installed format (one or more parts), learning from the images a person
     * has checked (all of them unless {@link TrainerOptions#includeUnchecked()}), as
     * {@link #train(Path, LabelMap, TrainerOptions, Consumer)} does from VOC files.
     *
     * @param dataset the dataset and its images; the same images and boxes train the same model whatever the
     *     format
     * @param labels the classes to learn, as for the VOC overload
     */
    public static PrimitiveModel train(Dataset dataset, LabelMap labels, TrainerOptions options,
                                       Consumer<TrainingProgress> listener) throws IOException {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        LabelMap classes = LabelMap.of(labels.entries().stream().filter(e -> e.id() > 0).toList());
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("the label map has no classes; the trainer needs the classes to learn");
        }
        List<Layer> layers;
        if (options.init().isPresent()) {
            PrimitiveModel earlier = options.init().get();
            layers = WarmStart.layers(earlier, Architecture.following(earlier, classes, options.seed()),
                    classes);
            LOG.info("warm start from a model of {} classes", options.init().get().labels().size());
        } else if (options.backbone() == Backbone.NANODET) {
            layers = Architecture.pretrained(classes, options.seed());
            LOG.info("starting from NanoDet-g's COCO-pretrained backbone");
        } else {
            layers = Architecture.initial(classes.size(), options.seed());
        }
        int outputSize = options.inputSize() / Architecture.STRIDE;
        TrainingData data = TrainingImages.load(dataset, classes, options.inputSize(), outputSize,
                options.skipBadImages(), options.includeUnchecked());
        LOG.info("training on {} images from {}, {} classes", data.size(), dataset.parts().stream()
                .map(p -> p.location().toString()).toList(), classes.size());
        TrainingData.Augmentation augmentation = Architecture.pretrainedBackbone(layers)
                ? TrainingData.Augmentation.FINE_TUNING : TrainingData.Augmentation.FROM_SCRATCH;
        Set<String> frozen = Architecture.frozen(layers);
        Map<String, WarmStart.Normalisation> normalisation = Map.of();
        if (options.init().isPresent() || options.backbone() == Backbone.NANODET) {
            // trained weights with batch normalisation folded in: it starts where they are
            TrainingData.Batch sample = data.batch(options.seed(), 0, WARM_START_SAMPLE, augmentation);
            normalisation = WarmStart.normalisation(layers.stream().filter(l -> !frozen.contains(l.name()))
                    .toList(), layers, sample.images(), sample.size(), options.inputSize(), BN_EPSILON);
        }
        PrimitiveModel.Heads heads = PrimitiveModel.heads(layers);
        int candidates = heads == PrimitiveModel.Heads.LEVELS
                ? Math.min(LEVEL_CANDIDATES, TfNetwork.levelCells(options.inputSize()) * classes.size())
                : MAX_DETECTIONS;
        List<Layer> trained = run(data, augmentation, layers, frozen, normalisation, classes.size(), outputSize,
                heads, options, listener);
        PrimitiveModel model = new PrimitiveModel(options.inputSize(), classes, trained, candidates);
        float exponent = Calibration.exponent(model, data.samples());
        LOG.info("scores calibrated with exponent {}", exponent);
        return model.withScoreExponent(exponent);
    }

    /** The training graph: placeholders, the loss, and one Adam step over every weight. */
    private static final class TrainingGraph {
        final Placeholder<TFloat32> images;
        /** The centre heads' targets, or null for level heads. */
        final Losses.Centre centre;
        /** The level heads' targets, or null for centre heads. */
        final Losses.Levels level;
        final Placeholder<TFloat32> learningRate;
        final Placeholder<TFloat32> beta1Power;
        final Placeholder<TFloat32> beta2Power;
        final Operand<TFloat32> loss;
        final Op step;
        final Map<String, ConvVariables> weights = new LinkedHashMap<>();

        @SuppressWarnings("unchecked")
        TrainingGraph(Graph g, List<Layer> layers, Set<String> frozen, Map<String, WarmStart.Normalisation> start,
                      int inputSize, int n, int classes, boolean levels) {
            Ops tf = Ops.create(g);
            images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputSize,
                    inputSize, 3)));
            centre = levels ? null : Losses.Centre.placeholders(tf, n, classes);
            level = levels ? Losses.Levels.placeholders(tf, inputSize, classes) : null;
            learningRate = scalar(tf, "learning_rate");
            beta1Power = scalar(tf, "beta1_power");
            beta2Power = scalar(tf, "beta2_power");

            List<Op> statistics = new ArrayList<>();
            Map<String, Operand<TFloat32>> out = TfNetwork.forward(tf, images, inputSize, layers, (c, x) -> {
                if (frozen.contains(c.name())) {
                    return TfNetwork.constantConv(tf, c, x);
                }
                Variable<TFloat32> kernel = tf.withName(c.name() + "_kernel").variable(tf.constant(
                        Shape.of(c.kernel(), c.kernel(), c.inChannels(), c.outChannels()),
                        DataBuffers.of(c.weights(), true, false)));
                Operand<TFloat32> y = TfNetwork.convolve(tf, x, kernel, c.kernel(), c.stride(), c.padding());
                if (c.activation() == Layer.Activation.NONE) {
                    Variable<TFloat32> bias = tf.withName(c.name() + "_bias").variable(tf.constant(c.bias()));
                    weights.put(c.name(), new ConvVariables(kernel, bias, null, null, null));
                    return tf.nn.biasAdd(y, bias);
                }
                float[] ones = new float[c.outChannels()];
                java.util.Arrays.fill(ones, 1f);
                WarmStart.Normalisation w = start.getOrDefault(c.name(), new WarmStart.Normalisation(ones,
                        new float[ones.length], new float[ones.length], ones));
                Variable<TFloat32> gamma = tf.withName(c.name() + "_gamma").variable(tf.constant(w.gamma()));
                Variable<TFloat32> beta = tf.withName(c.name() + "_beta").variable(tf.constant(w.beta()));
                Variable<TFloat32> mean = tf.withName(c.name() + "_mean").variable(tf.constant(w.mean()));
                Variable<TFloat32> variance = tf.withName(c.name() + "_variance").variable(tf.constant(w.variance()));
                FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(y, gamma, beta,
                        tf.constant(new float[0]), tf.constant(new float[0]), FusedBatchNorm.isTraining(true),
                        FusedBatchNorm.epsilon(BN_EPSILON));
                statistics.add(tf.assign(mean, average(tf, mean, bn.batchMean())));
                statistics.add(tf.assign(variance, average(tf, variance, bn.batchVariance())));
                weights.put(c.name(), new ConvVariables(kernel, beta, gamma, mean, variance));
                return bn.y();
            });

            loss = tf.withName("loss").identity(levels ? level.loss(tf, out, inputSize, classes)
                    : centre.loss(tf, out));

            List<Variable<TFloat32>> vars = new ArrayList<>();
            weights.values().forEach(v -> vars.addAll(v.trained()));
            Output<?>[] grads = g.addGradients(loss.asOutput(),
                    vars.stream().map(Variable::asOutput).toArray(Output<?>[]::new));
            List<Op> updates = new ArrayList<>(statistics);
            for (int i = 0; i < vars.size(); i++) {
                Variable<TFloat32> v = vars.get(i);
                Variable<TFloat32> m = tf.variable(tf.zerosLike(v.asOutput()));
                Variable<TFloat32> s = tf.variable(tf.zerosLike(v.asOutput()));
                updates.add(tf.train.applyAdam(v, m, s, beta1Power, beta2Power, learningRate,
                        tf.constant(BETA1), tf.constant(BETA2), tf.constant(EPSILON), (Operand<TFloat32>) grads[i]));
            }
            step = tf.withControlDependencies(updates).noOp();
        }

        /** Moving average of batch statistics, kept for inference. */
        private static Operand<TFloat32> average(Ops tf, Operand<TFloat32> moving, Operand<TFloat32> batch) {
            return tf.math.add(tf.math.mul(moving, tf.constant(BN_MOMENTUM)),
                    tf.math.mul(batch, tf.constant(1 - BN_MOMENTUM)));
        }

        private static Placeholder<TFloat32> scalar(Ops tf, String name) {
            return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        }
    }

    /** A step's batch and, for level heads, its targets. */
    private record Step(TrainingData.Batch batch, LevelTargets.Targets levels) {
    }

    private static List<Layer> run(TrainingData data, TrainingData.Augmentation augmentation, List<Layer> layers,
                                   Set<String> frozen,
                                   Map<String, WarmStart.Normalisation> warm, int classes, int n,
                                   PrimitiveModel.Heads heads, TrainerOptions options,
                                   Consumer<TrainingProgress> listener) {
        int inputSize = options.inputSize();
        int batchSize = options.batchSize();
        boolean levels = heads == PrimitiveModel.Heads.LEVELS;
        LevelTargets targets = levels ? new LevelTargets(inputSize) : null;
        BlockingQueue<Step> ready = new ArrayBlockingQueue<>(2);
        Thread producer = new Thread(() -> {
            try {
                for (int step = 0; ; step++) {
                    TrainingData.Batch batch = data.batch(options.seed(), step, batchSize, augmentation);
                    ready.put(new Step(batch, levels ? targets.encode(batch.boxes(), classes) : null));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "annotate-trainer-batches");
        producer.setDaemon(true);
        producer.start();
        try (Graph g = new Graph()) {
            TrainingGraph t = new TrainingGraph(g, layers, frozen, warm, inputSize, n, classes, levels);
            try (Session session = new Session(g)) {
                session.initialize();
                long start = System.nanoTime();
                long budget = options.timeBudget().toNanos();
                double b1 = 1;
                double b2 = 1;
                for (int step = 1; step <= options.steps(); step++) {
                    long now = System.nanoTime() - start;
                    double fraction = spent(step - 1, options.steps(), now, budget);
                    if (fraction >= 1) {
                        break;
                    }
                    double warmup = Math.min(1.0, (double) step / WARMUP_STEPS);
                    float rate = (float) (options.learningRate() * warmup * 0.5 * (1 + Math.cos(Math.PI * fraction)));
                    b1 *= BETA1;
                    b2 *= BETA2;
                    float loss = step(session, t, ready.take(), inputSize, n, classes, rate, (float) b1,
                            (float) b2);
                    if (!Float.isFinite(loss)) {
                        throw new IllegalArgumentException("training diverged at step " + step + " (loss " + loss
                                + "); try a lower learning rate than " + options.learningRate());
                    }
                    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                    double seconds = Math.max(1e-9, elapsed.toNanos() / 1e9);
                    listener.accept(new TrainingProgress(step, options.steps(), loss, step * batchSize / seconds,
                            elapsed, Math.min(1, spent(step, options.steps(), elapsed.toNanos(), budget)),
                            data.size(), data.leftOut()));
                }
                return read(session, t, layers);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("training was interrupted", e);
        } finally {
            producer.interrupt();
        }
    }

    /** The share of the step or time budget used, whichever is larger; training stops at 1. */
    private static double spent(int stepsDone, int steps, long nanos, long budgetNanos) {
        return Math.max((double) stepsDone / steps, (double) nanos / budgetNanos);
    }

    /** One optimisation step on a batch and its targets, fed to the graph's loss; the loss. */
    private static float step(Session session, TrainingGraph t, Step step, int inputSize, int n, int classes,
                              float rate, float b1, float b2) {
        TrainingData.Batch b = step.batch();
        List<Tensor> fed = new ArrayList<>();
        try {
            Session.Runner runner = session.runner()
                    .feed(t.images, fed(fed, tensor(b.images(), b.size(), inputSize, inputSize, 3)))
                    .feed(t.learningRate, fed(fed, TFloat32.scalarOf(rate)))
                    .feed(t.beta1Power, fed(fed, TFloat32.scalarOf(b1)))
                    .feed(t.beta2Power, fed(fed, TFloat32.scalarOf(b2)));
            if (t.level != null) {
                LevelTargets.Targets l = step.levels();
                long cells = TfNetwork.levelCells(inputSize);
                runner.feed(t.level.classes(), fed(fed, tensor(l.classes(), b.size(), cells, classes)))
                        .feed(t.level.positive(), fed(fed, tensor(l.positive(), b.size(), cells, 1)))
                        .feed(t.level.boxes(), fed(fed, tensor(l.boxes(), b.size(), cells, 4)))
                        .feed(t.level.bins(), fed(fed, tensor(l.bins(), b.size(), cells, 4, PrimitiveModel.BINS)));
            } else {
                runner.feed(t.centre.positive(), fed(fed, tensor(b.positive(), b.size(), n, n, classes)))
                        .feed(t.centre.negativeWeight(), fed(fed, tensor(b.negativeWeight(), b.size(), n, n,
                                classes)))
                        .feed(t.centre.sizes(), fed(fed, tensor(b.sizes(), b.size(), n, n, 2)))
                        .feed(t.centre.offsets(), fed(fed, tensor(b.offsets(), b.size(), n, n, 2)))
                        .feed(t.centre.mask(), fed(fed, tensor(b.mask(), b.size(), n, n, 1)));
            }
            try (var result = runner.addTarget(t.step).fetch(t.loss).run()) {
                return ((TFloat32) result.get(0)).getFloat();
            }
        } finally {
            fed.forEach(Tensor::close);
        }
    }

    /** {@code tensor}, kept in {@code fed} to be closed after the step. */
    private static TFloat32 fed(List<Tensor> fed, TFloat32 tensor) {
        fed.add(tensor);
        return tensor;
    }

    /** A batch of {@code values} of the shape {@code [batch, dims...]}. */
    private static TFloat32 tensor(float[] values, int batch, long... dims) {
        long[] shape = new long[dims.length + 1];
        shape[0] = batch;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    /**
     * A convolution's variables: kernel and bias (heads), or kernel, batch-norm offset ({@code bias}), scale and
     * moving statistics (hidden layers).
     */
    private record ConvVariables(Variable<TFloat32> kernel, Variable<TFloat32> bias, Variable<TFloat32> gamma,
                                 Variable<TFloat32> mean, Variable<TFloat32> variance) {

        List<Variable<TFloat32>> trained() {
            return gamma == null ? List.of(kernel, bias) : List.of(kernel, bias, gamma);
        }
    }

    /**
     * The trained weights, copied out of the session into the layers, with batch normalisation folded into each
     * convolution ({@code w * gamma / sqrt(var + eps)}, {@code beta - mean * gamma / sqrt(var + eps)}), so the
     * exported network is plain convolutions.
     */
    private static List<Layer> read(Session session, TrainingGraph t, List<Layer> layers) {
        List<Layer> out = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof Layer.Conv c) {
                ConvVariables v = t.weights.get(c.name());
                if (v == null) {
                    out.add(c); // frozen
                    continue;
                }
                if (v.gamma() == null) {
                    try (var result = session.runner().fetch(v.kernel()).fetch(v.bias()).run()) {
                        out.add(c.withWeights(values(result.get(0)), values(result.get(1))));
                    }
                    continue;
                }
                try (var result = session.runner().fetch(v.kernel()).fetch(v.bias()).fetch(v.gamma())
                        .fetch(v.mean()).fetch(v.variance()).run()) {
                    float[] w = values(result.get(0));
                    float[] beta = values(result.get(1));
                    float[] gamma = values(result.get(2));
                    float[] mean = values(result.get(3));
                    float[] variance = values(result.get(4));
                    int channels = c.outChannels();
                    float[] bias = new float[channels];
                    for (int o = 0; o < channels; o++) {
                        float scale = (float) (gamma[o] / Math.sqrt(variance[o] + BN_EPSILON));
                        bias[o] = beta[o] - mean[o] * scale;
                        for (int i = o; i < w.length; i += channels) {
                            w[i] *= scale;
                        }
                    }
                    out.add(c.withWeights(w, bias));
                }
            } else {
                out.add(layer);
            }
        }
        return out;
    }

    private static float[] values(Tensor tensor) {
        TFloat32 t = (TFloat32) tensor;
        float[] v = new float[(int) t.size()];
        t.copyTo(DataBuffers.of(v, false, false));
        return v;
    }
}
