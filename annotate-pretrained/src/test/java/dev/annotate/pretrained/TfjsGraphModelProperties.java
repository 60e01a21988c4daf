package dev.annotate.pretrained;

import dev.annotate.core.FormatException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class TfjsGraphModelProperties {

    @Property(tries = 60)
    void writeThenRead_isIdentity(@ForAll("weights") List<TfjsGraphModel.Weight> weights, @ForAll boolean half,
                                  @ForAll @IntRange(min = 1, max = 64) int shardBytes) throws IOException {
        inNewFolder(dir -> {
            Path file = dir.resolve("m.json");
            Map<String, TfjsGraphModel.Weight> byName = new LinkedHashMap<>();
            weights.forEach(w -> byName.put(w.name(), w));
            TfjsGraphModel model = new TfjsGraphModel(file, TfjsGraphModelTest.small(file).nodes(), List.of("a:0"),
                    List.of("b:0", "c:0"), byName);
            TfjsWriter.write(file, model, half, shardBytes);
            assertEquals(model, TfjsGraphModel.read(file));
        });
    }

    /** Arbitrary bytes as model.json: a model or a {@link FormatException}, nothing else. */
    @Property(tries = 300)
    void read_arbitraryBytes_givesAModelOrAFormatException(@ForAll @Size(max = 400) byte[] bytes)
            throws IOException {
        inNewFolder(dir -> readsOrRefuses(Files.write(dir.resolve("model.json"), bytes)));
    }

    /** A real manifest over arbitrary shard bytes, or a model.json cut short: a model or a FormatException. */
    @Property(tries = 200)
    void read_damagedFiles_givesAModelOrAFormatException(@ForAll @Size(max = 300) byte[] shard,
                                                          @ForAll @IntRange(min = 0, max = 2000) int cut)
            throws IOException {
        inNewFolder(dir -> {
            Path file = dir.resolve("model.json");
            TfjsWriter.write(file, TfjsGraphModelTest.small(file), cut % 2 == 0, 1 << 20);
            Files.write(dir.resolve("model.group1-shard1.bin"), shard);
            byte[] json = Files.readAllBytes(file);
            if (cut < json.length) {
                Files.write(file, java.util.Arrays.copyOf(json, cut));
            }
            readsOrRefuses(file);
        });
    }

    @Provide
    Arbitrary<List<TfjsGraphModel.Weight>> weights() {
        Arbitrary<int[]> shapes = Arbitraries.integers().between(0, 5).array(int[].class).ofMaxSize(3);
        Arbitrary<TfjsGraphModel.Weight> weight = Combinators.combine(
                Arbitraries.strings().alpha().numeric().withChars("/_:").ofMinLength(1).ofMaxLength(12), shapes,
                Arbitraries.of(TfjsGraphModel.DType.values()), Arbitraries.integers()).as((name, shape, dtype, seed) -> {
                    int n = (int) TfjsGraphModel.elements(shape);
                    java.util.Random rng = new java.util.Random(seed);
                    float[] floats = new float[dtype == TfjsGraphModel.DType.FLOAT32 ? n : 0];
                    for (int i = 0; i < floats.length; i++) {
                        // a half's value, so that the float16 write keeps it exactly (NaN aside)
                        float f;
                        do {
                            f = Float16.toFloat((short) rng.nextInt());
                        } while (Float.isNaN(f));
                        floats[i] = f;
                    }
                    int[] ints = new int[dtype == TfjsGraphModel.DType.FLOAT32 ? 0 : n];
                    for (int i = 0; i < ints.length; i++) {
                        ints[i] = dtype == TfjsGraphModel.DType.BOOL ? rng.nextInt(2) : rng.nextInt();
                    }
                    return new TfjsGraphModel.Weight(name, dtype, shape, floats, ints);
                });
        return weight.list().ofMaxSize(6).uniqueElements(TfjsGraphModel.Weight::name);
    }

    /** The file read, or refused with a {@link FormatException} naming it: nothing else. */
    private static void readsOrRefuses(Path file) throws IOException {
        try {
            TfjsGraphModel.read(file);
        } catch (FormatException expected) {
            assertEquals(file, expected.file());
        }
    }

    private interface InFolder {
        void run(Path dir) throws IOException;
    }

    /** Runs {@code body} in a new folder, deleted afterwards (a property's tries cannot share a JUnit folder). */
    private static void inNewFolder(InFolder body) throws IOException {
        Path dir = Files.createTempDirectory("tfjs");
        try {
            body.run(dir);
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
