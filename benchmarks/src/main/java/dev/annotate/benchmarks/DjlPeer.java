package dev.annotate.benchmarks;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.BoundingBox;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.modality.cv.output.Rectangle;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The Java peer of #18: what a Java team writes with Deep Java Library 0.38 and its ONNX Runtime engine to do what
 * {@code annotate predict} does: decode each image, run the same ONNX model (the trainer's export: uint8
 * {@code input_tensor [1, H, W, 3]}, TF Object Detection API outputs), keep detections at or above the score, and
 * write one PASCAL VOC file per image beside it in a mirrored folder. One {@link Predictor} per thread, as DJL asks;
 * plain file writes, as such a program would do them. Not part of the library: the benchmark's yardstick.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.annotate.benchmarks.DjlPeer MODEL.onnx IMAGES OUT THREADS [MIN_SCORE]
 * </pre>
 * The class names are read from {@code label_map.pbtxt} beside the model ({@code name: '...'} lines in id order).
 */
public final class DjlPeer {

    private DjlPeer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: DjlPeer MODEL.onnx IMAGES OUT THREADS [MIN_SCORE]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        Path images = Path.of(args[1]);
        Path out = Path.of(args[2]);
        int threads = Integer.parseInt(args[3]);
        float minScore = args.length > 4 ? Float.parseFloat(args[4]) : 0.5f;
        List<String> names = names(model.resolveSibling("label_map.pbtxt"));

        Criteria<Image, DetectedObjects> criteria = Criteria.builder().setTypes(Image.class, DetectedObjects.class)
                .optModelPath(model).optEngine("OnnxRuntime").optTranslator(new Detections(names, minScore))
                .build();
        List<Path> files;
        try (Stream<Path> s = Files.walk(images)) {
            files = s.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".jpg")).sorted().toList();
        }
        try (ZooModel<Image, DetectedObjects> zoo = criteria.loadModel()) {
            ThreadLocal<Predictor<Image, DetectedObjects>> predictors = ThreadLocal.withInitial(zoo::newPredictor);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (Path file : files) {
                done.add(pool.submit(() -> {
                    Image image = ImageFactory.getInstance().fromFile(file);
                    DetectedObjects found = predictors.get().predict(image);
                    Path xml = out.resolve(images.relativize(file).toString().replaceAll("\\.[^.]+$", ".xml"));
                    Files.createDirectories(xml.getParent());
                    Files.writeString(xml, voc(file, image.getWidth(), image.getHeight(), found),
                            StandardCharsets.UTF_8);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
        }
        System.out.println(files.size() + " images");
    }

    /** The model's outputs as DJL detections, boxes as fractions of the image. */
    private static final class Detections implements NoBatchifyTranslator<Image, DetectedObjects> {
        private final List<String> names;
        private final float minScore;

        Detections(List<String> names, float minScore) {
            this.names = names;
            this.minScore = minScore;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Image input) {
            // HWC uint8; the ONNX Runtime engine's arrays cannot expandDims, so the batch axis goes in by a copy
            NDArray hwc = input.toNDArray(ctx.getNDManager(), Image.Flag.COLOR);
            return new NDList(ctx.getNDManager().create(hwc.toByteBuffer(),
                    new Shape(1, input.getHeight(), input.getWidth(), 3), DataType.UINT8));
        }

        @Override
        public DetectedObjects processOutput(TranslatorContext ctx, NDList list) {
            float[] boxes = list.get(0).toFloatArray();
            float[] scores = list.get(1).toFloatArray();
            float[] classes = list.get(2).toFloatArray();
            int n = (int) list.get(3).toFloatArray()[0];
            List<String> found = new ArrayList<>();
            List<Double> probabilities = new ArrayList<>();
            List<BoundingBox> rectangles = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (scores[i] < minScore) {
                    continue;
                }
                int id = Math.round(classes[i]);
                found.add(id >= 1 && id <= names.size() ? names.get(id - 1) : "class " + id);
                probabilities.add((double) scores[i]);
                float ymin = boxes[4 * i];
                float xmin = boxes[4 * i + 1];
                float ymax = boxes[4 * i + 2];
                float xmax = boxes[4 * i + 3];
                rectangles.add(new Rectangle(xmin, ymin, xmax - xmin, ymax - ymin));
            }
            return new DetectedObjects(found, probabilities, rectangles);
        }
    }

    private static String voc(Path file, int width, int height, DetectedObjects found) {
        StringBuilder sb = new StringBuilder("<annotation>\n\t<folder>").append(file.getParent().getFileName())
                .append("</folder>\n\t<filename>").append(file.getFileName()).append("</filename>\n\t<size>\n\t\t<width>")
                .append(width).append("</width>\n\t\t<height>").append(height)
                .append("</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n");
        for (DetectedObjects.DetectedObject o : found.<DetectedObjects.DetectedObject>items()) {
            ai.djl.modality.cv.output.Rectangle r = o.getBoundingBox().getBounds();
            sb.append("\t<object>\n\t\t<name>").append(escape(o.getClassName()))
                    .append("</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n")
                    .append("\t\t<difficult>0</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>")
                    .append(Math.round(r.getX() * width)).append("</xmin>\n\t\t\t<ymin>")
                    .append(Math.round(r.getY() * height)).append("</ymin>\n\t\t\t<xmax>")
                    .append(Math.round((r.getX() + r.getWidth()) * width)).append("</xmax>\n\t\t\t<ymax>")
                    .append(Math.round((r.getY() + r.getHeight()) * height)).append("</ymax>\n\t\t</bndbox>\n")
                    .append("\t</object>\n");
        }
        return sb.append("</annotation>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** The names of a label map, in id order (the trainer writes ids 1, 2, ... in order). */
    private static List<String> names(Path labelMap) throws java.io.IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(labelMap)) {
            String t = line.strip();
            if (t.startsWith("name:")) {
                String v = t.substring(5).strip();
                names.add(v.substring(1, v.length() - 1));
            }
        }
        return names;
    }
}
