package dev.annotate.train;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AnnotationFormats;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.model.PrimitiveModel;
import dev.annotate.synthetic.SyntheticDataset;
import dev.annotate.voc.VocFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class PrimitiveTrainerTest {

    /**
     * Small and quick: the unit tests check behaviour, the benchmark checks quality. The step limit ends every run,
     * never the clock (an hour's budget), so no result depends on the machine's speed or load (#32).
     */
    static final TrainerOptions QUICK = TrainerOptions.defaults(Backbone.PRIMITIVE).withInputSize(128).withBatchSize(8)
            .withSteps(120).withTimeBudget(Duration.ofHours(1));

    @TempDir
    static Path shared;
    static SyntheticDataset.Summary data;

    @BeforeAll
    static void generate() throws IOException {
        data = SyntheticDataset.generate(shared.resolve("voc"), SyntheticDataset.Options.defaults(24, 7)
                .withSides(160, 320).withExifShare(0.2));
    }

    @Test
    void train_shortRun_lowersTheLossAndExportsASavedModelTheBackendOpens(@TempDir Path out) throws IOException {
        List<Float> losses = new ArrayList<>();
        PrimitiveModel model = PrimitiveTrainer.train(shared.resolve("voc"), SyntheticDataset.LABEL_MAP, QUICK,
                p -> losses.add(p.loss()));

        assertEquals(QUICK.steps(), losses.size(), "stops at the step limit");
        double first = losses.subList(0, 20).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double last = losses.subList(losses.size() - 20, losses.size()).stream().mapToDouble(Float::doubleValue)
                .average().orElseThrow();
        assertTrue(last < 0.7 * first, "loss went from " + first + " to " + last);
        assertEquals(SyntheticDataset.LABEL_MAP, model.labels());
        assertEquals(128, model.inputSize());
        assertEquals(8, model.stride());

        Path saved = out.resolve("saved_model");
        SavedModelExport.write(model, saved);
        try (var children = Files.list(out)) {
            assertEquals(List.of(saved), children.toList(), "no staging folder is left beside the model");
        }
        try (org.tensorflow.SavedModelBundle bundle = org.tensorflow.SavedModelBundle.load(saved.toString(), "serve");
             org.tensorflow.Result size = bundle.session().runner()
                     .fetch(dev.annotate.tf.TensorFlowProvider.INPUT_SIZE_OPERATION).run()) {
            org.tensorflow.types.TInt32 hw = (org.tensorflow.types.TInt32) size.get(0);
            assertEquals(List.of(128, 128), List.of(hw.getInt(0), hw.getInt(1)), "the export states its input size");
        }
        try (Detector d = Detectors.open(saved, DetectorOptions.defaults().withLabelMap(model.labels())
                .withMinScore(0.05))) {
            AnnotatedImage result = d.detect(data.images().get(0));
            assertEquals(data.images().get(0).getFileName().toString(), result.fileName());
            for (Annotation a : result.annotations()) {
                assertTrue(SyntheticDataset.CLASSES.contains(a.label()), a.label());
                assertTrue(a.box().xmax() <= result.width() && a.box().ymax() <= result.height(), a.toString());
            }
            assertMirrorGetsTheSameScores(d, javax.imageio.ImageIO.read(data.images().get(1).toFile()));
        }
        IOException again = assertThrows(IOException.class, () -> SavedModelExport.write(model, saved));
        assertEquals(saved + " already exists and is not an empty folder; a SavedModel is not written over other"
                + " files", again.getMessage());
    }

    /**
     * The serving graph averages the image's heatmap and sizes with its mirror image's (PrimitiveModel), so the
     * mirrored image gets the same scores, labels and box sizes (the offsets are each image's own).
     */
    private static void assertMirrorGetsTheSameScores(Detector d, java.awt.image.BufferedImage image) {
        java.awt.image.BufferedImage mirror = new java.awt.image.BufferedImage(image.getWidth(), image.getHeight(),
                java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                mirror.setRGB(image.getWidth() - 1 - x, y, image.getRGB(x, y));
            }
        }
        List<Annotation> straight = d.detect(image);
        List<Annotation> mirrored = d.detect(mirror);
        assertFalse(straight.isEmpty(), "the quick model finds something at 0.05");
        assertEquals(straight.size(), mirrored.size());
        int sized = 0;
        for (int i = 0; i < straight.size(); i++) {
            Annotation a = straight.get(i);
            Annotation b = mirrored.get(i);
            assertEquals(a.confidenceOr(0), b.confidenceOr(0), 1e-4, i + ": " + a + " / " + b);
            assertEquals(a.label(), b.label());
            if (inside(a, image) && inside(b, image)) { // a box cut by the border loses width on one side only
                assertEquals(a.box().width(), b.box().width(), 0.05 * a.box().width() + 0.5, a + " / " + b);
                assertEquals(a.box().height(), b.box().height(), 0.05 * a.box().height() + 0.5, a + " / " + b);
                sized++;
            }
        }
        assertTrue(sized > 0, "no box away from the border to compare");
    }

    private static boolean inside(Annotation a, java.awt.image.BufferedImage image) {
        return a.box().xmin() > 0 && a.box().ymin() > 0 && a.box().xmax() < image.getWidth()
                && a.box().ymax() < image.getHeight();
    }

    @Test
    void batch_fineTuning_showsOneImagesObjects_fromScratch_mosaicsAndPastesMore() throws IOException {
        TrainingData training = TrainingImages.load(Dataset.of(shared.resolve("voc"), new VocFormat(),
                LabelMap.empty()), SyntheticDataset.LABEL_MAP, 128, 16, false, false);
        int mostInAnImage = training.samples().stream().mapToInt(s -> s.boxes().size()).max().orElseThrow();
        int fineTuning = 0;
        int fromScratch = 0;
        for (int step = 0; step < 8; step++) {
            for (List<TrainingData.Box> boxes : training.batch(1, step, 8, TrainingData.Augmentation.FINE_TUNING)
                    .boxes()) {
                fineTuning = Math.max(fineTuning, boxes.size());
            }
            for (List<TrainingData.Box> boxes : training.batch(1, step, 8, TrainingData.Augmentation.FROM_SCRATCH)
                    .boxes()) {
                fromScratch = Math.max(fromScratch, boxes.size());
            }
        }
        assertTrue(fineTuning >= 1 && fineTuning <= mostInAnImage, fineTuning + " boxes, " + mostInAnImage
                + " at most in an image");
        assertTrue(fromScratch > mostInAnImage, fromScratch + " boxes, " + mostInAnImage + " at most in an image");
    }

    @Test
    void batch_sameSeedAndStep_isTheSameAndTargetsAreConsistent() throws IOException {
        TrainingData training = TrainingImages.load(Dataset.of(shared.resolve("voc"), new VocFormat(),
                LabelMap.empty()), SyntheticDataset.LABEL_MAP, 128, 16, false, false);
        TrainingData.Augmentation scratch = TrainingData.Augmentation.FROM_SCRATCH;
        TrainingData.Batch a = training.batch(3, 5, 4, scratch);
        TrainingData.Batch b = training.batch(3, 5, 4, scratch);
        assertArrayEquals(a.images(), b.images());
        assertArrayEquals(a.heat(), b.heat());
        assertArrayEquals(a.sizes(), b.sizes());
        assertFalse(java.util.Arrays.equals(a.images(), training.batch(3, 6, 4, scratch).images()));

        int classes = SyntheticDataset.CLASSES.size();
        int positives = 0;
        for (int cell = 0; cell < a.mask().length; cell++) {
            boolean any = false;
            for (int c = 0; c < classes; c++) {
                int i = cell * classes + c;
                if (a.positive()[i] == 1) {
                    any = true;
                    positives++;
                    assertEquals(1f, a.heat()[i]);
                    assertEquals(0f, a.negativeWeight()[i]);
                }
            }
            float m = a.mask()[cell];
            if (any) {
                assertEquals(1f, m, "an object's centre cell regresses it with full weight");
                assertTrue(a.offsets()[cell * 2] >= 0 && a.offsets()[cell * 2] < 1);
                assertTrue(a.offsets()[cell * 2 + 1] >= 0 && a.offsets()[cell * 2 + 1] < 1);
            } else {
                assertTrue(m == 0 || m >= CenterNetTargets.REGRESSION_FLOOR && m <= 1, "cell " + cell + " weight " + m);
            }
            if (m > 0) {
                float w = (float) Math.exp(a.sizes()[cell * 2]);
                assertTrue(w >= 2f / 8 && w <= 16, "width " + w + " cells, of boxes 2 to 128 pixels at stride 8");
            }
        }
        assertTrue(positives > 0, "a batch of generated images holds objects");
        for (float v : a.images()) {
            assertTrue(v >= 0 && v <= 1, "pixel " + v);
        }
    }

    @Test
    void warmStart_beginsWhereTheEarlierModelEnded_andAnAddedClassTrainsAndExportsToBothBackends(@TempDir Path out)
            throws IOException {
        List<Float> earlierLosses = new ArrayList<>();
        PrimitiveModel earlier = PrimitiveTrainer.train(shared.resolve("voc"), SyntheticDataset.LABEL_MAP, QUICK,
                p -> earlierLosses.add(p.loss()));
        Path onnx = out.resolve("earlier.onnx");
        dev.annotate.onnx.OnnxExport.write(earlier, onnx);

        List<Float> cold = new ArrayList<>();
        PrimitiveTrainer.train(shared.resolve("voc"), SyntheticDataset.LABEL_MAP, QUICK.withSteps(5),
                p -> cold.add(p.loss()));
        List<Float> warm = new ArrayList<>();
        PrimitiveTrainer.train(shared.resolve("voc"), SyntheticDataset.LABEL_MAP,
                QUICK.withSteps(5).withInit(dev.annotate.onnx.OnnxExport.read(onnx)), p -> warm.add(p.loss()));
        double earlierEnd = earlierLosses.subList(earlierLosses.size() - 20, earlierLosses.size()).stream()
                .mapToDouble(Float::doubleValue).average().orElseThrow();
        // measured: cold 4.15, the earlier model's last 20 steps 1.94, warm 1.94: training goes on where it stopped
        assertTrue(warm.get(0) < 0.6 * cold.get(0), "warm " + warm.get(0) + " against cold " + cold.get(0));
        assertTrue(warm.get(0) < 1.25 * earlierEnd, "warm " + warm.get(0) + " against " + earlierEnd);

        LabelMap withKite = LabelMap.fromNames(List.of("race car", "tree", "house", "kite"));
        assertEquals(SyntheticDataset.LABEL_MAP.names(), withKite.names().subList(0, 3), "the test's premise");
        PrimitiveModel four = PrimitiveTrainer.train(shared.resolve("voc"), withKite,
                QUICK.withSteps(3).withInit(earlier), p -> { });
        assertEquals(withKite, four.labels());
        Path saved = out.resolve("four/saved_model");
        SavedModelExport.write(four, saved);
        Path fourOnnx = out.resolve("four/model.onnx");
        dev.annotate.onnx.OnnxExport.write(four, fourOnnx);
        for (Path model : List.of(saved, fourOnnx)) {
            try (Detector d = Detectors.open(model, DetectorOptions.defaults().withLabelMap(withKite))) {
                assertEquals(withKite, d.labelMap(), model.toString());
                d.detect(data.images().get(0));
            }
        }

        List<dev.annotate.core.model.Layer> three = new ArrayList<>();
        String input = PrimitiveModel.INPUT;
        for (String name : List.of("s1", "s2", "s3")) {
            three.add(new dev.annotate.core.model.Layer.Conv(name, input, 1, 2, 3, 3,
                    dev.annotate.core.model.Layer.Activation.NONE, new float[9], new float[3]));
            input = name;
        }
        for (String head : List.of(PrimitiveModel.HEATMAP, PrimitiveModel.SIZE, PrimitiveModel.OFFSET)) {
            int outs = head.equals(PrimitiveModel.HEATMAP) ? 1 : 2;
            three.add(new dev.annotate.core.model.Layer.Conv(head, "s3", 1, 1, 3, outs,
                    dev.annotate.core.model.Layer.Activation.NONE, new float[3 * outs], new float[outs]));
        }
        // a hand-made model with no normalised layer is started from too (TensorFlow refused the run that gathers
        // the statistics of none)
        PrimitiveModel plain = new PrimitiveModel(128, LabelMap.fromNames(List.of("race car")), three, 10);
        assertEquals(three.stream().map(dev.annotate.core.model.Layer::name).toList(), PrimitiveTrainer.train(
                shared.resolve("voc"), SyntheticDataset.LABEL_MAP, QUICK.withSteps(1).withInit(plain), p -> { })
                .layers().stream().map(dev.annotate.core.model.Layer::name).toList());
        // a model made before the context stage (#20) is started from as it is, its layers kept
        List<dev.annotate.core.model.Layer> before = new ArrayList<>();
        for (dev.annotate.core.model.Layer l : earlier.layers()) {
            if (List.of("c8", "c9", "p9", "u9", "m16").contains(l.name())) {
                continue;
            }
            before.add(l instanceof dev.annotate.core.model.Layer.Conv c && c.name().equals("p7")
                    ? new dev.annotate.core.model.Layer.Conv("p7", "c7", c.kernel(), c.stride(), c.inChannels(),
                            c.outChannels(), c.activation(), c.weights(), c.bias()) : l);
        }
        PrimitiveModel beforeContext = new PrimitiveModel(earlier.inputSize(), earlier.labels(), before, 100);
        PrimitiveModel followed = PrimitiveTrainer.train(shared.resolve("voc"), withKite,
                QUICK.withSteps(1).withInit(beforeContext), p -> { });
        assertEquals(before.stream().map(dev.annotate.core.model.Layer::name).toList(),
                followed.layers().stream().map(dev.annotate.core.model.Layer::name).toList());
        assertEquals(withKite, followed.labels());
        // but not one whose heads are at another stride than this trainer's targets
        List<dev.annotate.core.model.Layer> two = new ArrayList<>(three.subList(1, 6));
        two.set(0, new dev.annotate.core.model.Layer.Conv("s2", PrimitiveModel.INPUT, 1, 2, 3, 3,
                dev.annotate.core.model.Layer.Activation.NONE, new float[9], new float[3]));
        PrimitiveModel coarse = new PrimitiveModel(64, LabelMap.fromNames(List.of("race car")), two, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrimitiveTrainer.train(
                shared.resolve("voc"), SyntheticDataset.LABEL_MAP, QUICK.withSteps(1).withInit(coarse), p -> { }));
        assertTrue(e.getMessage().contains("heads at stride 4, this trainer's at 8"), e.getMessage());
    }

    @Test
    void trainingInput_isTheSameFromVocCocoAndYoloCopies(@TempDir Path dir) throws IOException {
        SyntheticDataset.generate(dir, SyntheticDataset.Options.defaults(6, 9).withSides(96, 200).withExifShare(0.3));
        for (String name : List.of("coco", "yolo")) { // written beside the VOC files and the images
            AnnotationFormat target = AnnotationFormats.byName(name);
            try (DatasetWriter w = target.openWriter(dir, LabelMap.empty())) {
                Dataset.of(dir, new VocFormat(), LabelMap.empty()).read((ReadResult r) -> {
                    AnnotatedImage image = r.image().orElseThrow();
                    try {
                        w.write(image.fileName(), image.withPath(dir.resolve(image.fileName()).toString()));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
        List<TrainingData.Sample> voc = load(dir, "voc");
        for (String name : List.of("coco", "yolo")) {
            List<TrainingData.Sample> other = load(dir, name);
            assertEquals(voc.size(), other.size(), name);
            for (int i = 0; i < voc.size(); i++) {
                assertArrayEquals(pixels(voc.get(i).image()), pixels(other.get(i).image()), name + " pixels");
                List<TrainingData.Box> a = voc.get(i).boxes();
                List<TrainingData.Box> b = other.get(i).boxes();
                assertEquals(a.size(), b.size(), name);
                for (int k = 0; k < a.size(); k++) {
                    assertEquals(a.get(k).channel(), b.get(k).channel(), name);
                    assertEquals(a.get(k).x1(), b.get(k).x1(), 1e-3, name);
                    assertEquals(a.get(k).y1(), b.get(k).y1(), 1e-3, name);
                    assertEquals(a.get(k).x2(), b.get(k).x2(), 1e-3, name);
                    assertEquals(a.get(k).y2(), b.get(k).y2(), 1e-3, name);
                }
            }
        }
    }

    private static List<TrainingData.Sample> load(Path dir, String format) throws IOException {
        return TrainingImages.load(Dataset.of(dir, AnnotationFormats.byName(format), LabelMap.empty()),
                SyntheticDataset.LABEL_MAP, 128, 16, false, false).samples();
    }

    private static int[] pixels(java.awt.image.BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void train_emptyFolder_namesTheFolder(@TempDir Path empty) {
        FormatException e = assertThrows(FormatException.class,
                () -> PrimitiveTrainer.train(empty, SyntheticDataset.LABEL_MAP, QUICK, p -> { }));
        assertEquals(empty + ": holds no voc annotation files (*.xml)", e.getMessage());
    }

    @Test
    void train_labelMissingFromTheLabelMap_namesTheFileAndTheLabel(@TempDir Path dir) throws IOException {
        SyntheticDataset.Summary s = SyntheticDataset.generate(dir, SyntheticDataset.Options.defaults(3,
                11).withSides(96, 128).withExifShare(0));
        LabelMap withoutHouse = LabelMap.fromNames(List.of("race car", "tree"));
        Path first = s.annotationFiles().stream().filter(f -> contains(f, "<name>house</name>")).findFirst()
                .orElseThrow();
        FormatException e = assertThrows(FormatException.class,
                () -> PrimitiveTrainer.train(dir, withoutHouse, QUICK, p -> { }));
        assertEquals(first + ": label 'house' is not in the label map [race car, tree]; add it to the label map or"
                + " fix the annotation", e.getMessage());
    }

    @Test
    void train_undecodableImage_failsNamingItOrIsSkippedWhenAsked(@TempDir Path dir) throws IOException {
        SyntheticDataset.Summary s = SyntheticDataset.generate(dir, SyntheticDataset.Options.defaults(3,
                12).withSides(96, 128).withExifShare(0));
        Files.write(s.images().get(1), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        FormatException e = assertThrows(FormatException.class,
                () -> PrimitiveTrainer.train(dir, SyntheticDataset.LABEL_MAP, QUICK, p -> { }));
        assertEquals(s.annotationFiles().get(1), e.file());
        assertTrue(e.getMessage().contains("its image cannot be read: ") && e.getMessage().contains(
                s.images().get(1).getFileName().toString()), e.getMessage());

        int[] steps = {0};
        PrimitiveTrainer.train(dir, SyntheticDataset.LABEL_MAP, QUICK.withSkipBadImages(true).withSteps(2),
                p -> steps[0] = p.step());
        assertEquals(2, steps[0]);
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.readString(file).contains(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
