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
import dev.annotate.core.format.MachineMark;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writing a COCO file ({@link CocoFormat#openWriter}). The file's order (images sorted by path, ids from 1 in that
 * order) is known only at the end, so each image goes, as it comes, into the spill file as one compact JSON record
 * (its entry and its annotations, ids left out); memory keeps per image only its path and where its record lies,
 * plus the set of labels. The document is streamed at the end: the images, then the annotations, each read back
 * one record at a time in path order, then the categories.
 */
final class CocoWriter extends SpillWriter {
    private final LabelMap labels;
    private long spilled;
    /** Path → offset and length of its record in the spill file. */
    private final Map<String, long[]> records = new TreeMap<>();
    private final Set<String> labelsSeen = new TreeSet<>();

    CocoWriter(Path file, LabelMap labels) throws IOException {
        super(file, "COCO");
        this.labels = labels;
    }

    @Override
    void spill(String key, AnnotatedImage image, java.io.OutputStream spill) throws IOException {
        if (records.containsKey(key)) {
            throw new IllegalArgumentException(file + ": two images for '" + key + "'");
        }
        JsonObject entry = new JsonObject();
        entry.addProperty("file_name", key);
        entry.addProperty("width", image.width());
        entry.addProperty("height", image.height());
        if (image.predictedBy().isPresent()) {
            entry.addProperty(CocoFormat.MARK_MEMBER, MachineMark.of(image));
        }
        putExtras(entry, image.extras(), image.predictedBy().isPresent() ? CocoFormat.PREDICTED_IMAGE_MEMBERS
                : CocoFormat.IMAGE_MEMBERS);
        JsonArray annotations = new JsonArray();
        JsonArray names = new JsonArray();
        for (Annotation a : image.annotations()) {
            annotations.add(annotation(a, 0, 0, 0));
            names.add(a.label());
            labelsSeen.add(a.label());
        }
        JsonObject record = new JsonObject();
        record.add("image", entry);
        record.add("annotations", annotations);
        record.add("labels", names);
        byte[] bytes = CocoFormat.Json.GSON.toJson(record).getBytes(StandardCharsets.UTF_8);
        spill.write(bytes);
        records.put(key, new long[] {spilled, bytes.length});
        spilled += bytes.length;
    }

    @Override
    void writeDocument(Path spill, java.io.OutputStream out) throws IOException {
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(spill,
                java.nio.file.StandardOpenOption.READ)) {
            Map<String, Long> ids = categoryIds();
            JsonWriter w = new JsonWriter(new java.io.BufferedWriter(
                    new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16));
            w.beginObject();
            JsonObject info = new JsonObject();
            info.addProperty("description", "written by annotate (dev.annotate)");
            w.name("info");
            CocoFormat.Json.GSON.toJson(info, w);
            w.name("licenses").beginArray().endArray();
            w.name("images").beginArray();
            long imageId = 0;
            for (long[] at : records.values()) {
                JsonObject entry = read(in, at).getAsJsonObject("image");
                JsonObject o = new JsonObject();
                o.addProperty("id", ++imageId);
                entry.entrySet().forEach(m -> o.add(m.getKey(), m.getValue()));
                CocoFormat.Json.GSON.toJson(o, w);
            }
            w.endArray();
            w.name("annotations").beginArray();
            imageId = 0;
            long annotationId = 0;
            for (long[] at : records.values()) {
                JsonObject record = read(in, at);
                imageId++;
                JsonArray annotations = record.getAsJsonArray("annotations");
                JsonArray names = record.getAsJsonArray("labels");
                for (int k = 0; k < annotations.size(); k++) {
                    JsonObject o = new JsonObject();
                    o.addProperty("id", ++annotationId);
                    o.addProperty("image_id", imageId);
                    o.addProperty("category_id", ids.get(names.get(k).getAsString()));
                    annotations.get(k).getAsJsonObject().entrySet().stream()
                            .filter(m -> !m.getKey().equals("id") && !m.getKey().equals("image_id")
                                    && !m.getKey().equals("category_id"))
                            .forEach(m -> o.add(m.getKey(), m.getValue()));
                    CocoFormat.Json.GSON.toJson(o, w);
                }
            }
            w.endArray();
            w.name("categories").beginArray();
            ids.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(c -> {
                JsonObject o = new JsonObject();
                o.addProperty("id", c.getValue());
                o.addProperty("name", c.getKey());
                o.addProperty("supercategory", "none");
                CocoFormat.Json.GSON.toJson(o, w);
            });
            w.endArray();
            w.endObject();
            w.flush();
        }
    }

    /** The label map's ids, then the next free ids for other labels in name order. */
    private Map<String, Long> categoryIds() {
        Map<String, Long> ids = new LinkedHashMap<>();
        labels.entries().forEach(entry -> ids.put(entry.name(), (long) entry.id()));
        long next = ids.values().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
        for (String label : labelsSeen) {
            if (!ids.containsKey(label)) {
                ids.put(label, next++);
            }
        }
        return ids;
    }

    private static JsonObject read(java.nio.channels.FileChannel in, long[] at) throws IOException {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) at[1]);
        while (buffer.hasRemaining()) {
            if (in.read(buffer, at[0] + buffer.position()) < 0) {
                throw new java.io.EOFException("the spill file ended early");
            }
        }
        return JsonParser.parseString(new String(buffer.array(), StandardCharsets.UTF_8)).getAsJsonObject();
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
        String raw = rest.get(CocoFormat.EXTRA_PREFIX + "attributes");
        if (raw != null && parse(raw) instanceof JsonObject kept) {
            kept.entrySet().forEach(m -> attributes.add(m.getKey(), m.getValue()));
            rest.remove(CocoFormat.EXTRA_PREFIX + "attributes");
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
            rest.remove(CocoFormat.EXTRA_PREFIX + "attributes");
        }
        putExtras(o, rest, CocoFormat.ANNOTATION_MEMBERS);
        return o;
    }

    /**
     * Writes back {@code coco:} extras (their JSON, or a string if the text is not JSON), except members this codec
     * writes itself ({@code known}); other formats' extras are dropped.
     */
    private static void putExtras(JsonObject o, Map<String, String> extras, Set<String> known) {
        extras.forEach((key, raw) -> {
            String member = key.substring(Math.min(key.length(), CocoFormat.EXTRA_PREFIX.length()));
            if (key.startsWith(CocoFormat.EXTRA_PREFIX) && !member.isEmpty() && !known.contains(member)) {
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
