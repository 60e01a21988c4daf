package dev.annotate.core;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.proto.StringIntLabelMap;
import dev.annotate.core.proto.StringIntLabelMapItem;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * TF Object Detection API label maps ({@code label_map.pbtxt}) through protobuf's own TextFormat.
 *
 * <p>Reading follows TensorFlow's loader: text format first (single or double quotes, {@code #} comments), then
 * binary. Validation follows it too and is stricter where it is silent: every item needs a name and an id, ids
 * are at least 0, 0 only for {@code background}, and a duplicate id or name is an error naming both items
 * (TensorFlow keeps the first id and the last name without a word). Display names are kept; keypoints,
 * ancestor and descendant ids, frequency and instance counts are not carried into {@link LabelMap}.
 *
 * <pre>{@code
 * LabelMap labels = LabelMaps.read(Path.of("label_map.pbtxt"));
 * LabelMaps.write(labels.withAppended("bicycle"), Path.of("label_map.pbtxt"));
 * }</pre>
 */
public final class LabelMaps {

    /** Label maps larger than this are refused: 64 MiB. */
    public static final long MAX_BYTES = 64L << 20;

    private LabelMaps() {
    }

    /**
     * Reads a label map file.
     *
     * @throws FormatException naming the file, line and column (text) or item, for anything malformed or invalid
     */
    public static LabelMap read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new FormatException(file, null, "label map is " + size + " bytes, more than " + MAX_BYTES);
        }
        return parse(Files.readAllBytes(file), file);
    }

    /**
     * Parses label map bytes, text format first, then binary.
     *
     * @param source named in error messages
     */
    public static LabelMap parse(byte[] content, Path source) throws FormatException {
        StringIntLabelMap proto;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(content)).toString();
            StringIntLabelMap.Builder builder = StringIntLabelMap.newBuilder();
            TextFormat.getParser().merge(text, builder);
            proto = builder.build();
        } catch (TextFormat.ParseException e) {
            proto = binary(content).orElseThrow(() -> new FormatException(source, position(e),
                    "not a label map: " + stripPosition(e.getMessage()), e));
        } catch (CharacterCodingException e) {
            proto = binary(content).orElseThrow(() -> new FormatException(source, null,
                    "neither a UTF-8 text label map nor a binary one", e));
        }
        return validate(proto, source);
    }

    /** TensorFlow's fallback: a binary StringIntLabelMap, accepted only if it looks like a real one. */
    private static Optional<StringIntLabelMap> binary(byte[] content) {
        try {
            StringIntLabelMap map = StringIntLabelMap.parseFrom(content);
            boolean plausible = map.getItemCount() > 0 && map.getUnknownFields().asMap().isEmpty()
                    && map.getItemList().stream().allMatch(i -> i.hasName() && i.hasId()
                    && i.getUnknownFields().asMap().isEmpty());
            return plausible ? Optional.of(map) : Optional.empty();
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    private static String position(TextFormat.ParseException e) {
        return e.getLine() > 0 ? "line " + e.getLine() + ", column " + e.getColumn() : null;
    }

    private static final java.util.regex.Pattern UNKNOWN_FIELD =
            java.util.regex.Pattern.compile("(?s).*?Input contains unknown fields.*?\\d+:\\d+:\\s*(\\S+)\\.(\\w+)\\s*.*");

    private static String stripPosition(String message) {
        java.util.regex.Matcher unknown = UNKNOWN_FIELD.matcher(message);
        if (unknown.matches()) {
            String owner = unknown.group(1).endsWith("StringIntLabelMapItem")
                    ? "an item has name, id, display_name, keypoints, ancestor_ids, descendant_ids, frequency,"
                    + " instance_count" : "the file holds only item blocks";
            return "unknown field '" + unknown.group(2) + "' (" + owner + ")";
        }
        // protobuf prefixes "line:column: "
        return message.replaceFirst("^\\d+:\\d+: ", "");
    }

    private static LabelMap validate(StringIntLabelMap proto, Path source) throws FormatException {
        if (proto.getItemCount() == 0) {
            throw new FormatException(source, null, "label map has no items");
        }
        List<LabelMap.Entry> entries = new ArrayList<>(proto.getItemCount());
        for (int i = 0; i < proto.getItemCount(); i++) {
            StringIntLabelMapItem item = proto.getItem(i);
            String at = "item " + (i + 1);
            if (!item.hasName() || item.getName().isEmpty()) {
                throw new FormatException(source, at, "item" + (item.hasId() ? " with id " + item.getId() : "")
                        + " has no name");
            }
            if (!item.hasId()) {
                throw new FormatException(source, at, "item '" + item.getName() + "' has no id");
            }
            try {
                entries.add(new LabelMap.Entry(item.getId(), item.getName(),
                        item.hasDisplayName() ? Optional.of(item.getDisplayName()) : Optional.empty()));
            } catch (IllegalArgumentException e) {
                throw new FormatException(source, at, e.getMessage(), e);
            }
        }
        try {
            return LabelMap.of(entries);
        } catch (IllegalArgumentException e) {
            throw new FormatException(source, null, e.getMessage(), e);
        }
    }

    /** The label map in text format, as TensorFlow's loader reads it; UTF-8, non-ASCII kept as is. */
    public static String toText(LabelMap labels) {
        StringIntLabelMap.Builder proto = StringIntLabelMap.newBuilder();
        for (LabelMap.Entry e : labels.entries()) {
            StringIntLabelMapItem.Builder item = StringIntLabelMapItem.newBuilder().setName(e.name()).setId(e.id());
            e.displayName().ifPresent(item::setDisplayName);
            proto.addItem(item);
        }
        return TextFormat.printer().escapingNonAscii(false).printToString(proto.build());
    }

    /** Writes the label map in text format, atomically. */
    public static void write(LabelMap labels, Path file) throws IOException {
        AtomicFiles.write(file, toText(labels).getBytes(StandardCharsets.UTF_8));
    }
}
