package dev.annotate.train;

import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.model.Layer;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.onnx.OnnxExport;
import dev.annotate.pretrained.NanoDet;
import dev.annotate.synthetic.SyntheticDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training from NanoDet-g's COCO-pretrained backbone (#31). */
final class PretrainedTrainingTest {

    /**
     * A short run that learns visibly: the default rate (0.001) needs more than the 50 warm-up steps to move the
     * loss, so the test trains at 0.004 (the loss about halves in 60 steps at 128).
     */
    static final TrainerOptions QUICK = TrainerOptions.defaults(Backbone.NANODET).withInputSize(128)
            .withSteps(60).withLearningRate(0.004f).withTimeBudget(Duration.ofHours(1));

    @TempDir
    static Path shared;
    static SyntheticDataset.Summary data;

    @BeforeAll
    static void generate() throws IOException {
        data = SyntheticDataset.generate(shared.resolve("voc"), SyntheticDataset.Options.defaults(16, 7)
                .withSides(160, 320).withExifShare(0.2));
    }

    @Test
    void pretrained_keepsNanoDetsHeads_boxChannelsAsCocoTrainedThem_aCocoClassFromCocosRow() {
        LabelMap labels = LabelMap.fromNames(List.of("car", "kite-surfer"));
        List<Layer> layers = Architecture.pretrained(labels, 1);
        Map<String, Layer> byName = layers.stream().collect(Collectors.toMap(Layer::name, Function.identity()));
        int car = NanoDet.COCO_CLASSES.indexOf("car");
        int boxes = 4 * PrimitiveModel.BINS;
        for (int stride : NanoDet.STRIDES) {
            Layer.Conv coco = (Layer.Conv) NanoDet.coco().layers().stream()
                    .filter(l -> l.name().equals(NanoDet.HEAD + stride)).findFirst().orElseThrow();
            Layer.Conv head = (Layer.Conv) byName.get(NanoDet.HEAD + stride);
            assertEquals(2 + boxes, head.outChannels());
            assertEquals(coco.input(), head.input());
            for (int i = 0; i < head.inChannels(); i++) {
                assertEquals(coco.weights()[i * coco.outChannels() + car], head.weights()[i * head.outChannels()],
                        "car's weights at stride " + stride);
                for (int j = 0; j < boxes; j++) {
                    assertEquals(coco.weights()[i * coco.outChannels() + 80 + j],
                            head.weights()[i * head.outChannels() + 2 + j], "box channel " + j);
                }
            }
            assertEquals(coco.bias()[car], head.bias()[0]);
            assertEquals(-4.595f, head.bias()[1], "a class COCO does not know starts at NanoDet's prior");
            assertEquals(coco.bias()[80 + boxes - 1], head.bias()[2 + boxes - 1]);
        }
        PrimitiveModel model = new PrimitiveModel(320, labels, layers, 1000);
        assertEquals(PrimitiveModel.Heads.LEVELS, model.heads());
        assertEquals(NanoDet.coco().backbone(), Architecture.frozen(layers));
        assertTrue(Architecture.pretrainedBackbone(layers));
        assertFalse(Architecture.pretrainedBackbone(Architecture.initial(2, 1)));
        assertEquals(Set.of(), Architecture.frozen(Architecture.initial(2, 1)), "nothing frozen from scratch");

        // a warm start for other classes keeps the known class's channel and the box channels
        List<Layer> next = Architecture.following(model, LabelMap.fromNames(List.of("bus", "car")), 2);
        Layer.Conv before = (Layer.Conv) byName.get(NanoDet.HEAD + 8);
        Layer.Conv after = (Layer.Conv) next.stream().filter(l -> l.name().equals(NanoDet.HEAD + 8)).findFirst()
                .orElseThrow();
        assertEquals(before.bias()[0], after.bias()[1], "car moved to the second channel");
        assertEquals(-4.595f, after.bias()[0], "bus, which the earlier model did not know, starts fresh");
        assertEquals(before.weights()[5 * before.outChannels() + 2 + 7], after.weights()[5 * after.outChannels()
                + 2 + 7]);
    }

    @Test
    void defaults_startFromThePretrainedBackbone_andAWarmStartTrainsAtItsNetworksOwnRate() {
        assertEquals(Backbone.NANODET, TrainerOptions.defaults().backbone());
        LabelMap labels = LabelMap.fromNames(List.of("car"));
        PrimitiveModel levels = new PrimitiveModel(320, labels, Architecture.pretrained(labels, 1), 1000);
        PrimitiveModel centres = new PrimitiveModel(256, labels, Architecture.initial(1, 1), 100);
        assertEquals(TrainerOptions.defaults(Backbone.NANODET).learningRate(),
                TrainerOptions.warmStart(levels).learningRate());
        assertEquals(TrainerOptions.defaults(Backbone.PRIMITIVE).learningRate(),
                TrainerOptions.warmStart(centres).learningRate(), "a primitive network keeps its own rate");
        assertEquals(256, TrainerOptions.warmStart(centres).inputSize());
        assertEquals(centres, TrainerOptions.warmStart(centres).init().orElseThrow());
    }

    @Test
    void train_fromThePretrainedBackbone_learnsLeavesTheBackboneAndExportsToBothBackends(@TempDir Path out)
            throws IOException {
        List<Float> losses = new ArrayList<>();
        PrimitiveModel model = PrimitiveTrainer.train(shared.resolve("voc"), SyntheticDataset.LABEL_MAP, QUICK,
                p -> losses.add(p.loss()));
        assertEquals(QUICK.steps(), losses.size());
        double first = losses.subList(0, 5).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double last = losses.subList(losses.size() - 5, losses.size()).stream().mapToDouble(Float::doubleValue)
                .average().orElseThrow();
        assertTrue(last < 0.8 * first, "loss went from " + first + " to " + last);

        Map<String, Layer> trained = model.layers().stream().collect(Collectors.toMap(Layer::name,
                Function.identity()));
        for (Layer l : NanoDet.coco().layers()) {
            if (NanoDet.coco().backbone().contains(l.name()) && l instanceof Layer.Conv c) {
                assertArrayEquals(c.weights(), ((Layer.Conv) trained.get(c.name())).weights(), c.name());
            }
        }
        Layer.Conv pyramid = (Layer.Conv) model.layers().stream().filter(l -> l instanceof Layer.Conv c
                && !NanoDet.coco().backbone().contains(c.name()) && c.kernel() == 3).findFirst().orElseThrow();
        Layer.Conv before = (Layer.Conv) NanoDet.coco().layers().stream().filter(l -> l.name()
                .equals(pyramid.name())).findFirst().orElseThrow();
        assertFalse(Arrays.equals(before.weights(), pyramid.weights()), pyramid.name() + " learnt");

        SavedModelExport.write(model, out.resolve("saved_model"));
        OnnxExport.write(model, out.resolve("model.onnx"));
        for (Path m : List.of(out.resolve("saved_model"), out.resolve("model.onnx"))) {
            try (Detector d = Detectors.open(m, DetectorOptions.defaults().withLabelMap(model.labels()))) {
                d.detect(data.images().get(0));
            }
        }
        // a warm start from it trains the same network further, backbone still as COCO trained it
        PrimitiveModel again = PrimitiveTrainer.train(shared.resolve("voc"), SyntheticDataset.LABEL_MAP,
                QUICK.withSteps(2).withInit(OnnxExport.read(out.resolve("model.onnx"))), p -> { });
        assertEquals(model.layers().stream().map(Layer::name).toList(),
                again.layers().stream().map(Layer::name).toList());
        assertEquals(Architecture.frozen(model.layers()), Architecture.frozen(again.layers()));
    }
}
