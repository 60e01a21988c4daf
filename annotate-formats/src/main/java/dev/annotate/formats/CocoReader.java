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
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Reading a COCO file ({@link CocoFormat}): a first streaming pass ({@code Scan}) that checks the syntax and keeps
 * the image entries and, per annotation, only its image id; then passes over chunks of images ({@code Reading}).
 */
final class CocoReader {

    private CocoReader() {
    }

    /** Reads {@code file}, an existing regular file, giving each image's result to {@code results}. */
    static void read(Path file, LabelMap labels, Consumer<ReadResult> results, long chunkChars) throws IOException {
        Scan scan;
        try {
            scan = Scan.of(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            results.accept(ReadResult.failed(new Problem(file, "", "not UTF-8 text: " + DatasetFiles.undecodable(file))));
            return;
        } catch (JsonParseException | IOException e) {
            results.accept(ReadResult.failed(new Problem(file, "", "not valid JSON: " + DatasetFiles.syntaxMessage(e))));
            return;
        }
        if (scan.images == null) {
            results.accept(ReadResult.failed(new Problem(file, "", "no \"images\" array at the top level: not a COCO"
                    + " dataset file")));
            return;
        }
        new Reading(file, scan, labels, results, chunkChars).run();
    }

    /** Opens {@code file} for strict streaming. */
    private static JsonReader open(CountingReader counter) {
        JsonReader reader = new JsonReader(counter);
        reader.setStrictness(Strictness.STRICT);
        return reader;
    }

    /** Characters read so far from the file, for the size of each annotation's JSON. */
    private static final class CountingReader extends java.io.FilterReader {
        long count;

        CountingReader(java.io.Reader in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            count += c < 0 ? 0 : 1;
            return c;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count += Math.max(0, n);
            return n;
        }
    }

    /**
     * The first pass over a file: the whole syntax checked, the categories kept, each image entry kept as its
     * compact JSON text with its id (about the size of the entry in the file: a few hundred bytes), and of each
     * annotation only its image id and the size of its JSON, so that memory holds no annotation yet. When a
     * top-level member appears twice, the last one counts, as in a parse tree.
     */
    private static final class Scan {
        /** Image id of an annotation whose image id is unusable. */
        static final long NO_IMAGE = Long.MIN_VALUE;

        JsonArray categories = new JsonArray();
        /** The image entries' JSON text, or null when the file has no {@code images} array. */
        List<String> images;
        long[] imageIdOf = new long[0];
        int annotationsOccurrence = -1;
        long[] annotationImage = new long[0];
        int[] annotationChars = new int[0];
        int annotations;

        static Scan of(Path file) throws IOException {
            Scan scan = new Scan();
            try (CountingReader counter = new CountingReader(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
                JsonReader r = open(counter);
                if (r.peek() != JsonToken.BEGIN_OBJECT) {
                    r.skipValue();
                    end(r);
                    return scan;
                }
                r.beginObject();
                for (int member = 0; r.hasNext(); member++) {
                    String name = r.nextName();
                    boolean array = r.peek() == JsonToken.BEGIN_ARRAY;
                    if (name.equals("images")) {
                        scan.images = null;
                        if (array) {
                            scan.images = new ArrayList<>();
                            r.beginArray();
                            while (r.hasNext()) {
                                JsonElement e = JsonParser.parseReader(r);
                                if (scan.images.size() == scan.imageIdOf.length) {
                                    scan.imageIdOf = java.util.Arrays.copyOf(scan.imageIdOf,
                                            Math.max(16, scan.imageIdOf.length * 2));
                                }
                                scan.imageIdOf[scan.images.size()] = integer(e instanceof JsonObject o ? o.get("id")
                                        : null);
                                scan.images.add(CocoFormat.Json.GSON.toJson(e));
                            }
                            r.endArray();
                        } else {
                            r.skipValue();
                        }
                    } else if (name.equals("annotations")) {
                        scan.annotations = 0;
                        scan.annotationsOccurrence = member;
                        scan.notArray(name, array, r);
                        if (array) {
                            r.beginArray();
                            while (r.hasNext()) {
                                long before = counter.count;
                                long imageId = imageIdOf(r);
                                scan.add(imageId, (int) Math.min(Integer.MAX_VALUE, counter.count - before));
                            }
                            r.endArray();
                        } else {
                            r.skipValue();
                        }
                    } else if (name.equals("categories")) {
                        scan.notArray(name, array, r);
                        scan.categories = array ? JsonParser.parseReader(r).getAsJsonArray() : new JsonArray();
                        if (!array) {
                            r.skipValue();
                        }
                    } else {
                        r.skipValue();
                    }
                }
                r.endObject();
                end(r);
            }
            return scan;
        }

        /** Top-level members that are there but not arrays, with what they are: reported, then ignored. */
        final Map<String, String> notArrays = new java.util.TreeMap<>();

        void notArray(String member, boolean array, JsonReader r) throws IOException {
            if (array) {
                notArrays.remove(member);
            } else {
                notArrays.put(member, switch (r.peek()) {
                    case BEGIN_OBJECT -> "an object";
                    case STRING -> "a string";
                    case NUMBER -> "a number";
                    case BOOLEAN -> "a boolean";
                    default -> "null";
                });
            }
        }

        private static void end(JsonReader r) throws IOException {
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("more content after the top-level value at " + r.getPath());
            }
        }

        /**
         * The next annotation's image id, or {@link #NO_IMAGE}, read without building the annotation: every other
         * member (a polygon of hundreds of numbers, say) is skipped. The last {@code image_id} counts, as in a
         * parse tree.
         */
        private static long imageIdOf(JsonReader r) throws IOException {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                r.skipValue();
                return NO_IMAGE;
            }
            long id = NO_IMAGE;
            r.beginObject();
            while (r.hasNext()) {
                if (r.nextName().equals("image_id")) {
                    id = integer(JsonParser.parseReader(r));
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            return id;
        }

        /** An id's value as a long, or {@link #NO_IMAGE} when it is not an integer. */
        private static long integer(JsonElement v) {
            return v instanceof JsonPrimitive p && p.isNumber() && isInteger(p.getAsDouble()) ? p.getAsLong()
                    : NO_IMAGE;
        }

        private void add(long imageId, int chars) {
            if (annotations == annotationImage.length) {
                int size = Math.max(16, annotations * 2);
                annotationImage = java.util.Arrays.copyOf(annotationImage, size);
                annotationChars = java.util.Arrays.copyOf(annotationChars, size);
            }
            annotationImage[annotations] = imageId;
            annotationChars[annotations++] = chars;
        }
    }

    /**
     * One file's reading after its {@link Scan}: categories, then the images in chunks of consecutive entries
     * whose annotations' JSON adds up to about {@code chunkChars}, each chunk with one more streaming pass that
     * parses only its own annotations. Memory holds one chunk's annotations, whatever the file's size; a file
     * whose annotations fit one chunk (most) is read twice in all.
     */
    private static final class Reading {
        private final Path file;
        private final Scan scan;
        private final LabelMap labels;
        private final Consumer<ReadResult> results;
        private final long chunkChars;
        private final Map<Long, String> categories = new HashMap<>();
        private final Map<Long, List<Annotation>> boxes = new HashMap<>();
        private final Map<Long, List<Problem>> problems = new HashMap<>();
        /** Each image id's first entry, for any entry with an integer id, as annotations find their image. */
        private final Map<Long, Integer> imageIds = new HashMap<>();

        Reading(Path file, Scan scan, LabelMap labels, Consumer<ReadResult> results, long chunkChars) {
            this.file = file;
            this.scan = scan;
            this.labels = labels;
            this.results = results;
            this.chunkChars = chunkChars;
        }

        void run() throws IOException {
            scan.notArrays.forEach((member, found) -> results.accept(ReadResult.failed(new Problem(file, "",
                    "\"" + member + "\" is " + found + ", not an array; ignored"))));
            readCategories();
            List<String> images = scan.images;
            for (int i = 0; i < images.size(); i++) {
                if (scan.imageIdOf[i] != Scan.NO_IMAGE) {
                    imageIds.putIfAbsent(scan.imageIdOf[i], i);
                }
            }
            Map<Long, Long> charsPerImage = new HashMap<>();
            for (int i = 0; i < scan.annotations; i++) {
                if (imageIds.containsKey(scan.annotationImage[i])) {
                    charsPerImage.merge(scan.annotationImage[i], (long) scan.annotationChars[i], Long::sum);
                }
            }
            Set<Long> seen = new java.util.HashSet<>();
            int from = 0;
            boolean first = true;
            while (from < images.size() || first) {
                int to = from;
                long chars = 0;
                Set<Long> chunk = new java.util.HashSet<>();
                while (to < images.size() && (to == from || chars < chunkChars)) {
                    long id = scan.imageIdOf[to];
                    Integer owner = imageIds.get(id);
                    if (owner != null && owner == to) {
                        chunk.add(id);
                        chars += charsPerImage.getOrDefault(id, 0L);
                    }
                    to++;
                }
                if (first || !chunk.isEmpty()) {
                    readAnnotations(chunk, first);
                }
                for (int i = from; i < to; i++) {
                    emit(JsonParser.parseString(images.get(i)), i, seen);
                }
                boxes.clear();
                problems.clear();
                from = to;
                first = false;
            }
        }

        private void emit(JsonElement element, int i, Set<Long> seen) {
            String at = "images[" + i + "]";
            try {
                JsonObject o = object(element);
                long id = integer(o, "id");
                if (!seen.add(id)) {
                    throw new IllegalArgumentException("id " + id + " is used by an earlier image; skipped");
                }
                results.accept(image(o, id));
            } catch (IllegalArgumentException e) {
                results.accept(ReadResult.failed(new Problem(file, at, e.getMessage())));
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
                    (int) w, (int) h, 3, boxes.getOrDefault(id, List.of()), false, extras(o, CocoFormat.IMAGE_MEMBERS));
            return new ReadResult(file, Optional.of(machineMarked(image, o.get(CocoFormat.MARK_MEMBER))),
                    problems.getOrDefault(id, List.of()));
        }

        private void readCategories() {
            JsonArray array = scan.categories;
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

        /**
         * One streaming pass: the annotations of the images in {@code chunk} become boxes and problems; with
         * {@code reportOrphans}, those of no image of the file become failed results.
         */
        private void readAnnotations(Set<Long> chunk, boolean reportOrphans) throws IOException {
            if (scan.annotationsOccurrence < 0) {
                return;
            }
            try (CountingReader counter = new CountingReader(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
                JsonReader r = open(counter);
                r.beginObject();
                for (int member = 0; r.hasNext(); member++) {
                    r.nextName();
                    if (member != scan.annotationsOccurrence || r.peek() != JsonToken.BEGIN_ARRAY) {
                        r.skipValue();
                        continue;
                    }
                    r.beginArray();
                    for (int i = 0; r.hasNext(); i++) {
                        if (i >= scan.annotations) {
                            throw new IOException(file + " changed while it was being read");
                        }
                        long imageId = scan.annotationImage[i];
                        boolean orphan = imageId == Scan.NO_IMAGE || !imageIds.containsKey(imageId);
                        if (orphan ? reportOrphans : chunk.contains(imageId)) {
                            readAnnotation(JsonParser.parseReader(r), i);
                        } else {
                            r.skipValue();
                        }
                    }
                    r.endArray();
                    return;
                }
            } catch (JsonParseException e) {
                throw new IOException(file + " changed while it was being read: " + e.getMessage(), e);
            }
        }

        private void readAnnotation(JsonElement element, int i) {
            String at = "annotations[" + i + "]";
            Long imageId = null;
            try {
                JsonObject o = object(element);
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
            Map<String, String> extras = extras(o, CocoFormat.ANNOTATION_MEMBERS);
            if (o.get("attributes") instanceof JsonObject attributes) {
                difficult = flag(attributes, "difficult");
                truncated = flag(attributes, "truncated");
                if (attributes.has("pose")) {
                    pose = string(attributes, "pose");
                }
                JsonObject rest = attributes.deepCopy();
                List.of("difficult", "truncated", "pose").forEach(rest::remove);
                if (!rest.isEmpty()) {
                    extras.put(CocoFormat.EXTRA_PREFIX + "attributes", CocoFormat.Json.GSON.toJson(rest));
                }
            } else if (o.has("attributes")) {
                extras.put(CocoFormat.EXTRA_PREFIX + "attributes", CocoFormat.Json.GSON.toJson(o.get("attributes")));
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
        String s = CocoFormat.Json.GSON.toJson(e);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /**
     * The image as the machine wrote it when its {@value CocoFormat#MARK_MEMBER} still matches its boxes: the model named and
     * the mark no longer among the extras; otherwise the image as read, a person's (a stale mark stays an extra).
     */
    private static AnnotatedImage machineMarked(AnnotatedImage image, JsonElement mark) {
        if (!(mark instanceof JsonPrimitive p) || !p.isString()) {
            return image;
        }
        Optional<String> model = MachineMark.model(p.getAsString(), image);
        if (model.isEmpty()) {
            return image;
        }
        Map<String, String> extras = new LinkedHashMap<>(image.extras());
        extras.remove(CocoFormat.EXTRA_PREFIX + CocoFormat.MARK_MEMBER);
        return image.withExtras(extras).withPredictedBy(model);
    }

    /** Members outside {@code known}, as {@code coco:<member>} extras holding their JSON text. */
    private static Map<String, String> extras(JsonObject o, Set<String> known) {
        Map<String, String> extras = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (!known.contains(e.getKey()) && !isDefault(e.getKey(), e.getValue())) {
                extras.put(CocoFormat.EXTRA_PREFIX + e.getKey(), CocoFormat.Json.GSON.toJson(e.getValue()));
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

}
