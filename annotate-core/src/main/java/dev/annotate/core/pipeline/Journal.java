package dev.annotate.core.pipeline;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.proto.JournalBox;
import dev.annotate.core.proto.JournalEntry;
import dev.annotate.core.proto.JournalExtra;
import dev.annotate.core.proto.JournalHeader;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.zip.CRC32C;

/**
 * The results of a dataset-level pre-annotation run so far, one record per image appended as it comes, so that a
 * run killed before it writes its one dataset file resumes without detecting those images again.
 *
 * <p>A record is a little-endian 32-bit length, a protobuf message ({@code annotate/journal.proto}) and the
 * message's CRC-32C. The first record is the {@link JournalHeader}; a journal whose header names another format,
 * model or file belongs to another run and is started afresh. Records are written through to the operating
 * system, not forced to disk: a kill loses nothing written, a power loss at most the last records, and a torn or
 * damaged record ends the journal where it starts (the rest is cut off and detected again), so nothing wrong is
 * ever taken from it.
 */
final class Journal implements AutoCloseable {

    /** No message of ours comes near this; a larger length is damage. */
    private static final int MAX_RECORD = 64 << 20;

    private final Path file;
    private final FileChannel channel;
    private final OutputStream out;
    private final Map<String, AnnotatedImage> resumed;
    private final boolean restarted;

    private Journal(Path file, FileChannel channel, Map<String, AnnotatedImage> resumed, boolean restarted) {
        this.file = file;
        this.channel = channel;
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 14);
        this.resumed = resumed;
        this.restarted = restarted;
    }

    /**
     * Opens the journal at {@code file}: the records of an earlier run with this {@code header} are kept and
     * returned by {@link #resumed()}; anything else there is replaced by a new journal holding the header.
     */
    static Journal open(Path file, JournalHeader header) throws IOException {
        Map<String, AnnotatedImage> resumed = new LinkedHashMap<>();
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long valid = 0;
            boolean restarted = false;
            if (channel.size() > 0) {
                Optional<byte[]> first = readRecord(channel, 0);
                if (first.isPresent() && header.equals(parseHeader(first.get()))) {
                    valid = 4 + first.get().length + 4;
                    for (Optional<byte[]> r = readRecord(channel, valid); r.isPresent();
                         r = readRecord(channel, valid)) {
                        Optional<Map.Entry<String, AnnotatedImage>> entry = decode(r.get());
                        if (entry.isEmpty()) {
                            break;
                        }
                        resumed.put(entry.get().getKey(), entry.get().getValue());
                        valid += 4 + r.get().length + 4;
                    }
                } else {
                    restarted = true;
                }
            }
            channel.truncate(valid);
            channel.position(valid);
            Journal journal = new Journal(file, channel, resumed, restarted);
            if (valid == 0) {
                journal.writeRecord(header.toByteArray());
            }
            return journal;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The images an earlier run of the same header finished, by key, in the order they were written. */
    Map<String, AnnotatedImage> resumed() {
        return resumed;
    }

    /** Whether a journal of another run (or an unreadable one) was found and replaced. */
    boolean restarted() {
        return restarted;
    }

    /** Appends one image's result. */
    synchronized void append(String key, AnnotatedImage image) throws IOException {
        writeRecord(encode(key, image).toByteArray());
    }

    /** Closes and deletes the journal: its run's dataset file is written. */
    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            try {
                out.close();
            } finally {
                channel.close();
            }
        }
    }

    private void writeRecord(byte[] message) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(message);
        ByteBuffer frame = ByteBuffer.allocate(4 + message.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(message.length).put(message).putInt((int) crc.getValue());
        out.write(frame.array());
        out.flush(); // through to the operating system: a killed process loses nothing it appended
    }

    /** The message of the record at {@code position}, or empty at the end, a torn record or a damaged one. */
    private static Optional<byte[]> readRecord(FileChannel channel, long position) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        if (!readFully(channel, length, position)) {
            return Optional.empty();
        }
        int n = length.getInt(0);
        if (n < 0 || n > MAX_RECORD || position + 8 + n > channel.size()) {
            return Optional.empty();
        }
        ByteBuffer body = ByteBuffer.allocate(n + 4).order(ByteOrder.LITTLE_ENDIAN);
        if (!readFully(channel, body, position + 4)) {
            return Optional.empty();
        }
        byte[] message = new byte[n];
        body.get(0, message);
        CRC32C crc = new CRC32C();
        crc.update(message);
        return body.getInt(n) == (int) crc.getValue() ? Optional.of(message) : Optional.empty();
    }

    private static boolean readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                return false;
            }
            at += n;
        }
        return true;
    }

    private static JournalHeader parseHeader(byte[] message) {
        try {
            return JournalHeader.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            return JournalHeader.getDefaultInstance();
        }
    }

    static JournalEntry encode(String key, AnnotatedImage image) {
        JournalEntry.Builder e = JournalEntry.newBuilder().setKey(key).setFileName(image.fileName())
                .setWidth(image.width()).setHeight(image.height()).setDepth(image.depth())
                .setVerified(image.verified()).addAllExtras(extras(image.extras()));
        image.path().ifPresent(e::setPath);
        image.predictedBy().ifPresent(e::setPredictedBy);
        for (Annotation a : image.annotations()) {
            JournalBox.Builder b = JournalBox.newBuilder().setLabel(a.label()).setXmin(a.box().xmin())
                    .setYmin(a.box().ymin()).setXmax(a.box().xmax()).setYmax(a.box().ymax())
                    .setDifficult(a.difficult()).setTruncated(a.truncated()).setPose(a.pose())
                    .addAllExtras(extras(a.extras()));
            a.confidence().ifPresent(b::setConfidence);
            e.addBoxes(b);
        }
        return e.build();
    }

    /** The entry in a record, or empty if it does not hold a valid image (damage the CRC did not catch). */
    static Optional<Map.Entry<String, AnnotatedImage>> decode(byte[] message) {
        try {
            JournalEntry e = JournalEntry.parseFrom(message);
            List<Annotation> annotations = e.getBoxesList().stream().map(b -> new Annotation(b.getLabel(),
                    BoundingBox.of(b.getXmin(), b.getYmin(), b.getXmax(), b.getYmax()),
                    b.hasConfidence() ? OptionalDouble.of(b.getConfidence()) : OptionalDouble.empty(),
                    b.getDifficult(), b.getTruncated(), b.getPose(), extras(b.getExtrasList()))).toList();
            AnnotatedImage image = new AnnotatedImage(e.getFileName(),
                    e.hasPath() ? Optional.of(e.getPath()) : Optional.empty(), e.getWidth(), e.getHeight(),
                    e.getDepth(), annotations, e.getVerified(), extras(e.getExtrasList()),
                    e.hasPredictedBy() ? Optional.of(e.getPredictedBy()) : Optional.empty());
            return e.getKey().isEmpty() ? Optional.empty() : Optional.of(Map.entry(e.getKey(), image));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static List<JournalExtra> extras(Map<String, String> extras) {
        return extras.entrySet().stream()
                .map(x -> JournalExtra.newBuilder().setKey(x.getKey()).setValue(x.getValue()).build()).toList();
    }

    private static Map<String, String> extras(List<JournalExtra> extras) {
        Map<String, String> m = new LinkedHashMap<>();
        extras.forEach(x -> m.put(x.getKey(), x.getValue()));
        return m;
    }
}
