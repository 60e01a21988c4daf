package dev.annotate.pretrained;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.annotate.core.FormatException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A TensorFlow.js graph model, read: its {@code model.json} (the TensorFlow graph as JSON, its signature and the
 * weights manifest) and the weight shards beside it, with quantised weights turned back into floats. The graph is
 * kept as TensorFlow wrote it (nodes with their op, inputs and attributes); {@link #weights()} holds every
 * constant the manifest lists, by node name.
 *
 * <p>What it reads, as the TensorFlow.js converter writes it: {@code "format": "graph-model"}; nodes under
 * {@code modelTopology.node} with attributes in protobuf's JSON form (64-bit integers as strings, strings in
 * base64); {@code weightsManifest} groups whose {@code paths} are read one after another as one byte stream,
 * little-endian, each weight taking {@code shape}'s product of elements: {@code float32} and {@code int32} 4
 * bytes, {@code bool} 1; quantised {@code float16} 2 bytes, {@code uint8} / {@code uint16} 1 / 2 bytes as
 * {@code min + q * scale}. Shards are looked for beside {@code model.json} only: a path that leaves that folder is
 * refused.
 *
 * <pre>{@code
 * TfjsGraphModel model = TfjsGraphModel.read(Path.of("models/nanodet.json"));
 * float[] kernel = model.weights().get("PartitionedCall/split").floats();
 * }</pre>
 *
 * @param file the {@code model.json} read
 * @param nodes the graph's nodes in file order
 * @param inputs the signature's input tensor names ({@code "input_1:0"}), in file order
 * @param outputs the signature's output tensor names, in file order
 * @param weights every weight of the manifest by name, in manifest order
 */
public record TfjsGraphModel(Path file, List<Node> nodes, List<String> inputs, List<String> outputs,
                             Map<String, Weight> weights) {

    public TfjsGraphModel {
        Objects.requireNonNull(file, "file");
        nodes = List.copyOf(nodes);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** Largest {@code model.json} read: the graph's text, not its weights. */
    static final long MAX_JSON_BYTES = 64L << 20;
    /** Largest sum of weight shards read. */
    static final long MAX_WEIGHT_BYTES = 1L << 30;

    /**
     * A node of the graph.
     *
     * @param name the node's name
     * @param op the TensorFlow op ({@code Conv2D}, {@code Const}, ...)
     * @param inputs its inputs: node names, {@code name:k} for an op's k-th output, {@code ^name} for a control
     *     dependency
     * @param attrs its attributes by name
     */
    public record Node(String name, String op, List<String> inputs, Map<String, Attr> attrs) {
        public Node {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(op, "op");
            inputs = List.copyOf(inputs);
            attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
        }

        /** An integer list attribute ({@code strides}, {@code ksize}), or {@code null}. */
        public List<Long> ints(String attr) {
            return attrs.get(attr) instanceof Attr.ListValue l ? l.ints() : null;
        }

        /** A string attribute ({@code padding}, {@code data_format}), or {@code null}. */
        public String string(String attr) {
            return attrs.get(attr) instanceof Attr.Str s ? s.value() : null;
        }
    }

    /** An attribute value, in the kinds TensorFlow's {@code AttrValue} has. */
    public sealed interface Attr {
        /** {@code i}. */
        record Int(long value) implements Attr {
        }

        /** {@code f}. */
        record Float(float value) implements Attr {
        }

        /** {@code b}. */
        record Bool(boolean value) implements Attr {
        }

        /** {@code s}, decoded from base64 as UTF-8. */
        record Str(String value) implements Attr {
        }

        /** {@code type}: a {@code DataType} name such as {@code DT_FLOAT}. */
        record Type(String value) implements Attr {
        }

        /** {@code shape}: dimensions, -1 where unknown; {@code null} dimensions for an unknown rank. */
        record Shape(List<Long> dims) implements Attr {
        }

        /** {@code list}: the integers, floats and strings it holds (TensorFlow fills one kind). */
        record ListValue(List<Long> ints, List<java.lang.Float> floats, List<String> strings) implements Attr {
            public ListValue {
                ints = List.copyOf(ints);
                floats = List.copyOf(floats);
                strings = List.copyOf(strings);
            }
        }

        /** {@code tensor} and anything else: kept as its JSON text. */
        record Other(String json) implements Attr {
        }
    }

    /** A weight's element type once read (quantised weights are read as {@link #FLOAT32}). */
    public enum DType {
        FLOAT32, INT32, BOOL
    }

    /**
     * A weight of the manifest, its values read.
     *
     * @param name the node name that uses it
     * @param dtype its type once read
     * @param shape its dimensions
     * @param floats the values of a {@link DType#FLOAT32} weight, row-major, else empty
     * @param ints the values of an {@link DType#INT32} or {@link DType#BOOL} (0 or 1) weight, else empty
     */
    public record Weight(String name, DType dtype, int[] shape, float[] floats, int[] ints) {
        public Weight {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
            floats = floats.clone();
            ints = ints.clone();
            long n = elements(shape);
            long held = dtype == DType.FLOAT32 ? floats.length : ints.length;
            if (n != held) {
                throw new IllegalArgumentException("weight '" + name + "' of shape " + Arrays.toString(shape)
                        + " holds " + held + " values, not " + n);
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public float[] floats() {
            return floats.clone();
        }

        @Override
        public int[] ints() {
            return ints.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Weight w && name.equals(w.name) && dtype == w.dtype && Arrays.equals(shape, w.shape)
                    && Arrays.equals(floats, w.floats) && Arrays.equals(ints, w.ints);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(floats), Arrays.hashCode(ints));
        }

        @Override
        public String toString() {
            return "Weight[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
        }
    }

    /** The number of elements of a shape; -1 if a dimension is negative or the product overflows a long. */
    static long elements(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    /**
     * Reads a graph model and its weight shards.
     *
     * @param modelJson the {@code model.json} file (any name); its shards are found beside it
     * @return the model
     * @throws FormatException if the file is not a TensorFlow.js graph model, a shard is missing, short or outside
     *     the folder, or a weight's type or shape cannot be read, naming the file and the value
     * @throws IOException if a file cannot be read
     */
    public static TfjsGraphModel read(Path modelJson) throws IOException {
        Objects.requireNonNull(modelJson, "modelJson");
        if (Files.size(modelJson) > MAX_JSON_BYTES) {
            throw new FormatException(modelJson, null, "larger than " + MAX_JSON_BYTES + " bytes; a graph model's"
                    + " model.json holds the graph, not its weights");
        }
        Path folder = modelJson.toAbsolutePath().normalize().getParent();
        return read(modelJson, Files.readAllBytes(modelJson), name -> {
            Path shard;
            try {
                shard = folder.resolve(name).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new FormatException(modelJson, null, "shard path '" + name + "' is not a path");
            }
            if (!folder.equals(shard.getParent()) || Path.of(name).isAbsolute()) {
                throw new FormatException(modelJson, null, "shard path '" + name + "' is not a file beside "
                        + modelJson.getFileName() + "; shards are read from " + folder + " only");
            }
            if (!Files.isRegularFile(shard)) {
                throw new FormatException(modelJson, null, "shard '" + name + "' not found at " + shard);
            }
            if (Files.size(shard) > MAX_WEIGHT_BYTES) {
                throw new FormatException(modelJson, null, "shard '" + name + "' is larger than "
                        + MAX_WEIGHT_BYTES + " bytes");
            }
            return Files.readAllBytes(shard);
        });
    }

    /** Where a model's shards come from, by the name the manifest gives. */
    @FunctionalInterface
    interface Shards {
        /** The shard's bytes; a {@link FormatException} naming the model when there is no such shard. */
        byte[] read(String name) throws IOException;
    }

    /**
     * Reads a graph model from its {@code model.json} bytes and a source of shards (a folder, or resources).
     *
     * @param file what errors name
     */
    static TfjsGraphModel read(Path file, byte[] json, Shards shards) throws IOException {
        Path modelJson = file;
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(json)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new FormatException(modelJson, null, "not UTF-8 text: a model.json is JSON", e);
        }
        JsonObject root = parse(modelJson, text);
        Reader r = new Reader(modelJson, shards);
        String format = r.optionalString(root, "format", "");
        if (!format.equals("graph-model")) {
            throw new FormatException(modelJson, "format", "'" + format + "' is not 'graph-model': this reads"
                    + " TensorFlow.js graph models (tensorflowjs_converter --output_format tfjs_graph_model)");
        }
        JsonObject topology = r.object(root, "modelTopology");
        List<Node> nodes = new ArrayList<>();
        for (JsonElement e : r.array(topology, "node", "modelTopology")) {
            nodes.add(r.node(e));
        }
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        if (root.get("signature") instanceof JsonObject signature) {
            inputs.addAll(r.keys(signature, "inputs"));
            outputs.addAll(r.keys(signature, "outputs"));
        }
        Map<String, Weight> weights = new LinkedHashMap<>();
        JsonArray manifest = r.array(root, "weightsManifest", "the model");
        for (int g = 0; g < manifest.size(); g++) {
            String where = "weightsManifest[" + g + "]";
            JsonObject group = r.object(manifest.get(g), where);
            ByteBuffer bytes = r.shards(r.array(group, "paths", where), where);
            JsonArray entries = r.array(group, "weights", where);
            for (int w = 0; w < entries.size(); w++) {
                Weight weight = r.weight(r.object(entries.get(w), where + ".weights[" + w + "]"), bytes,
                        where + ".weights[" + w + "]");
                if (weights.put(weight.name(), weight) != null) {
                    throw new FormatException(modelJson, where, "weight '" + weight.name() + "' listed twice");
                }
            }
            if (bytes.hasRemaining()) {
                throw new FormatException(modelJson, where, bytes.remaining() + " bytes of its shards are left over"
                        + " after its weights: the manifest does not describe these shards");
            }
        }
        return new TfjsGraphModel(modelJson, nodes, inputs, outputs, weights);
    }

    private static JsonObject parse(Path file, String text) throws FormatException {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.LEGACY_STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (!(e instanceof JsonObject o)) {
                throw new FormatException(file, null, "not a JSON object");
            }
            return o;
        } catch (JsonParseException | IllegalStateException | StackOverflowError e) {
            throw new FormatException(file, null, "not JSON: " + e.getMessage(), e);
        }
    }

    /** The reading of one file: every error names it and where in it. */
    private record Reader(Path file, Shards source) {

        JsonObject object(JsonElement e, String where) throws FormatException {
            if (e instanceof JsonObject o) {
                return o;
            }
            throw new FormatException(file, where, "expected an object, found " + kind(e));
        }

        JsonObject object(JsonObject parent, String key) throws FormatException {
            return object(parent.get(key), key);
        }

        JsonArray array(JsonObject parent, String key, String where) throws FormatException {
            JsonElement e = parent.get(key);
            if (e instanceof JsonArray a) {
                return a;
            }
            throw new FormatException(file, where, "'" + key + "' must be an array, found " + kind(e));
        }

        String string(JsonObject parent, String key, String where) throws FormatException {
            JsonElement e = parent.get(key);
            if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return e.getAsString();
            }
            throw new FormatException(file, where, "'" + key + "' must be a string, found " + kind(e));
        }

        String optionalString(JsonObject parent, String key, String otherwise) throws FormatException {
            return parent.has(key) ? string(parent, key, key) : otherwise;
        }

        List<String> keys(JsonObject parent, String key) throws FormatException {
            if (!parent.has(key)) {
                return List.of();
            }
            return List.copyOf(object(parent.get(key), "signature." + key).keySet());
        }

        Node node(JsonElement e) throws FormatException {
            JsonObject o = object(e, "modelTopology.node");
            String name = string(o, "name", "modelTopology.node");
            String where = "node '" + name + "'";
            String op = string(o, "op", where);
            List<String> inputs = new ArrayList<>();
            if (o.has("input")) {
                for (JsonElement i : array(o, "input", where)) {
                    inputs.add(stringValue(i, where + " input"));
                }
            }
            Map<String, Attr> attrs = new LinkedHashMap<>();
            if (o.has("attr")) {
                for (Map.Entry<String, JsonElement> a : object(o.get("attr"), where + " attr").entrySet()) {
                    attrs.put(a.getKey(), attr(object(a.getValue(), where + " attr " + a.getKey()),
                            where + " attr " + a.getKey()));
                }
            }
            return new Node(name, op, inputs, attrs);
        }

        Attr attr(JsonObject o, String where) throws FormatException {
            if (o.has("i")) {
                return new Attr.Int(integer(o.get("i"), where));
            }
            if (o.has("f")) {
                return new Attr.Float(number(o.get("f"), where));
            }
            if (o.has("b")) {
                JsonElement b = o.get("b");
                if (b.isJsonPrimitive() && b.getAsJsonPrimitive().isBoolean()) {
                    return new Attr.Bool(b.getAsBoolean());
                }
                throw new FormatException(file, where, "'b' must be true or false, found " + kind(b));
            }
            if (o.has("s")) {
                return new Attr.Str(base64(o.get("s"), where));
            }
            if (o.has("type")) {
                return new Attr.Type(stringValue(o.get("type"), where));
            }
            if (o.has("shape")) {
                return new Attr.Shape(shape(object(o.get("shape"), where), where));
            }
            if (o.has("list")) {
                JsonObject list = object(o.get("list"), where);
                List<Long> ints = new ArrayList<>();
                List<java.lang.Float> floats = new ArrayList<>();
                List<String> strings = new ArrayList<>();
                if (list.has("i")) {
                    for (JsonElement i : array(list, "i", where)) {
                        ints.add(integer(i, where));
                    }
                }
                if (list.has("f")) {
                    for (JsonElement f : array(list, "f", where)) {
                        floats.add(number(f, where));
                    }
                }
                if (list.has("s")) {
                    for (JsonElement s : array(list, "s", where)) {
                        strings.add(base64(s, where));
                    }
                }
                return new Attr.ListValue(ints, floats, strings);
            }
            return new Attr.Other(o.toString());
        }

        List<Long> shape(JsonObject o, String where) throws FormatException {
            if (o.has("unknownRank") && o.get("unknownRank").isJsonPrimitive()
                    && o.get("unknownRank").getAsJsonPrimitive().isBoolean() && o.get("unknownRank").getAsBoolean()) {
                return null;
            }
            List<Long> dims = new ArrayList<>();
            if (o.has("dim")) {
                for (JsonElement d : array(o, "dim", where)) {
                    JsonObject dim = object(d, where + " dim");
                    dims.add(dim.has("size") ? integer(dim.get("size"), where + " dim") : 0L);
                }
            }
            return dims;
        }

        /** A protobuf JSON int64: a string of digits, or a number without a fraction. */
        long integer(JsonElement e, String where) throws FormatException {
            if (e != null && e.isJsonPrimitive()) {
                String text = e.getAsString();
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException n) {
                    throw new FormatException(file, where, "'" + text + "' is not an integer");
                }
            }
            throw new FormatException(file, where, "expected an integer, found " + kind(e));
        }

        float number(JsonElement e, String where) throws FormatException {
            if (e != null && e.isJsonPrimitive()) {
                String text = e.getAsString();
                switch (text) {
                    case "NaN":
                        return java.lang.Float.NaN;
                    case "Infinity":
                        return java.lang.Float.POSITIVE_INFINITY;
                    case "-Infinity":
                        return java.lang.Float.NEGATIVE_INFINITY;
                    default:
                        try {
                            return java.lang.Float.parseFloat(text);
                        } catch (NumberFormatException n) {
                            throw new FormatException(file, where, "'" + text + "' is not a number");
                        }
                }
            }
            throw new FormatException(file, where, "expected a number, found " + kind(e));
        }

        String stringValue(JsonElement e, String where) throws FormatException {
            if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return e.getAsString();
            }
            throw new FormatException(file, where, "expected a string, found " + kind(e));
        }

        String base64(JsonElement e, String where) throws FormatException {
            String text = stringValue(e, where);
            try {
                return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException b) {
                throw new FormatException(file, where, "'" + text + "' is not base64");
            }
        }

        /** The group's shards, one after another, as one little-endian buffer. */
        ByteBuffer shards(JsonArray paths, String where) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (JsonElement p : paths) {
                String name = stringValue(p, where + ".paths");
                byte[] shard;
                try {
                    shard = source.read(name);
                } catch (FormatException e) {
                    throw new FormatException(file, where, e.problem(), e);
                }
                if (all.size() + (long) shard.length > MAX_WEIGHT_BYTES) {
                    throw new FormatException(file, where, "shards larger than " + MAX_WEIGHT_BYTES + " bytes");
                }
                all.write(shard);
            }
            return ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        }

        Weight weight(JsonObject o, ByteBuffer bytes, String where) throws FormatException {
            String name = string(o, "name", where);
            where = where + " '" + name + "'";
            JsonArray dims = array(o, "shape", where);
            int[] shape = new int[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                long d = integer(dims.get(i), where + " shape");
                if (d < 0 || d > Integer.MAX_VALUE) {
                    throw new FormatException(file, where, "dimension " + d + " of its shape is out of range");
                }
                shape[i] = (int) d;
            }
            long n = elements(shape);
            String dtype = string(o, "dtype", where);
            String quantised = null;
            float scale = 1;
            float min = 0;
            if (o.has("quantization")) {
                JsonObject q = object(o.get("quantization"), where + " quantization");
                quantised = string(q, "dtype", where + " quantization");
                if (!quantised.equals("float16")) {
                    scale = number(q.get("scale"), where + " quantization scale");
                    min = number(q.get("min"), where + " quantization min");
                }
            }
            int width = quantised == null ? switch (dtype) {
                case "float32", "int32" -> 4;
                case "bool" -> 1;
                default -> throw new FormatException(file, where, "dtype '" + dtype + "' is not read; float32,"
                        + " int32 and bool are");
            } : switch (quantised) {
                case "float16", "uint16" -> 2;
                case "uint8" -> 1;
                default -> throw new FormatException(file, where, "quantization dtype '" + quantised + "' is not"
                        + " read; float16, uint8 and uint16 are");
            };
            if (quantised != null && !dtype.equals("float32")) {
                throw new FormatException(file, where, "a quantised weight must be float32, not '" + dtype + "'");
            }
            if (n < 0 || n > bytes.remaining() / width) {
                throw new FormatException(file, where, "shape " + Arrays.toString(shape) + " needs "
                        + (n < 0 ? "more than " + Long.MAX_VALUE : n * width) + " bytes; the shards have "
                        + bytes.remaining() + " left");
            }
            int count = (int) n;
            if (dtype.equals("float32")) {
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    v[i] = quantised == null ? bytes.getFloat()
                            : quantised.equals("float16") ? Float16.toFloat(bytes.getShort())
                            : min + scale * (quantised.equals("uint8") ? bytes.get() & 0xff : bytes.getShort() & 0xffff);
                }
                return new Weight(name, DType.FLOAT32, shape, v, new int[0]);
            }
            int[] v = new int[count];
            for (int i = 0; i < count; i++) {
                v[i] = dtype.equals("bool") ? (bytes.get() != 0 ? 1 : 0) : bytes.getInt();
            }
            return new Weight(name, dtype.equals("bool") ? DType.BOOL : DType.INT32, shape, new float[0], v);
        }

        private static String kind(JsonElement e) {
            if (e == null || e.isJsonNull()) {
                return "nothing";
            }
            if (e.isJsonObject()) {
                return "an object";
            }
            if (e.isJsonArray()) {
                return "an array";
            }
            return "'" + e.getAsString() + "'";
        }
    }
}
