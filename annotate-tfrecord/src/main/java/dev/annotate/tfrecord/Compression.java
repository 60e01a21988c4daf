package dev.annotate.tfrecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * How a TFRecord file is compressed. As in TensorFlow's {@code TFRecordOptions}, GZIP and ZLIB compress the whole
 * stream of records, not each record; TensorFlow does not record the choice in the file, so reader and writer
 * must agree.
 */
public enum Compression {
    /** Plain records. */
    NONE,
    /** The whole stream in one GZIP member (RFC 1952). */
    GZIP,
    /** The whole stream in zlib format (RFC 1950), as TensorFlow's {@code ZLIB} option writes it. */
    ZLIB;

    private static final int BUFFER = 64 * 1024;

    OutputStream wrap(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out, BUFFER);
            case ZLIB -> new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION), BUFFER) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        def.end(); // a Deflater passed in is not ended by the stream
                    }
                }
            };
        };
    }

    InputStream wrap(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, BUFFER);
            case ZLIB -> new InflaterInputStream(in, new Inflater(), BUFFER) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        inf.end();
                    }
                }
            };
        };
    }
}
