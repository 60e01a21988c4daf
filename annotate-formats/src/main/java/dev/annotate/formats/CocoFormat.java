package dev.annotate.formats;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
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
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * COCO object-detection JSON: one file for the whole dataset with {@code images}, {@code annotations} and
 * {@code categories}, as the COCO dataset, pycocotools, Detectron2 and TF's {@code create_coco_tf_record.py}
 * read it. Registered as {@code coco}; a per-dataset format, so it converts ({@code convert --to coco}) but the
 * pre-annotation pipeline, which writes one file per image, cannot write it.
 *
 * <h2>The dataset path</h2>
 * A path ending in {@code .json} is the file itself; any other path is a folder holding
 * {@value #DEFAULT_FILE_NAME}. An image's {@code file_name} is its path relative to the file's folder, with
 * {@code /} separators ({@code train/0001.jpg}); reading records {@link AnnotatedImage#path()} resolved against
 * that folder and {@link AnnotatedImage#fileName()} as its last segment.
 *
 * <h2>Mapping</h2>
 * <ul>
 *   <li>{@code bbox} is {@code [x, y, width, height]} in pixels from the top-left corner, the same continuous
 *       frame as {@link BoundingBox}; {@code area} is written as {@code width * height}; {@code iscrowd} 0.</li>
 *   <li>A prediction's confidence is written as {@code score}, as COCO result files carry it, and read back.</li>
 *   <li>{@code difficult}, {@code truncated} and a pose other than {@code Unspecified} are written, only when
 *       set, in an {@code attributes} object (the place CVAT's COCO export uses for per-object attributes).</li>
 *   <li>Category ids come from the label map given when it names the label; other labels get the next free ids
 *       in name order. Every category of the label map is written, so ids stay stable across files.</li>
 *   <li>Members this codec does not model ({@code license}, {@code coco_url}, a non-empty
 *       {@code segmentation}, a non-zero {@code iscrowd}, ...) are kept as extras under {@code coco:<member>}
 *       holding their JSON text, and written back. Image depth and LabelImg's verified flag have no place in
 *       COCO: reading gives depth 3 and unverified. Ids are renumbered from 1 on writing.</li>
 * </ul>
 *
 * <h2>Reading is lenient</h2>
 * A file that is not JSON, or has no {@code images} array, gives one failed {@link ReadResult} naming the file
 * and, for syntax errors, the line and column. Otherwise every usable image gives a result; a broken image entry
 * gives a failed result, and a broken annotation, an annotation of an unknown image or an unknown category is a
 * {@link Problem} at {@code annotations[i]} (an unknown category is kept as {@code id N}). Writing collects the
 * images and writes the file atomically on {@link DatasetWriter#close()}, sorted by image path, so the file does
 * not depend on the order images came in.
 */
public final class CocoFormat implements AnnotationFormat {

    /** The file name used when the dataset path is a folder. */
    public static final String DEFAULT_FILE_NAME = "annotations.json";

    /** Prefix of the {@code extras} keys holding unmodelled members. */
    public static final String EXTRA_PREFIX = "coco:";

    private static final Set<String> IMAGE_MEMBERS = Set.of("id", "file_name", "width", "height");
    private static final Set<String> ANNOTATION_MEMBERS =
            Set.of("id", "image_id", "category_id", "bbox", "area", "score", "attributes");
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    @Override
    public String name() {
        return "coco";
    }

    @Override
    public String description() {
        return "COCO JSON, one file for the dataset (images, annotations, categories)";
    }

    /** The JSON file of a dataset path: the path itself if it ends in {@code .json}, else the default file in it. */
    public static Path file(Path dataset) {
        return dataset.getFileName() != null
                && dataset.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                ? dataset : dataset.resolve(DEFAULT_FILE_NAME);
    }

    @Override
    public void read(Path dataset, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        Path file = file(dataset);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no COCO JSON file here");
        }
        JsonElement root;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonReader reader = new JsonReader(in);
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("more content after the top-level value at " + reader.getPath());
            }
        } catch (JsonParseException | IOException e) {
            results.accept(ReadResult.failed(new Problem(file, "", "not valid JSON: " + e.getMessage())));
            return;
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("images")
                || !root.getAsJsonObject().get("images").isJsonArray()) {
            results.accept(ReadResult.failed(new Problem(file, "", "no \"images\" array at the top level: not a COCO"
                    + " dataset file")));
            return;
        }
        new Reading(file, root.getAsJsonObject(), labels, results).run();
    }

    /** One file's reading: categories, then annotations grouped by image, then one result per image. */
    private static final class Reading {
        private final Path file;
        private final JsonObject root;
        private final LabelMap labels;
        private final Consumer<ReadResult> results;
        private final Map<Long, String> categories = new HashMap<>();
        private final Map<Long, List<Annotation>> boxes = new HashMap<>();
        private final Map<Long, List<Problem>> problems = new HashMap<>();

        Reading(Path file, JsonObject root, LabelMap labels, Consumer<ReadResult> results) {
            this.file = file;
            this.root = root;
            this.labels = labels;
            this.results = results;
        }

        void run() {
            readCategories();
            Map<Long, Integer> imageIds = new HashMap<>();
            JsonArray images = root.getAsJsonArray("images");
            for (int i = 0; i < images.size(); i++) {
                JsonElement e = images.get(i);
                if (e.isJsonObject() && e.getAsJsonObject().get("id") instanceof JsonPrimitive p && p.isNumber()
                        && isInteger(p.getAsDouble())) {
                    imageIds.putIfAbsent(p.getAsLong(), i);
                }
            }
            readAnnotations(imageIds);
            Set<Long> seen = new TreeSet<>();
            for (int i = 0; i < images.size(); i++) {
                String at = "images[" + i + "]";
                try {
                    JsonObject o = object(images.get(i));
                    long id = integer(o, "id");
                    if (!seen.add(id)) {
                        throw new IllegalArgumentException("id " + id + " is used by an earlier image; skipped");
                    }
                    results.accept(image(o, id));
                } catch (IllegalArgumentException e) {
                    results.accept(ReadResult.failed(new Problem(file, at, e.getMessage())));
                }
            }
        }

        private ReadResult image(JsonObject o, long id) {
            String name = string(o, "file_name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("\"file_name\" is empty");
            }
            long w = integer(o, "width");
            long h = integer(o, "height");
            if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("size " + w + "x" + h + " is not a positive image size");
            }
            String fileName = name.substring(name.lastIndexOf('/') + 1);
            if (fileName.isEmpty()) {
                throw new IllegalArgumentException("\"file_name\" '" + name + "' ends with '/'");
            }
            Path folder = file.toAbsolutePath().getParent();
            AnnotatedImage image = new AnnotatedImage(fileName, Optional.of(folder.resolve(name).toString()),
                    (int) w, (int) h, 3, boxes.getOrDefault(id, List.of()), false, extras(o, IMAGE_MEMBERS));
            return new ReadResult(file, Optional.of(image), problems.getOrDefault(id, List.of()));
        }

        /** A top-level array, or an empty one when the file has none (COCO result-style files lack some). */
        private JsonArray array(String member) {
            return root.get(member) instanceof JsonArray a ? a : new JsonArray();
        }

        private void readCategories() {
            JsonArray array = array("categories");
            for (int i = 0; i < array.size(); i++) {
                String at = "categories[" + i + "]";
                try {
                    JsonObject o = object(array.get(i));
                    long id = integer(o, "id");
                    String name = string(o, "name");
                    if (name.isEmpty()) {
                        throw new IllegalArgumentException("\"name\" is empty");
                    }
                    if (categories.putIfAbsent(id, name) != null) {
                        throw new IllegalArgumentException("id " + id + " is used by an earlier category");
                    }
                } catch (IllegalArgumentException e) {
                    results.accept(ReadResult.failed(new Problem(file, at, "skipped: " + e.getMessage())));
                }
            }
        }

        private void readAnnotations(Map<Long, Integer> imageIds) {
            JsonArray array = array("annotations");
            for (int i = 0; i < array.size(); i++) {
                String at = "annotations[" + i + "]";
                Long imageId = null;
                try {
                    JsonObject o = object(array.get(i));
                    imageId = integer(o, "image_id");
                    if (!imageIds.containsKey(imageId)) {
                        long unknown = imageId;
                        imageId = null;
                        throw new IllegalArgumentException("image_id " + unknown + " is not an image of the file");
                    }
                    boxes.computeIfAbsent(imageId, k -> new ArrayList<>()).add(annotation(o, imageId, at));
                } catch (IllegalArgumentException e) {
                    Problem p = new Problem(file, at, "skipped: " + e.getMessage());
                    if (imageId == null) {
                        results.accept(ReadResult.failed(p));
                    } else {
                        problems.computeIfAbsent(imageId, k -> new ArrayList<>()).add(p);
                    }
                }
            }
        }

        private Annotation annotation(JsonObject o, long imageId, String at) {
            long category = integer(o, "category_id");
            String label = categories.get(category);
            if (label == null && category >= 0 && category <= Integer.MAX_VALUE) {
                label = labels.byId((int) category).map(LabelMap.Entry::name).orElse(null);
            }
            if (label == null) {
                label = "id " + category;
                problems.computeIfAbsent(imageId, k -> new ArrayList<>()).add(new Problem(file, at,
                        "category_id " + category + " is not in \"categories\"; named '" + label + "'"));
            }
            JsonElement bbox = o.get("bbox");
            if (bbox == null || !bbox.isJsonArray() || bbox.getAsJsonArray().size() != 4) {
                throw new IllegalArgumentException("\"bbox\" must be an array [x, y, width, height]");
            }
            double[] b = new double[4];
            for (int k = 0; k < 4; k++) {
                JsonElement v = bbox.getAsJsonArray().get(k);
                if (!(v instanceof JsonPrimitive p) || !p.isNumber() || !Double.isFinite(p.getAsDouble())) {
                    throw new IllegalArgumentException("\"bbox\" " + bbox + " must hold four finite numbers");
                }
                b[k] = p.getAsDouble();
            }
            if (b[2] < 0 || b[3] < 0) {
                throw new IllegalArgumentException("\"bbox\" " + bbox + " has a negative width or height");
            }
            OptionalDouble score = OptionalDouble.empty();
            if (o.has("score")) {
                double s = number(o, "score");
                if (!(s >= 0 && s <= 1)) {
                    throw new IllegalArgumentException("\"score\" " + s + " is not in [0, 1]");
                }
                score = OptionalDouble.of(s);
            }
            boolean difficult = false;
            boolean truncated = false;
            String pose = Annotation.UNSPECIFIED_POSE;
            Map<String, String> extras = extras(o, ANNOTATION_MEMBERS);
            if (o.get("attributes") instanceof JsonObject attributes) {
                difficult = flag(attributes, "difficult");
                truncated = flag(attributes, "truncated");
                if (attributes.has("pose")) {
                    pose = string(attributes, "pose");
                }
                JsonObject rest = attributes.deepCopy();
                List.of("difficult", "truncated", "pose").forEach(rest::remove);
                if (!rest.isEmpty()) {
                    extras.put(EXTRA_PREFIX + "attributes", GSON.toJson(rest));
                }
            } else if (o.has("attributes")) {
                extras.put(EXTRA_PREFIX + "attributes", GSON.toJson(o.get("attributes")));
            }
            BoundingBox box = new BoundingBox(b[0], b[1], b[0] + b[2], b[1] + b[3]);
            return new Annotation(label, box, score, difficult, truncated, pose, extras);
        }

        private boolean flag(JsonObject o, String member) {
            JsonElement v = o.get(member);
            if (v == null) {
                return false;
            }
            if (v instanceof JsonPrimitive p && p.isBoolean()) {
                return p.getAsBoolean();
            }
            if (v instanceof JsonPrimitive p && p.isNumber() && (p.getAsDouble() == 0 || p.getAsDouble() == 1)) {
                return p.getAsDouble() == 1;
            }
            throw new IllegalArgumentException("attributes." + member + " " + v + " is not true, false, 0 or 1");
        }
    }

    private static JsonObject object(JsonElement e) {
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("expected an object, found " + abbreviate(e));
        }
        return e.getAsJsonObject();
    }

    private static double number(JsonObject o, String member) {
        return primitive(o, member, "a number", JsonPrimitive::isNumber).getAsDouble();
    }

    private static long integer(JsonObject o, String member) {
        double d = number(o, member);
        if (!isInteger(d)) {
            throw new IllegalArgumentException("\"" + member + "\" " + o.get(member) + " must be an integer");
        }
        return o.get(member).getAsLong();
    }

    private static boolean isInteger(double d) {
        return d == Math.rint(d) && Math.abs(d) < 0x1p53;
    }

    private static String string(JsonObject o, String member) {
        return primitive(o, member, "a string", JsonPrimitive::isString).getAsString();
    }

    /** The member as a JSON primitive of the kind {@code is} accepts, else an error saying what was found. */
    private static JsonPrimitive primitive(JsonObject o, String member, String kind,
                                           java.util.function.Predicate<JsonPrimitive> is) {
        JsonElement v = o.get(member);
        if (!(v instanceof JsonPrimitive p) || !is.test(p)) {
            throw new IllegalArgumentException("\"" + member + "\" must be " + kind + ", found "
                    + (v == null ? "nothing" : abbreviate(v)));
        }
        return p;
    }

    private static String abbreviate(JsonElement e) {
        String s = GSON.toJson(e);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** Members outside {@code known}, as {@code coco:<member>} extras holding their JSON text. */
    private static Map<String, String> extras(JsonObject o, Set<String> known) {
        Map<String, String> extras = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (!known.contains(e.getKey()) && !isDefault(e.getKey(), e.getValue())) {
                extras.put(EXTRA_PREFIX + e.getKey(), GSON.toJson(e.getValue()));
            }
        }
        return extras;
    }

    /** The members this codec writes by itself when they hold these values. */
    private static boolean isDefault(String member, JsonElement value) {
        return switch (member) {
            case "iscrowd" -> value instanceof JsonPrimitive p && p.isNumber() && p.getAsDouble() == 0;
            case "segmentation" -> value.isJsonArray() && value.getAsJsonArray().isEmpty();
            default -> false;
        };
    }

    @Override
    public DatasetWriter openWriter(Path dataset, LabelMap labels) throws IOException {
        Path file = file(dataset).toAbsolutePath();
        Files.createDirectories(file.getParent());
        return new DatasetWriter() {
            private final Map<String, AnnotatedImage> images = new TreeMap<>();

            @Override
            public synchronized void write(String relativeImagePath, AnnotatedImage image) {
                String name = relativeImagePath.replace('\\', '/');
                Path resolved = file.getParent().resolve(name).normalize();
                if (name.isEmpty() || name.startsWith("/") || !resolved.startsWith(file.getParent())) {
                    throw new IllegalArgumentException("relativeImagePath '" + relativeImagePath
                            + "' is not a path inside the dataset folder " + file.getParent());
                }
                String key = file.getParent().relativize(resolved).toString().replace('\\', '/');
                if (images.putIfAbsent(key, image) != null) {
                    throw new IllegalArgumentException(file + ": two images for '" + key + "'");
                }
            }

            @Override
            public synchronized void close() throws IOException {
                JsonObject json = document(images, labels);
                AtomicFiles.write(file, out -> {
                    Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                    JsonWriter writer = new JsonWriter(w);
                    GSON.toJson(json, writer);
                    writer.flush();
                });
            }
        };
    }

    /** The whole COCO document for these images, keyed and sorted by their relative path. */
    private static JsonObject document(Map<String, AnnotatedImage> images, LabelMap labels) {
        Map<String, Long> ids = new LinkedHashMap<>();
        labels.entries().forEach(entry -> ids.put(entry.name(), (long) entry.id()));
        long next = ids.values().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
        Set<String> unknown = new TreeSet<>();
        images.values().forEach(i -> i.annotations().forEach(a -> {
            if (!ids.containsKey(a.label())) {
                unknown.add(a.label());
            }
        }));
        for (String label : unknown) {
            ids.put(label, next++);
        }
        JsonArray imageArray = new JsonArray();
        JsonArray annotationArray = new JsonArray();
        long imageId = 0;
        long annotationId = 0;
        for (Map.Entry<String, AnnotatedImage> e : images.entrySet()) {
            AnnotatedImage image = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("id", ++imageId);
            o.addProperty("file_name", e.getKey());
            o.addProperty("width", image.width());
            o.addProperty("height", image.height());
            putExtras(o, image.extras(), IMAGE_MEMBERS);
            imageArray.add(o);
            for (Annotation a : image.annotations()) {
                annotationArray.add(annotation(a, ++annotationId, imageId, ids.get(a.label())));
            }
        }
        JsonArray categories = new JsonArray();
        ids.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(c -> {
            JsonObject o = new JsonObject();
            o.addProperty("id", c.getValue());
            o.addProperty("name", c.getKey());
            o.addProperty("supercategory", "none");
            categories.add(o);
        });
        JsonObject info = new JsonObject();
        info.addProperty("description", "written by annotate (dev.annotate)");
        JsonObject root = new JsonObject();
        root.add("info", info);
        root.add("licenses", new JsonArray());
        root.add("images", imageArray);
        root.add("annotations", annotationArray);
        root.add("categories", categories);
        return root;
    }

    private static JsonObject annotation(Annotation a, long id, long imageId, long categoryId) {
        BoundingBox b = a.box();
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("image_id", imageId);
        o.addProperty("category_id", categoryId);
        JsonArray bbox = new JsonArray();
        bbox.add(b.xmin());
        bbox.add(b.ymin());
        bbox.add(b.width());
        bbox.add(b.height());
        o.add("bbox", bbox);
        o.addProperty("area", b.area());
        o.addProperty("iscrowd", 0);
        a.confidence().ifPresent(s -> o.addProperty("score", s));
        JsonObject attributes = new JsonObject();
        Map<String, String> rest = new LinkedHashMap<>(a.extras());
        String raw = rest.get(EXTRA_PREFIX + "attributes");
        if (raw != null && parse(raw) instanceof JsonObject kept) {
            kept.entrySet().forEach(m -> attributes.add(m.getKey(), m.getValue()));
            rest.remove(EXTRA_PREFIX + "attributes");
        }
        if (a.difficult()) {
            attributes.addProperty("difficult", true);
        }
        if (a.truncated()) {
            attributes.addProperty("truncated", true);
        }
        if (!a.pose().equals(Annotation.UNSPECIFIED_POSE)) {
            attributes.addProperty("pose", a.pose());
        }
        if (!attributes.isEmpty()) {
            o.add("attributes", attributes);
            rest.remove(EXTRA_PREFIX + "attributes");
        }
        putExtras(o, rest, ANNOTATION_MEMBERS);
        return o;
    }

    /**
     * Writes back {@code coco:} extras (their JSON, or a string if the text is not JSON), except members this codec
     * writes itself ({@code known}); other formats' extras are dropped.
     */
    private static void putExtras(JsonObject o, Map<String, String> extras, Set<String> known) {
        extras.forEach((key, raw) -> {
            String member = key.substring(Math.min(key.length(), EXTRA_PREFIX.length()));
            if (key.startsWith(EXTRA_PREFIX) && !member.isEmpty() && !known.contains(member)) {
                JsonElement value = parse(raw);
                o.add(member, value == null ? new JsonPrimitive(raw) : value);
            }
        });
    }

    /** {@code raw} parsed strictly, or null if it is not one JSON value. */
    private static JsonElement parse(String raw) {
        try {
            JsonReader reader = new JsonReader(new StringReader(raw));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            return reader.peek() == JsonToken.END_DOCUMENT ? e : null;
        } catch (JsonParseException | IOException e) {
            return null;
        }
    }
}
