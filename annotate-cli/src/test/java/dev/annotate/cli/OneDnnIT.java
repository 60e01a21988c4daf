package dev.annotate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CLI turns TensorFlow's oneDNN kernels on unless the user chose: {@code main} in a child JVM, with and without
 * the variable in its environment, {@code --verbose} so that TensorFlow's own line says which kernels it runs.
 */
final class OneDnnIT {

    /** What TensorFlow logs when it loads with oneDNN's kernels. */
    private static final String ON = "oneDNN custom operations are on";

    @TempDir
    static Path root;

    @Test
    void wanted_onlyOnX8664LinuxOrMac_andOnlyWhenTheUserLeftItUnset() {
        assertTrue(OneDnn.wanted("Linux", "amd64", null));
        assertTrue(OneDnn.wanted("Mac OS X", "x86_64", null));
        assertFalse(OneDnn.wanted("Linux", "amd64", "0"), "the user's 0 is kept");
        assertFalse(OneDnn.wanted("Linux", "amd64", "1"));
        assertFalse(OneDnn.wanted("Linux", "aarch64", null), "not measured there");
        assertFalse(OneDnn.wanted("Windows 11", "amd64", null), "no setenv");
    }

    @Test
    void train_turnsOneDnnOn_unlessTheEnvironmentSaysOtherwise() throws Exception {
        assumeTrue(OneDnn.wanted(System.getProperty("os.name"), System.getProperty("os.arch"), null),
                "the CLI leaves TensorFlow's choice alone on this platform");
        Path data = root.resolve("data");
        AnnotateTest.Run g = AnnotateTest.run("generate", "--out", data.toString(), "--images", "4", "--seed", "6");
        assertEquals(0, g.code(), g.err());

        String unset = train(data, "unset", null);
        assertTrue(unset.contains(ON), unset);
        String off = train(data, "off", "0");
        assertFalse(off.contains(ON), off);
    }

    /** Trains two steps in a child JVM with {@code TF_ENABLE_ONEDNN_OPTS} as given (null: absent); its stderr. */
    private static String train(Path data, String name, String variable) throws IOException, InterruptedException {
        NativeOutputIT.Child child = NativeOutputIT.child(root, List.of(), environment -> {
            environment.remove(OneDnn.VARIABLE);
            if (variable != null) {
                environment.put(OneDnn.VARIABLE, variable);
            }
        }, "train", "--voc", data.toString(), "--labels", data.resolve("label_map.pbtxt").toString(),
                "--out", root.resolve(name).toString(), "--steps", "2", "--verbose", "--backbone", "primitive");
        assertEquals(0, child.code(), child.err());
        return child.err();
    }
}
