package dev.annotate.core.format;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The installed {@link AnnotationFormat}s, found with {@link ServiceLoader}.
 *
 * <pre>{@code
 * for (AnnotationFormat f : AnnotationFormats.installed()) {
 *     System.out.println(f.name() + "  " + f.description());
 * }
 * AnnotationFormat voc = AnnotationFormats.byName("voc");
 * }</pre>
 */
public final class AnnotationFormats {

    private AnnotationFormats() {
    }

    /** Every installed format, sorted by name. */
    public static List<AnnotationFormat> installed() {
        List<AnnotationFormat> list = new ArrayList<>();
        ServiceLoader.load(AnnotationFormat.class, AnnotationFormats.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparing(AnnotationFormat::name));
        return List.copyOf(list);
    }

    /**
     * The installed format with this name (case-insensitive).
     *
     * @throws IllegalArgumentException if none has it; the message lists the installed names
     */
    public static AnnotationFormat byName(String name) {
        List<AnnotationFormat> all = installed();
        String wanted = name.toLowerCase(Locale.ROOT);
        for (AnnotationFormat f : all) {
            if (f.name().equals(wanted)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown annotation format '" + name + "'; installed: "
                + (all.isEmpty() ? "none (add dev.annotate:annotate-voc to the classpath)"
                        : all.stream().map(AnnotationFormat::name).collect(Collectors.joining(", "))));
    }
}
