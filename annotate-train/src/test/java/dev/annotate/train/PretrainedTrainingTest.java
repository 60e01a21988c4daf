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

    static final TrainerOptions QUICK = TrainerOptions.defaults(Backbone.NANODET).withInputSize(128)
            .withSteps(40).withTimeBudget(Duration.ofHours(1));

    @TempDir
    static Path shared;
    static SyntheticDataset.Summary data;

    @BeforeAll
    static void generate() throws IOException {
        data = SyntheticDataset.generate(shared.resolve("voc"), new SyntheticDataset.Options(16, 7, 160, 320, 0.2));
    }

    @Test
    void pretrained_headsReadEveryLevelAtStride8_aCocoClassStartsFromCocosWeights() {
        LabelMap labels = LabelMap.fromNames(List.of("car", "kite-surfer"));
        List<Layer> layers = Architecture.pretrained(labels, 1);
        Map<String, Layer> byName = layers.stream().collect(Collectors.toMap(Layer::name, Function.identity()));
        Map<String, Layer> nanodet = NanoDet.coco().layers().stream().collect(Collectors.toMap(Layer::name,
                Function.identity()));
        Layer.Conv heat = (Layer.Conv) byName.get(PrimitiveModel.HEATMAP);
        Layer.Concat features = (Layer.Concat) byName.get(heat.input());
        assertEquals(((Layer.Conv) nanodet.get(NanoDet.HEAD + 8)).input(), features.inputs().get(0),
                "the stride-8 level where NanoDet's own stride-8 head reads");
        assertEquals(384, heat.inChannels(), "three levels of 128 channels");
        int car = NanoDet.COCO_CLASSES.indexOf("car");
        float bias = 0;
        for (int level = 0; level < 3; level++) {
            Layer.Conv coco = (Layer.Conv) nanodet.get(NanoDet.HEAD + NanoDet.STRIDES.get(level));
            for (int i = 0; i < 128; i++) {
                assertEquals(coco.weights()[i * coco.outChannels() + car], heat.weights()[(level * 128 + i) * 2],
                        "car's weights at stride " + NanoDet.STRIDES.get(level));
            }
            bias += coco.bias()[car] / 3;
        }
        assertEquals(bias, heat.bias()[0], 1e-6f);
        assertEquals(-2.19f, heat.bias()[1], "a class COCO does not know starts at the prior");
        assertFalse(byName.containsKey(NanoDet.HEAD + 16), "NanoDet's own heads are gone");
        Map<String, int[]> shapes = PrimitiveModel.shapes(320, layers);
        assertEquals(40, shapes.get(features.name())[0]);
        assertEquals(8, new PrimitiveModel(320, labels, layers, 100).stride());
        assertTrue(Architecture.frozen(layers).containsAll(NanoDet.coco().backbone()));
        assertEquals(Set.of(), Architecture.frozen(Architecture.initial(2, 1)), "nothing frozen from scratch");
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
            try (Detector d = Detectors.open(m, DetectorOptions.builder().labelMap(model.labels()).build())) {
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
