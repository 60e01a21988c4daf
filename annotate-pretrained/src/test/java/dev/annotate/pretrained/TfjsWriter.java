package dev.annotate.pretrained;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes a TensorFlow.js graph model as the converter does, for tests: {@code model.json} and one shard per
 * {@code shardBytes}, weights as float32, float16 (when {@code half}) or int32.
 */
final class TfjsWriter {

    private TfjsWriter() {
    }

    static void write(Path modelJson, TfjsGraphModel model, boolean half, int shardBytes) throws IOException {
        JsonObject root = new JsonObject();
        root.addProperty("format", "graph-model");
        root.addProperty("generatedBy", "annotate tests");
        JsonObject signature = new JsonObject();
        signature.add("inputs", names(model.inputs()));
        signature.add("outputs", names(model.outputs()));
        root.add("signature", signature);
        JsonArray nodes = new JsonArray();
        for (TfjsGraphModel.Node n : model.nodes()) {
            JsonObject node = new JsonObject();
            node.addProperty("name", n.name());
            node.addProperty("op", n.op());
            if (!n.inputs().isEmpty()) {
                JsonArray inputs = new JsonArray();
                n.inputs().forEach(inputs::add);
                node.add("input", inputs);
            }
            if (!n.attrs().isEmpty()) {
                JsonObject attrs = new JsonObject();
                for (Map.Entry<String, TfjsGraphModel.Attr> a : n.attrs().entrySet()) {
                    attrs.add(a.getKey(), attr(a.getValue()));
                }
                node.add("attr", attrs);
            }
            nodes.add(node);
        }
        JsonObject topology = new JsonObject();
        topology.add("node", nodes);
        root.add("modelTopology", topology);

        ByteBuffer bytes = ByteBuffer.allocate(model.weights().values().stream().mapToInt(w -> w.dtype()
                == TfjsGraphModel.DType.FLOAT32 ? w.floats().length * (half ? 2 : 4) : w.dtype()
                == TfjsGraphModel.DType.BOOL ? w.ints().length : w.ints().length * 4).sum())
                .order(ByteOrder.LITTLE_ENDIAN);
        JsonArray weights = new JsonArray();
        for (TfjsGraphModel.Weight w : model.weights().values()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("name", w.name());
            JsonArray shape = new JsonArray();
            for (int d : w.shape()) {
                shape.add(d);
            }
            entry.add("shape", shape);
            entry.addProperty("dtype", w.dtype().name().toLowerCase(java.util.Locale.ROOT));
            if (w.dtype() == TfjsGraphModel.DType.FLOAT32 && half) {
                JsonObject q = new JsonObject();
                q.addProperty("dtype", "float16");
                q.addProperty("original_dtype", "float32");
                entry.add("quantization", q);
                for (float f : w.floats()) {
                    bytes.putShort(Float16Test.toHalf(f));
                }
            } else if (w.dtype() == TfjsGraphModel.DType.FLOAT32) {
                for (float f : w.floats()) {
                    bytes.putFloat(f);
                }
            } else if (w.dtype() == TfjsGraphModel.DType.INT32) {
                for (int i : w.ints()) {
                    bytes.putInt(i);
                }
            } else {
                for (int i : w.ints()) {
                    bytes.put((byte) i);
                }
            }
            weights.add(entry);
        }
        JsonArray paths = new JsonArray();
        byte[] all = bytes.array();
        String stem = modelJson.getFileName().toString().replaceAll("\\.json$", "");
        for (int i = 0, start = 0; start < all.length || i == 0; i++, start += shardBytes) {
            String name = stem + ".group1-shard" + (i + 1) + ".bin";
            Files.write(modelJson.resolveSibling(name), java.util.Arrays.copyOfRange(all, start,
                    Math.min(all.length, start + shardBytes)));
            paths.add(name);
        }
        JsonObject group = new JsonObject();
        group.add("paths", paths);
        group.add("weights", weights);
        JsonArray manifest = new JsonArray();
        manifest.add(group);
        root.add("weightsManifest", manifest);
        Files.writeString(modelJson, root.toString(), StandardCharsets.UTF_8);
    }

    private static JsonObject names(List<String> tensors) {
        JsonObject o = new JsonObject();
        for (String t : tensors) {
            JsonObject spec = new JsonObject();
            spec.addProperty("name", t);
            o.add(t, spec);
        }
        return o;
    }

    private static JsonObject attr(TfjsGraphModel.Attr a) {
        JsonObject o = new JsonObject();
        if (a instanceof TfjsGraphModel.Attr.Int i) {
            o.addProperty("i", Long.toString(i.value()));
        } else if (a instanceof TfjsGraphModel.Attr.Float f) {
            o.addProperty("f", f.value());
        } else if (a instanceof TfjsGraphModel.Attr.Bool b) {
            o.addProperty("b", b.value());
        } else if (a instanceof TfjsGraphModel.Attr.Str s) {
            o.addProperty("s", base64(s.value()));
        } else if (a instanceof TfjsGraphModel.Attr.Type t) {
            o.addProperty("type", t.value());
        } else if (a instanceof TfjsGraphModel.Attr.Shape s) {
            JsonObject shape = new JsonObject();
            if (s.dims() == null) {
                shape.addProperty("unknownRank", true);
            } else {
                JsonArray dims = new JsonArray();
                for (long d : s.dims()) {
                    JsonObject dim = new JsonObject();
                    dim.addProperty("size", Long.toString(d));
                    dims.add(dim);
                }
                shape.add("dim", dims);
            }
            o.add("shape", shape);
        } else if (a instanceof TfjsGraphModel.Attr.ListValue l) {
            JsonObject list = new JsonObject();
            JsonArray ints = new JsonArray();
            l.ints().forEach(i -> ints.add(Long.toString(i)));
            JsonArray floats = new JsonArray();
            l.floats().forEach(floats::add);
            JsonArray strings = new JsonArray();
            l.strings().forEach(s -> strings.add(base64(s)));
            list.add("i", ints);
            list.add("f", floats);
            list.add("s", strings);
            o.add("list", list);
        } else {
            return com.google.gson.JsonParser.parseString(((TfjsGraphModel.Attr.Other) a).json()).getAsJsonObject();
        }
        return o;
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
