package dev.annotate.onnx.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX Runtime's libraries unpacked once, found again, and replaced when damaged. */
final class OrtNativeCacheTest {

    @TempDir
    Path cache;

    private static long size(String resource) throws IOException {
        return OrtNativeCache.class.getResource(resource).openConnection().getContentLengthLong();
    }

    /** Processes starting at once on a fresh machine: each gets the complete folder, none removes another's. */
    @Test
    void startsAtOnce_allGetTheSameCompleteFolder() throws Exception {
        int n = 6;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(n);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<Path>> dirs = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                dirs.add(pool.submit(() -> {
                    together.await();
                    return OrtNativeCache.unpacked(cache).orElseThrow();
                }));
            }
            Path first = dirs.get(0).get();
            for (var d : dirs) {
                assertEquals(first, d.get());
            }
            try (Stream<Path> s = Files.list(first)) {
                assertTrue(s.count() >= 2);
            }
            try (Stream<Path> s = Files.list(cache)) {
                assertEquals(List.of(first.getFileName().toString()), s.map(p -> p.getFileName().toString())
                        .toList(), "no staging or stale folder left");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unpacksOnce_findsItAgain_andReplacesADamagedCopy() throws IOException {
        Path dir = OrtNativeCache.unpacked(cache).orElseThrow(); // this build runs on Linux x64 or a supported peer
        List<Path> libraries;
        try (Stream<Path> s = Files.list(dir)) {
            libraries = s.sorted().toList();
        }
        assertTrue(libraries.size() >= 2, libraries.toString());
        String platform = dir.getFileName().toString().split("-")[1] + "-" + dir.getFileName().toString().split("-")[2];
        for (Path lib : libraries) {
            assertEquals(size("/ai/onnxruntime/native/" + platform + "/" + lib.getFileName()), Files.size(lib), lib
                    .toString());
        }

        FileTime written = Files.getLastModifiedTime(libraries.get(0));
        Files.setLastModifiedTime(libraries.get(0), FileTime.fromMillis(written.toMillis() - 60_000));
        assertEquals(dir, OrtNativeCache.unpacked(cache).orElseThrow());
        assertEquals(written.toMillis() - 60_000, Files.getLastModifiedTime(libraries.get(0)).toMillis(),
                "a complete copy is used as it is");

        Files.write(libraries.get(0), new byte[] {1, 2, 3}); // a copy cut short
        assertEquals(dir, OrtNativeCache.unpacked(cache).orElseThrow());
        assertEquals(size("/ai/onnxruntime/native/" + platform + "/" + libraries.get(0).getFileName()),
                Files.size(libraries.get(0)));
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(List.of(dir.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList(),
                    "no staging or stale folder left");
        }
    }
}
