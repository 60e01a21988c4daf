package dev.annotate.spark;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.IOException;
import java.net.URI;

/**
 * This machine's files under another scheme, so that the jobs treat them as a remote file system: models are
 * copied to the executor's cache, images to local temporary files, and outputs go through temporary files and
 * renames as on HDFS. {@link ObjectStore} does the same under {@code s3a}, so outputs are written directly as on
 * an object store. Registered in {@link SparkFixture} with {@code fs.<scheme>.impl}.
 */
public class RemoteLikeFileSystem extends RawLocalFileSystem {

    static final String SCHEME = "remotelike";

    /** Plain statuses: the local ones load permissions through {@code new File(uri)}, which needs {@code file:}. */
    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return plain(super.getFileStatus(f));
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] statuses = super.listStatus(f);
        for (int i = 0; i < statuses.length; i++) {
            statuses[i] = plain(statuses[i]);
        }
        return statuses;
    }

    private static FileStatus plain(FileStatus s) {
        return new FileStatus(s.getLen(), s.isDirectory(), 1, s.getBlockSize(), s.getModificationTime(), s.getPath());
    }

    @Override
    public URI getUri() {
        return URI.create(getScheme() + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    /** The same under {@code s3a}: an object store to the jobs. */
    public static final class ObjectStore extends RemoteLikeFileSystem {
        @Override
        public String getScheme() {
            return "s3a";
        }
    }
}
