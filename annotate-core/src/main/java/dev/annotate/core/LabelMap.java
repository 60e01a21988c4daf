package dev.annotate.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The classes a model knows: integer id ↔ name ↔ optional display name, as in a TF Object Detection API
 * {@code label_map.pbtxt}.
 *
 * <p>Validation follows TensorFlow's loader and is stricter where it is silent: ids are at least 0, id 0 is
 * reserved for {@value #BACKGROUND}, and a duplicate id or name is refused with a message naming both
 * entries (TensorFlow keeps the first id and the last name without a word). Ids need not be contiguous.
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * LabelMap labels = LabelMap.fromNames(List.of("race car", "tree", "house"));  // ids 1, 2, 3
 * String name = labels.nameOf(1);          // "race car"
 * String unknown = labels.nameOf(9);       // "id 9": a model's unknown id is named, never dropped
 * }</pre>
 */
public final class LabelMap {

    /** The only name allowed for id 0. */
    public static final String BACKGROUND = "background";

    /**
     * Refuses a label (or an image's file name or path) holding a control character that XML 1.0 cannot hold
     * (U+0000 to U+001F other than tab, line feed and carriage return), an unpaired surrogate, U+FFFE or U+FFFF:
     * they are written into VOC and CVAT XML and UTF-8 files, and one that slipped in from a JSON or protobuf
     * source would make a later write fail far from where it came from.
     */
    static void checkLabel(String label, String what) {
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean control = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
            boolean lone = Character.isHighSurrogate(c) ? i + 1 >= label.length()
                    || !Character.isLowSurrogate(label.charAt(i + 1)) : Character.isLowSurrogate(c)
                    && (i == 0 || !Character.isHighSurrogate(label.charAt(i - 1)));
            if (control || lone || c == '\uFFFE' || c == '\uFFFF') {
                StringBuilder shown = new StringBuilder();
                label.chars().forEach(ch -> shown.append(ch < 0x20 || Character.isSurrogate((char) ch) || ch >= 0xFFFE
                        ? String.format("\\u%04x", ch) : (char) ch));
                String code = String.format("U+%04X at index %d", (int) c, i);
                throw new IllegalArgumentException(what + " '" + shown + "' holds " + (control
                        ? "a control character (" + code + ")" : code + ", which XML and UTF-8 text cannot hold"));
            }
        }
    }

    /**
     * One class.
     *
     * @param id the integer the model predicts, at least 1 (0 only for {@value LabelMap#BACKGROUND})
     * @param name the class name written into annotation files; not empty, and without a character XML cannot
     *     hold (control characters other than tab, line feed and carriage return, unpaired surrogates, U+FFFE,
     *     U+FFFF)
     * @param displayName an optional name for people
     */
    public record Entry(int id, String name, Optional<String> displayName) {

        /** Validates the id and name on their own; see {@link LabelMap#of(List)} for the rules between entries. */
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(displayName, "displayName");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("label map entry with id " + id + " has an empty name");
            }
            checkLabel(name, "label map name");
            if (id < 0) {
                throw new IllegalArgumentException("label map id (" + id + ") of '" + name + "' must be >= 0");
            }
            if (id == 0 && !name.equals(BACKGROUND)) {
                throw new IllegalArgumentException("label map id 0 is reserved for '" + BACKGROUND
                        + "', but is given to '" + name + "'; class ids start at 1");
            }
        }

        /** An entry without a display name. */
        public static Entry of(int id, String name) {
            return new Entry(id, name, Optional.empty());
        }

        @Override
        public String toString() {
            return "{id: " + id + ", name: '" + name + "'"
                    + displayName.map(d -> ", display_name: '" + d + "'").orElse("") + "}";
        }
    }

    private static final LabelMap EMPTY = new LabelMap(List.of());

    private final List<Entry> entries;
    private final Map<Integer, Entry> byId;
    private final Map<String, Entry> byName;

    private LabelMap(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        Map<Integer, Entry> ids = new HashMap<>();
        Map<String, Entry> names = new HashMap<>();
        for (Entry e : this.entries) {
            Entry sameId = ids.putIfAbsent(e.id(), e);
            if (sameId != null) {
                throw new IllegalArgumentException("label map has duplicate id " + e.id() + ": " + sameId + " and " + e);
            }
            Entry sameName = names.putIfAbsent(e.name(), e);
            if (sameName != null) {
                throw new IllegalArgumentException(
                        "label map has duplicate name '" + e.name() + "': " + sameName + " and " + e);
            }
        }
        this.byId = Collections.unmodifiableMap(ids);
        this.byName = Collections.unmodifiableMap(names);
    }

    /** A label map with no classes. */
    public static LabelMap empty() {
        return EMPTY;
    }

    /**
     * A label map of these entries, in this order.
     *
     * @throws IllegalArgumentException on a duplicate id or name, naming both entries
     */
    public static LabelMap of(List<Entry> entries) {
        return new LabelMap(entries);
    }

    /** Names numbered 1, 2, 3, ... in list order, as the TF Object Detection API expects. */
    public static LabelMap fromNames(List<String> names) {
        List<Entry> list = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            list.add(Entry.of(i + 1, names.get(i)));
        }
        return new LabelMap(list);
    }

    /** The entries in their original order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Number of entries. */
    public int size() {
        return entries.size();
    }

    /** Whether there are no entries. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entry with this id. */
    public Optional<Entry> byId(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The entry with this name. */
    public Optional<Entry> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The id of a name. */
    public OptionalInt idOf(String name) {
        Entry e = byName.get(name);
        return e == null ? OptionalInt.empty() : OptionalInt.of(e.id());
    }

    /**
     * The name for a model's class id, or {@code "id N"} when the map has no such id, so that a prediction of
     * an unknown class is visible in the output rather than silently dropped.
     */
    public String nameOf(int id) {
        Entry e = byId.get(id);
        return e == null ? "id " + id : e.name();
    }

    /** The names in entry order. */
    public List<String> names() {
        return entries.stream().map(Entry::name).toList();
    }

    /** The largest id, or 0 for an empty map. */
    public int maxId() {
        return entries.stream().mapToInt(Entry::id).max().orElse(0);
    }

    /** This map with {@code name} appended under the next free id ({@link #maxId()} + 1). */
    public LabelMap withAppended(String name) {
        List<Entry> list = new ArrayList<>(entries);
        list.add(Entry.of(maxId() + 1, name));
        return new LabelMap(list);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMap other && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "LabelMap" + entries;
    }
}
