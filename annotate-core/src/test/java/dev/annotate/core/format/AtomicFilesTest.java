package dev.annotate.core.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void write_replacesTheTarget_andLeavesNoTemporaryFile() throws IOException {
        Path target = Files.writeString(dir.resolve("a.xml"), "old");
        AtomicFiles.write(target, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(target), list());
    }

    @Test
    void write_failingContent_leavesTheOldFileWhole_andNoTemporaryFile() throws IOException {
        Path target = Files.writeString(dir.resolve("a.xml"), "human annotation");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("human annotation", Files.readString(target));
        assertEquals(List.of(target), list());
    }

    @Test
    void write_newFile_getsTheSamePermissionsAsAnyNewFile() throws IOException {
        Path plain = Files.createFile(dir.resolve("plain"));
        Path written = dir.resolve("written");
        AtomicFiles.write(written, new byte[] {1});
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(written));
    }

    @Test
    void writeUnsynced_replacesTheTarget_andSyncForcesFilesOfSeveralFolders_namingOneThatIsGone() throws IOException {
        Path a = Files.writeString(dir.resolve("a.xml"), "old");
        Path b = Files.createDirectories(dir.resolve("sub")).resolve("b.xml");
        AtomicFiles.writeUnsynced(a, "new".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeUnsynced(b, "b".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.sync(List.of(a, b));
        assertEquals("new", Files.readString(a));
        assertEquals("b", Files.readString(b));
        assertEquals(List.of(a, dir.resolve("sub")), list().stream().sorted().toList());

        Files.delete(b);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.sync(List.of(a, b)));
        assertEquals(b.toString(), e.getMessage());
    }

    private List<Path> list() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
