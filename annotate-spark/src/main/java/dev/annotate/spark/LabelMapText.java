package dev.annotate.spark;

import dev.annotate.core.FormatException;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;

/**
 * A label map read on the driver from any Hadoop file system, shipped to executors as its text ({@link LabelMap}
 * is not serializable) and parsed there again.
 *
 * @param text the {@code .pbtxt} text
 * @param source where it came from, named in errors
 */
record LabelMapText(String text, String source) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Reads and checks a label map, so that a missing or broken one fails on the driver, naming it.
     *
     * @throws NoSuchFileException if there is no file at {@code file}
     * @throws FormatException if it is not a label map
     */
    static LabelMapText read(Path file, Configuration conf) throws IOException {
        Path qualified = HadoopFiles.qualify(file, conf);
        FileSystem fs = HadoopFiles.fileSystem(qualified, conf);
        if (!fs.exists(qualified)) {
            throw new NoSuchFileException(qualified.toString(), null, "no label map");
        }
        byte[] bytes = HadoopFiles.readAll(fs, qualified, LabelMaps.MAX_BYTES);
        LabelMapText read = new LabelMapText(new String(bytes, StandardCharsets.UTF_8), qualified.toUri().getPath());
        read.parse();
        return read;
    }

    /** The label map. */
    LabelMap parse() throws FormatException {
        return LabelMaps.parse(text.getBytes(StandardCharsets.UTF_8), java.nio.file.Path.of(source));
    }
}
