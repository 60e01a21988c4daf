package dev.annotate.formats;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.MachineMark;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
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
 *   <li>A {@linkplain AnnotatedImage#predictedBy() predicted} image carries its {@link MachineMark} as the image
 *       member {@value #MARK_MEMBER}; reading gives the model back while the mark matches the boxes, so a COCO copy
 *       of machine files stays unchecked and one changed since is a person's. Labelling tools that export COCO do
 *       not keep the member: their files are a person's.</li>
 *   <li>{@code difficult}, {@code truncated} and a pose other than {@code Unspecified} are written, only when
 *       set, in an {@code attributes} object (the place CVAT's COCO export uses for per-object attributes).
 *       Boxes are written fitted to the image ({@link Annotation#fittedTo(int, int)}, the rule every writer
 *       follows): clamped, and truncated when they reach the border.</li>
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
 * {@link Problem} at {@code annotations[i]} (an unknown category is kept as {@code id N}). Writing writes the
 * file atomically on {@link DatasetWriter#close()}, sorted by image path, so the file does not depend on the order
 * images came in.
 *
 * <h2>Memory</h2>
 * Both directions stream with Gson's {@code JsonReader} and {@code JsonWriter}: a file of any size (COCO's own
 * train2017 holds 860,000 annotations in 450 MB) reads and writes in a heap far smaller than the file. Reading
 * makes one pass that keeps the image entries' JSON and, per annotation, only its image id, then one pass per
 * chunk of consecutive images whose annotations make up about 32 million characters of JSON, fewer in a small heap
 * (one pass for most files); writing keeps per image only its path and the place of its record in a spill file
 * beside the target.
 */
public final class CocoFormat extends DatasetFileFormat {

    /** The file name used when the dataset path is a folder. */
    public static final String DEFAULT_FILE_NAME = "annotations.json";

    /** Prefix of the {@code extras} keys holding unmodelled members. */
    public static final String EXTRA_PREFIX = "coco:";

    static final Set<String> IMAGE_MEMBERS = Set.of("id", "file_name", "width", "height");
    /** The image member holding a pre-annotation's {@link MachineMark}. */
    static final String MARK_MEMBER = "annotate_mark";
    /** What a predicted image's own mark replaces: a stale one kept from a file changed since. */
    static final Set<String> PREDICTED_IMAGE_MEMBERS = Set.of("id", "file_name", "width", "height",
            MARK_MEMBER);
    static final Set<String> ANNOTATION_MEMBERS =
            Set.of("id", "image_id", "category_id", "bbox", "area", "score", "attributes");
    /** Made on first use, not when the format is installed (see {@link CvatFormat}'s binding). */
    static final class Json {
        static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

        private Json() {
        }
    }

    /**
     * About how many characters of annotation JSON one reading pass holds in memory (see {@code CocoReader}): 32
     * million, or less in a small heap (parsed, they take a few times their size).
     */
    private static final long CHUNK_CHARS = Math.min(32L << 20, Runtime.getRuntime().maxMemory() / 8);

    private final long chunkChars;

    /** The format, as the service loader makes it. */
    public CocoFormat() {
        this(CHUNK_CHARS);
    }

    /** With a smaller chunk, for tests that exercise reading in several passes. */
    CocoFormat(long chunkChars) {
        super(DEFAULT_FILE_NAME, "COCO JSON");
        this.chunkChars = chunkChars;
    }

    @Override
    public String name() {
        return "coco";
    }

    @Override
    public String description() {
        return "COCO JSON, one file for the dataset (images, annotations, categories)";
    }

    @Override
    void readFile(Path file, LabelMap labels, Consumer<ReadResult> results) throws IOException {
        CocoReader.read(file, labels, results, chunkChars);
    }

    @Override
    DatasetWriter openFileWriter(Path file, LabelMap labels) throws IOException {
        return new CocoWriter(file, labels);
    }
}
