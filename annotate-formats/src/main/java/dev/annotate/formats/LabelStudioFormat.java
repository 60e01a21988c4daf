package dev.annotate.formats;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.image.ImageHeader;
import dev.annotate.core.image.Images;
import dev.annotate.core.pipeline.PreAnnotator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

import static dev.annotate.formats.DatasetFiles.clean;

/**
 * Label Studio's tasks JSON, registered as {@code labelstudio}: writing gives a file to import into a project,
 * reading takes a project's JSON export. A dataset-level format: one file, an array of tasks, one per image.
 *
 * <h2>The dataset path</h2>
 * A path ending in {@code .json} is the file itself; any other path is a folder holding {@value #DEFAULT_FILE_NAME}.
 *
 * <h2>Writing</h2>
 * Each image becomes a task whose {@code data} holds the image under {@link Settings#dataKey()} as
 * {@link Settings#imagePrefix()} followed by the image's path relative to the dataset folder (URL-encoded after
 * Label Studio's default local-files prefix {@code /data/local-files/?d=}, where the folder must be Label Studio's
 * document root or below it; any other prefix, such as {@code s3://bucket/} or {@code https://host/}, is taken as
 * given). A machine's image ({@link AnnotatedImage#predictedBy()}) goes in as one <em>prediction</em> with
 * {@code model_version} its model and {@code score} its lowest detection score (0 without detections), so Label
 * Studio lists the doubtful first; a person's as one <em>annotation</em>. Each box is a {@code rectanglelabels}
 * region with a unique {@code id}, {@link Settings#fromName()} and {@link Settings#toName()},
 * {@code original_width}/{@code original_height}, {@code image_rotation} 0, its {@code score} when it has one, and
 * {@code value} {@code x}, {@code y}, {@code width}, {@code height} in percent of the displayed image, rotation 0 and
 * the label. Tasks are written to a temporary sibling as images come, and the file appears, complete, only on
 * {@link DatasetWriter#close()}: a reader never sees a partial file.
 *
 * <h2>Reading</h2>
 * A task's most recent annotation that was not cancelled gives a person's image (the latest {@code updated_at},
 * else {@code created_at}; without times, the last in the list); a task with no such annotation but predictions
 * gives the most recent prediction, by the same rule, as the machine's image, with its {@code model_version} and
 * scores. A task with neither is an image with no boxes. The image's size comes from its regions
 * ({@code original_width}, {@code original_height}), or, for a task without regions, from the image file found
 * beside the JSON file. Regions
 * of another type, rotated ones and regions without a label are reported and left out, never silently; a label
 * missing from a non-empty label map is reported and kept. The image path is the data value with the prefix taken
 * off and decoded, resolved against the dataset folder; a URL stays as it is (the image is not on this disk).
 * Reading streams task by task, so memory does not grow with the export.
 */
public final class LabelStudioFormat extends DatasetFileFormat {

    /** The file a dataset folder holds. */
    public static final String DEFAULT_FILE_NAME = "tasks.json";

    /** The region type of a box. */
    private static final String RECTANGLE = "rectanglelabels";

    /**
     * How tasks name their image and regions; they must match the project's labeling config
     * ({@code <Image name="image" value="$image"/>}, {@code <RectangleLabels name="label" toName="image">}).
     *
     * @param imagePrefix put before an image's path relative to the dataset folder
     * @param dataKey the {@code data} key of the image ({@code $image} in the config)
     * @param fromName the {@code RectangleLabels} tag's name
     * @param toName the {@code Image} tag's name
     */
    public record Settings(String imagePrefix, String dataKey, String fromName, String toName) {
        /** Validates. */
        public Settings {
            Objects.requireNonNull(imagePrefix, "imagePrefix");
            for (String s : new String[] {dataKey, fromName, toName}) {
                if (s == null || s.isBlank()) {
                    throw new IllegalArgumentException("dataKey, fromName and toName must not be blank");
                }
            }
        }

        /** Label Studio's local files ({@code /data/local-files/?d=}), {@code image}, {@code label}, {@code image}. */
        public static Settings defaults() {
            return new Settings(LOCAL_FILES, "image", "label", "image");
        }
    }

    /** Label Studio's URL prefix for files under its local-files document root. */
    public static final String LOCAL_FILES = "/data/local-files/?d=";

    private final Settings settings;

    /** The format with {@link Settings#defaults()}, as the service loader makes it. */
    public LabelStudioFormat() {
        this(Settings.defaults());
    }

    /** The format with other settings. */
    public LabelStudioFormat(Settings settings) {
        super(DEFAULT_FILE_NAME, "Label Studio JSON");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return "labelstudio";
    }

    @Override
    public String description() {
        return "Label Studio tasks JSON: predictions and annotations to import, or a project's export";
    }

    // ------------------------------------------------------------------ reading

    @Override
    void readFile(Path file, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        try (BufferedReader text = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            text.mark(1);
            if (text.read() != '\uFEFF') { // a byte order mark, as Windows editors write one, is not JSON
                text.reset();
            }
            JsonReader json = new JsonReader(text);
            json.setStrictness(Strictness.STRICT);
            if (json.peek() != JsonToken.BEGIN_ARRAY) {
                results.accept(ReadResult.failed(new Problem(file, "", "not a Label Studio tasks file: the top"
                        + " level is not an array of tasks")));
                return;
            }
            json.beginArray();
            for (int index = 0; json.hasNext(); index++) {
                JsonElement task = JsonParser.parseReader(json);
                results.accept(task(file, folder, index, task, labels));
            }
            json.endArray();
            if (json.peek() != JsonToken.END_DOCUMENT) {
                results.accept(ReadResult.failed(new Problem(file, "", "text after the array of tasks, which were"
                        + " read; the rest is ignored")));
            }
        } catch (JsonParseException | IllegalStateException | java.io.EOFException
                 | com.google.gson.stream.MalformedJsonException e) {
            results.accept(ReadResult.failed(new Problem(file, "", "not valid JSON: " + DatasetFiles.syntaxMessage(e)
                    + "; the tasks before it were read")));
        } catch (java.nio.charset.MalformedInputException e) {
            results.accept(ReadResult.failed(new Problem(file, "", "not UTF-8 text: " + DatasetFiles.undecodable(file)
                    + "; the tasks before it were read")));
        }
    }

    private ReadResult task(Path file, Path folder, int index, JsonElement element, LabelMap labels) {
        String at = "task " + (index + 1);
        List<Problem> problems = new ArrayList<>();
        try {
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("is not a JSON object");
            }
            JsonObject task = element.getAsJsonObject();
            if (task.has("id")) {
                at = "task " + (index + 1) + " (id " + clean(String.valueOf(task.get("id"))) + ")";
            }
            JsonObject data = task.get("data") instanceof JsonObject d ? d : null;
            if (data == null || !(data.get(settings.dataKey()) instanceof JsonPrimitive value) || !value.isString()) {
                throw new IllegalArgumentException("has no data." + settings.dataKey() + " naming its image");
            }
            String location = imageLocation(data.get(settings.dataKey()).getAsString());
            String fileName = location.substring(location.lastIndexOf('/') + 1);
            if (fileName.isEmpty()) {
                throw new IllegalArgumentException("data." + settings.dataKey() + " '" + location
                        + "' names no file");
            }
            AnnotatedImage.of(fileName, 1, 1, 1, List.of()); // refuses a name no annotation file can hold
            JsonObject chosen = mostRecent(array(task, "annotations"), true);
            boolean human = chosen != null;
            if (chosen == null) {
                chosen = mostRecent(array(task, "predictions"), false);
            }
            String where = at;
            JsonArray regions = chosen == null ? new JsonArray() : array(chosen, "result");
            int[] size = size(regions, file, folder, location, where, problems);
            if (size == null) {
                return new ReadResult(file, Optional.empty(), problems);
            }
            List<Annotation> boxes = new ArrayList<>();
            for (int r = 0; r < regions.size(); r++) {
                region(regions.get(r), size, human, labels, where + ", region " + (r + 1), file, problems)
                        .ifPresent(boxes::add);
            }
            Optional<String> path = Optional.of(isUrl(location) ? location : folder.resolve(location).toString());
            Optional<String> model = Optional.empty();
            if (!human && chosen != null) {
                String version = chosen.get("model_version") instanceof JsonPrimitive v && v.isString()
                        ? v.getAsString().strip().replaceAll("[\r\n]+", " ") : "";
                model = Optional.of(version.isEmpty() ? PreAnnotator.UNNAMED_MODEL : version);
            }
            AnnotatedImage image = new AnnotatedImage(fileName, path, size[0], size[1], 3, boxes, false, Map.of(),
                    model);
            return new ReadResult(file, Optional.of(image), problems);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(file, at, e.getMessage() + "; skipped"));
            return new ReadResult(file, Optional.empty(), problems);
        }
    }

    /**
     * The most recent object of a task's list: the latest {@code updated_at}, else {@code created_at}; one with a
     * time beats one without; between equal or missing times the later in the list. Null when there is none.
     *
     * @param skipCancelled leave out annotations with {@code was_cancelled} true
     */
    static JsonObject mostRecent(JsonArray items, boolean skipCancelled) {
        JsonObject chosen = null;
        Optional<Instant> chosenAt = Optional.empty();
        for (JsonElement item : items) {
            if (!(item instanceof JsonObject o) || skipCancelled && o.get("was_cancelled") instanceof JsonPrimitive c
                    && c.isBoolean() && c.getAsBoolean()) {
                continue;
            }
            Optional<Instant> at = time(o, "updated_at").or(() -> time(o, "created_at"));
            if (chosen == null || at.isPresent() && (chosenAt.isEmpty() || !at.get().isBefore(chosenAt.get()))
                    || at.isEmpty() && chosenAt.isEmpty()) {
                chosen = o;
                chosenAt = at;
            }
        }
        return chosen;
    }

    /** A Label Studio time ({@code 2024-05-01T10:00:00.123456Z}, with an offset, or none: UTC); else empty. */
    private static Optional<Instant> time(JsonObject o, String member) {
        if (!(o.get(member) instanceof JsonPrimitive p) || !p.isString()) {
            return Optional.empty();
        }
        String text = p.getAsString().strip();
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            try {
                return Optional.of(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException notLocal) {
                return Optional.empty();
            }
        }
    }

    /** The image's path or URL from the data value: the prefix taken off and the local-files path decoded. */
    private String imageLocation(String value) {
        String v = value.strip();
        if (!settings.imagePrefix().isEmpty() && v.startsWith(settings.imagePrefix())) {
            String rest = v.substring(settings.imagePrefix().length());
            return settings.imagePrefix().equals(LOCAL_FILES) ? URLDecoder.decode(rest, StandardCharsets.UTF_8)
                    : rest;
        }
        if (v.startsWith(LOCAL_FILES)) {
            return URLDecoder.decode(v.substring(LOCAL_FILES.length()), StandardCharsets.UTF_8);
        }
        return v;
    }

    private static boolean isUrl(String location) {
        return location.contains("://") || location.startsWith("/data/");
    }

    /** {width, height} from the regions, else from the image file; null (with a problem) when neither gives it. */
    private static int[] size(JsonArray regions, Path file, Path folder, String location, String at,
                              List<Problem> problems) {
        for (JsonElement r : regions) {
            if (r instanceof JsonObject o && o.get("original_width") instanceof JsonPrimitive w && w.isNumber()
                    && o.get("original_height") instanceof JsonPrimitive h && h.isNumber()) {
                double width = w.getAsDouble();
                double height = h.getAsDouble();
                if (width >= 1 && height >= 1 && width <= Integer.MAX_VALUE && height <= Integer.MAX_VALUE
                        && width == Math.rint(width) && height == Math.rint(height)) {
                    return new int[] {(int) width, (int) height};
                }
            }
        }
        if (isUrl(location)) {
            problems.add(new Problem(file, at, "no region gives the image size and the image is not on this"
                    + " disk (" + location + "); skipped"));
            return null;
        }
        try {
            Path image = folder.resolve(location);
            try {
                ImageHeader header = Images.probe(image);
                return new int[] {header.width(), header.height()};
            } catch (IOException e) {
                String why = clean(e.getMessage());
                why = why.startsWith(image + ": ") ? why.substring(image.toString().length() + 2) : why;
                problems.add(new Problem(file, at, "no region gives the image size and the image " + location
                        + " cannot be read for it (" + why + "); skipped"));
                return null;
            }
        } catch (InvalidPathException e) {
            problems.add(new Problem(file, at, "no region gives the image size and '" + location + "' is not a"
                    + " path here; skipped"));
            return null;
        }
    }

    private static Optional<Annotation> region(JsonElement element, int[] size, boolean human, LabelMap labels,
                                               String at, Path file, List<Problem> problems) {
        if (!(element instanceof JsonObject r)) {
            problems.add(new Problem(file, at, "is not a JSON object; left out"));
            return Optional.empty();
        }
        String type = r.get("type") instanceof JsonPrimitive t && t.isString() ? t.getAsString() : "";
        if (!type.equals(RECTANGLE)) {
            problems.add(new Problem(file, at, "type '" + clean(type) + "' is not " + RECTANGLE + "; left out"));
            return Optional.empty();
        }
        JsonObject v = r.get("value") instanceof JsonObject o ? o : null;
        if (v == null) {
            problems.add(new Problem(file, at, "has no value; left out"));
            return Optional.empty();
        }
        double rotation = number(v, "rotation", 0);
        if (rotation != 0) {
            problems.add(new Problem(file, at, "is rotated by " + rotation + " degrees, which a box cannot hold;"
                    + " left out"));
            return Optional.empty();
        }
        JsonArray names = v.get(RECTANGLE) instanceof JsonArray a ? a : new JsonArray();
        if (names.isEmpty() || !(names.get(0) instanceof JsonPrimitive n) || !n.isString()
                || n.getAsString().isEmpty()) {
            problems.add(new Problem(file, at, "has no label; left out"));
            return Optional.empty();
        }
        String label = names.get(0).getAsString();
        if (names.size() > 1) {
            problems.add(new Problem(file, at, "has " + names.size() + " labels; kept as '" + label + "'"));
        }
        if (!labels.isEmpty() && labels.idOf(label).isEmpty()) {
            problems.add(new Problem(file, at, "label '" + label + "' is not in the label map " + labels.names()
                    + "; kept"));
        }
        double x = number(v, "x", Double.NaN);
        double y = number(v, "y", Double.NaN);
        double w = number(v, "width", Double.NaN);
        double h = number(v, "height", Double.NaN);
        if (!(Double.isFinite(x) && Double.isFinite(y) && Double.isFinite(w) && Double.isFinite(h)) || w < 0
                || h < 0) {
            problems.add(new Problem(file, at, "x, y, width and height must be numbers, the sizes not negative;"
                    + " left out"));
            return Optional.empty();
        }
        try {
            BoundingBox box = BoundingBox.of(pixel(x, size[0]), pixel(y, size[1]), pixel(x + w, size[0]),
                    pixel(y + h, size[1]));
            OptionalDouble score = OptionalDouble.empty();
            if (!human && r.get("score") instanceof JsonPrimitive s && s.isNumber()
                    && s.getAsDouble() >= 0 && s.getAsDouble() <= 1) {
                score = OptionalDouble.of(s.getAsDouble());
            }
            return Optional.of(new Annotation(label, box, score, false, false, Annotation.UNSPECIFIED_POSE,
                    Map.of()));
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(file, at, e.getMessage() + "; left out"));
            return Optional.empty();
        }
    }

    /**
     * A percentage of a side in pixels. Percentages carry floating-point rounding (a box written at pixel 30 comes
     * back as 29.999999999996), and VOC truncates to whole pixels: a value within a millionth of a pixel of a whole
     * pixel is that pixel, so whole-pixel boxes survive a trip through Label Studio exactly.
     */
    private static double pixel(double percent, int side) {
        double v = percent / 100 * side;
        double whole = Math.rint(v);
        return Math.abs(v - whole) < 1e-6 ? whole : v;
    }

    private static JsonArray array(JsonObject o, String member) {
        return o.get(member) instanceof JsonArray a ? a : new JsonArray();
    }

    private static double number(JsonObject o, String member, double fallback) {
        return o.get(member) instanceof JsonPrimitive p && p.isNumber() ? p.getAsDouble() : fallback;
    }


    // ------------------------------------------------------------------ writing

    @Override
    DatasetWriter openFileWriter(Path file, LabelMap labels) throws IOException {
        return new Writer(file);
    }

    /**
     * Spills each task, as it comes, as the array's next element (the comma before it, indented one level); the
     * document is the array around them: the bytes Gson's {@link JsonWriter} writes for the whole array at once.
     */
    private final class Writer extends SpillWriter {
        private int tasks;

        Writer(Path file) throws IOException {
            super(file, "Label Studio");
        }

        @Override
        void spill(String relative, AnnotatedImage image, OutputStream spill) throws IOException {
            int task = ++tasks;
            StringWriter text = new StringWriter();
            JsonWriter json = new JsonWriter(text);
            json.setIndent(" ");
            json.beginObject();
            json.name("data").beginObject().name(settings.dataKey()).value(settings.imagePrefix()
                    + (settings.imagePrefix().equals(LOCAL_FILES) ? encode(relative) : relative)).endObject();
            boolean machine = image.predictedBy().isPresent();
            json.name(machine ? "predictions" : "annotations").beginArray();
            writePrediction(json, image, settings, "t" + task + "r");
            json.endArray();
            json.endObject();
            json.close();
            StringBuilder element = new StringBuilder(task == 1 ? "\n" : ",\n");
            text.toString().lines().forEach(l -> element.append(' ').append(l).append('\n'));
            element.setLength(element.length() - 1); // the array's own line break follows, or the next comma
            spill.write(element.toString().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        void writeDocument(Path spill, OutputStream out) throws IOException {
            out.write('[');
            Files.copy(spill, out);
            if (tasks > 0) {
                out.write('\n');
            }
            out.write(']');
        }
    }

    /**
     * One prediction (a machine's image: {@code model_version}, {@code score} its lowest detection score, 0 without
     * detections) or annotation (a person's) object with its {@code result} regions, as a task holds it and as an
     * ML backend answers {@code /predict} (annotate-serve's does). Region ids are {@code idPrefix} and 1, 2, ...
     *
     * @param json where the object is written, as the next value
     * @param image the boxes, in the image's pixels; written in percent of its size
     * @param settings the names the regions carry ({@code from_name}, {@code to_name})
     * @param idPrefix what each region's {@code id} starts with, unique within the task
     * @throws IOException what the writer throws
     */
    public static void writePrediction(JsonWriter json, AnnotatedImage image, Settings settings, String idPrefix)
            throws IOException {
        image = image.fitted();
        boolean machine = image.predictedBy().isPresent();
        json.beginObject();
        if (machine) {
            json.name("model_version").value(image.predictedBy().get());
            json.name("score").value(image.lowestConfidence());
        }
        json.name("result").beginArray();
        int k = 0;
        for (Annotation a : image.annotations()) {
            BoundingBox b = a.box();
            json.beginObject();
            json.name("id").value(idPrefix + (++k));
            json.name("type").value(RECTANGLE);
            json.name("from_name").value(settings.fromName());
            json.name("to_name").value(settings.toName());
            json.name("original_width").value(image.width());
            json.name("original_height").value(image.height());
            json.name("image_rotation").value(0);
            if (machine && a.confidence().isPresent()) {
                json.name("score").value(a.confidence().getAsDouble());
            }
            json.name("value").beginObject();
            json.name("x").value(100 * b.xmin() / image.width());
            json.name("y").value(100 * b.ymin() / image.height());
            json.name("width").value(100 * (b.xmax() - b.xmin()) / image.width());
            json.name("height").value(100 * (b.ymax() - b.ymin()) / image.height());
            json.name("rotation").value(0);
            json.name(RECTANGLE).beginArray().value(a.label()).endArray();
            json.endObject();
            json.endObject();
        }
        json.endArray();
        json.endObject();
    }

    /** A path as Label Studio's local-files URL parameter: each segment URL-encoded, the slashes kept. */
    private static String encode(String relative) {
        StringBuilder sb = new StringBuilder();
        for (String segment : relative.split("/", -1)) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }
}
