package dev.annotate.cli;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.Detectors;
import dev.annotate.core.LabelMap;
import dev.annotate.core.spi.DetectorProvider;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test backend that lets a test stop a run where it wants, whatever the machine's speed: a {@code .gate} file
 * names a real model beside it (its one line), and the gate's detector passes every call to that model's. In a JVM
 * started with {@code -D}{@value #AFTER}{@code =N}, the call after the N-th never returns (so the run can never
 * finish before the test kills it), and the first such call creates the file named by {@value #REACHED}.
 * Without the property it is the real model under another name, so a reference run and a resumed run through the
 * same gate write what the interrupted one would have.
 */
public final class GateDetectorProvider implements DetectorProvider {

    /** System property: how many images pass before the gate closes. */
    public static final String AFTER = "annotate.test.gate.after";

    /** System property: the file created when the gate closes on a call. */
    public static final String REACHED = "annotate.test.gate.reached";

    @Override
    public String name() {
        return "gate";
    }

    @Override
    public String accepts() {
        return "*.gate files naming a model";
    }

    @Override
    public boolean supports(Path model) {
        return model.getFileName().toString().endsWith(".gate") && Files.isRegularFile(model);
    }

    @Override
    public Detector open(Path model, DetectorOptions options) throws IOException {
        Detector real = Detectors.open(model.resolveSibling(Files.readString(model, StandardCharsets.UTF_8).strip()),
                options);
        int after = Integer.getInteger(AFTER, -1);
        String reached = System.getProperty(REACHED);
        AtomicInteger calls = new AtomicInteger();
        return new Detector() {
            private void pass() {
                if (after >= 0 && calls.incrementAndGet() > after) {
                    try {
                        if (reached != null) {
                            Files.writeString(Path.of(reached), "closed\n");
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    CountDownLatch never = new CountDownLatch(1);
                    while (true) {
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            // stays closed: only the test's kill ends this process
                        }
                    }
                }
            }

            @Override
            public List<Annotation> detect(BufferedImage image) {
                pass();
                return real.detect(image);
            }

            @Override
            public AnnotatedImage detect(Path image) throws IOException {
                pass();
                return real.detect(image);
            }

            @Override
            public LabelMap labelMap() {
                return real.labelMap();
            }

            @Override
            public DetectorOptions options() {
                return real.options();
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
