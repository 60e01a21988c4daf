package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a run does where an annotation file already exists: the one policy {@code annotate predict}
 * ({@link PreAnnotator}, per-image files and the images of a dataset file) and the Spark job apply, through
 * {@link #decide(Source)} for a file and {@link #replaces(AnnotatedImage)} for an image already read.
 *
 * <p>Whatever the policy but {@link #OVERWRITE}, a file that holds nothing (no bytes, or only zero bytes) or that
 * carries the {@linkplain MachineMark machine mark} but cannot be read is what a power loss leaves of a run's own
 * file not yet on disk: it is predicted again. Any other unreadable file may be a person's: it is left alone.
 */
public enum Existing {
    /**
     * Leave every existing annotation file alone (the default, and what makes a re-run resume), but for what a
     * power loss leaves of a run's own file (see the class comment), which is predicted again.
     */
    SKIP,
    /** Rewrite existing files unless a person marked them verified; unreadable ones are left alone. */
    SKIP_VERIFIED,
    /**
     * Rewrite the files a machine wrote that no person has checked since ({@link AnnotatedImage#checked()}): the
     * correction loop's re-prediction with a better model. A person's file (one they wrote, saved or
     * verified), an unreadable one, and every file of a format with no machine marks (YOLO) are left alone.
     */
    REFRESH,
    /** Rewrite every annotation file, a person's verified work included. */
    OVERWRITE;

    /** The machine mark's constant start, as every format stores it. */
    private static final byte[] MARK = MachineMark.PREFIX.getBytes(StandardCharsets.UTF_8);

    /** An existing annotation file: its bytes, and the format's reading of them. */
    public interface Source {
        /** The file's bytes. */
        byte[] bytes() throws IOException;

        /** The format's reading of {@code bytes}, with the problems it met. */
        ReadResult parse(byte[] bytes) throws IOException;
    }

    /**
     * What the policy decided for one existing file.
     *
     * @param replace whether this run predicts the image again and replaces the file
     * @param reason why the file is kept, or, when it is replaced, what it held if that was a power loss's
     *     leftovers; null when the policy simply replaces it
     * @param notable whether the reason is worth a note in the run's summary: a damaged file replaced, an unreadable
     *     one kept (not a file kept because the policy keeps it)
     */
    public record Decision(boolean replace, String reason, boolean notable) {
        static final Decision REPLACE = new Decision(true, null, false);
    }

    /** The name on the command line: {@code skip}, {@code skip-verified}, {@code refresh}, {@code overwrite}. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The policy with this {@linkplain #optionName() option name}, in any case.
     *
     * @throws IllegalArgumentException naming the value and every policy
     */
    public static Existing parse(String name) {
        for (Existing e : values()) {
            if (e.optionName().equalsIgnoreCase(name.strip())) {
                return e;
            }
        }
        throw new IllegalArgumentException("existing-file policy " + name + " is not one of "
                + String.join(", ", Arrays.stream(values()).map(Existing::optionName).toList()));
    }

    /** Whether the policy replaces an existing annotation that reads as {@code existing}. */
    public boolean replaces(AnnotatedImage existing) {
        return switch (this) {
            case OVERWRITE -> true;
            case SKIP -> false;
            case REFRESH -> !existing.checked();
            case SKIP_VERIFIED -> !existing.verified();
        };
    }

    /**
     * Whether the run replaces an existing annotation file, and why (see the class comment). Reads nothing under
     * {@link #OVERWRITE}.
     */
    public Decision decide(Source file) {
        if (this == OVERWRITE) {
            return Decision.REPLACE;
        }
        byte[] content;
        ReadResult read;
        try {
            content = file.bytes();
            if (blank(content)) {
                return new Decision(true, "existing annotation file holds nothing (a power loss before it reached the"
                        + " disk?): predicted again", true);
            }
            read = file.parse(content);
        } catch (IOException e) {
            return new Decision(false, "existing annotation file cannot be read, left alone: " + e, true);
        }
        if (read.image().isPresent()) {
            if (replaces(read.image().get())) {
                return Decision.REPLACE;
            }
            return new Decision(false, switch (this) {
                case REFRESH -> "annotation file checked by a person";
                case SKIP_VERIFIED -> "annotation file verified by a person";
                default -> "annotation file exists";
            }, false);
        }
        if (contains(content, MARK)) {
            return new Decision(true, "existing annotation file carries the machine mark but is cut short or damaged"
                    + " (a power loss before it reached the disk?): predicted again; " + read.problems(), true);
        }
        return new Decision(false, "existing annotation file is unreadable, left alone: " + read.problems(), true);
    }

    /** Whether a file holds nothing: no bytes, or only zero bytes (what some file systems show after a crash). */
    static boolean blank(byte[] content) {
        for (byte b : content) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static boolean contains(byte[] content, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= content.length; i++) {
            for (int k = 0; k < part.length; k++) {
                if (content[i + k] != part[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
