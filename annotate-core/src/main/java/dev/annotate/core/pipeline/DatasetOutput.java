package dev.annotate.core.pipeline;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.AnnotationFormat;
import dev.annotate.core.format.Dataset;
import dev.annotate.core.format.DatasetWriter;
import dev.annotate.core.format.Problem;
import dev.annotate.core.format.ReadResult;
import dev.annotate.core.pipeline.PreAnnotator.Failure;
import dev.annotate.core.proto.JournalHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pre-annotation run's output in a dataset-level format: one file, written when the run ends, with a
 * {@link Journal} beside it so that a killed run resumes. The rules are in {@link PreAnnotator}'s class comment.
 */
final class DatasetOutput implements Output {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetOutput.class);

    private final Path file;
    private final AnnotationFormat format;
    private final LabelMap labels;
    private final Existing policy;
    /** What the existing file holds, by key. */
    private final Map<String, AnnotatedImage> existing;
    private final Journal journal;
    /** Results of this run (fresh and resumed), by key. */
    private final Map<String, AnnotatedImage> results = new ConcurrentHashMap<>();

    private DatasetOutput(Path file, AnnotationFormat format, LabelMap labels, Existing policy,
                          Map<String, AnnotatedImage> existing, Journal journal) {
        this.file = file;
        this.format = format;
        this.labels = labels;
        this.policy = policy;
        this.existing = existing;
        this.journal = journal;
    }

    /**
     * Reads the existing dataset file, if any, and opens the journal.
     *
     * @param root the image folder, absolute and normalised
     * @param location the dataset file or its folder
     * @throws IllegalArgumentException if the images do not lie under the file's folder, or the existing file holds
     *     what the format cannot write back (unless the policy is to overwrite)
     */
    static DatasetOutput open(Path root, Path location, PreAnnotator.Options options, LabelMap labels,
                              List<Failure> notes) throws IOException {
        AnnotationFormat format = options.format();
        Path file = format.datasetFile(location.toAbsolutePath().normalize());
        Path folder = file.getParent();
        if (folder == null || !root.startsWith(folder)) {
            throw new IllegalArgumentException(file + ": a " + format.name() + " file records image paths relative"
                    + " to its folder, and the images (" + root + ") are not under " + folder
                    + "; write it in the image folder or a folder above it");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a folder, not a " + format.name() + " file");
        }
        Map<String, AnnotatedImage> existing = new TreeMap<>();
        if (Files.exists(file)) {
            // read as the file names its classes: a person's label the model does not know is theirs, not a problem
            readExisting(file, format, LabelMap.empty(), options.existing(), existing, notes);
        }
        Files.createDirectories(folder);
        removeStaleTemporaries(file);
        JournalHeader header = JournalHeader.newBuilder().setFormat(format.name()).setModel(options.model())
                .setDatasetFile(file.toString()).build();
        Journal journal = Journal.open(folder.resolve("." + file.getFileName() + ".journal"), header);
        if (journal.restarted()) {
            notes.add(new Failure(file, "a journal of another run (another model or format) was left beside it;"
                    + " started afresh"));
        }
        return new DatasetOutput(file, format, labels, options.existing(), existing, journal);
    }

    /**
     * A run killed while the format wrote the file leaves its temporaries ({@code .<file>...tmp}, see
     * {@link dev.annotate.core.format.AtomicFiles}): never a result.
     */
    private static void removeStaleTemporaries(Path file) throws IOException {
        String prefix = "." + file.getFileName();
        Output.removeTemporaries(file.getParent(), n -> n.startsWith(prefix) && n.endsWith(".tmp"));
    }

    private static void readExisting(Path file, AnnotationFormat format, LabelMap labels, Existing policy,
                                     Map<String, AnnotatedImage> existing, List<Failure> notes) throws IOException {
        Dataset.Part part = new Dataset.Part(file, format);
        List<String> problems = new ArrayList<>();
        try {
            format.read(file, labels, (ReadResult r) -> {
                r.problems().stream().map(Problem::toString).forEach(problems::add);
                r.image().ifPresent(image -> {
                    String key = part.key(r);
                    if (existing.putIfAbsent(key, image) != null) {
                        problems.add(file + ": two entries for the image " + key);
                    }
                });
            });
        } catch (IOException e) {
            if (policy != Existing.OVERWRITE) {
                throw e;
            }
            problems.add(file + ": " + e.getMessage());
        }
        if (problems.isEmpty()) {
            return;
        }
        if (policy != Existing.OVERWRITE) {
            throw new IllegalArgumentException(file + " holds what the " + format.name() + " format reads with"
                    + " problems, so writing it back would lose what it could not read:\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(10, problems.size())))
                    + (problems.size() > 10 ? "\n  ... and " + (problems.size() - 10) + " more" : "")
                    + "\nmove it away, or replace it with what can be read (the existing-file policy overwrite)");
        }
        problems.forEach(p -> notes.add(new Failure(file, "replaced, as told (overwrite): " + p)));
    }

    private String key(Path image) {
        return file.getParent().relativize(image).toString().replace('\\', '/');
    }

    @Override
    public void beforeDirectory(Path firstImage) {
        // the file is written once, at the end: nothing to prepare per folder
    }

    @Override
    public Optional<Optional<AnnotatedImage>> plan(Path image) {
        String key = key(image);
        AnnotatedImage before = existing.get(key);
        if (before != null && !policy.replaces(before)) {
            return Optional.of(Optional.empty());
        }
        AnnotatedImage done = journal.resumed().get(key);
        if (done != null) {
            results.put(key, done);
            return Optional.of(Optional.of(done));
        }
        return Optional.empty();
    }

    @Override
    public void write(Path image, AnnotatedImage result) throws IOException {
        String key = key(image);
        journal.append(key, result);
        results.put(key, result);
    }

    /** Writes the file: what existed, with this run's results over it, in key order; then drops the journal. */
    @Override
    public void finish() throws IOException {
        Map<String, AnnotatedImage> all = new TreeMap<>(existing);
        all.putAll(results);
        DatasetWriter writer = format.openWriter(file, labels);
        try {
            for (Map.Entry<String, AnnotatedImage> e : all.entrySet()) {
                writer.write(e.getKey(), e.getValue());
            }
        } catch (IOException | RuntimeException e) {
            writer.discard();
            journal.close();
            throw e;
        }
        writer.close();
        journal.delete();
        LOG.debug("{}: {} images ({} from this run)", file, all.size(), results.size());
    }

    @Override
    public void abandon() {
        try {
            journal.close(); // kept: the next run resumes from it
        } catch (IOException e) {
            LOG.warn("{}: closing the journal failed", file, e);
        }
    }
}
