package dev.annotate.benchmarks;

import dev.annotate.core.image.Images;
import dev.annotate.tf.JpegTensors;
import dev.annotate.train.Backbone;
import dev.annotate.train.TrainerOptions;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/** Inputs and baselines the benchmarks share, so that every table compares against the same thing. */
final class BenchFiles {

    private BenchFiles() {
    }

    /**
     * The trainer's defaults for the {@code backbone=} among a benchmark's arguments (the last one given; the default
     * backbone without one): its own input size and learning rate, whatever the order of the other arguments.
     */
    static TrainerOptions trainerDefaults(String[] args) {
        return TrainerOptions.defaults(Arrays.stream(args).filter(a -> a.startsWith("backbone="))
                .map(a -> Backbone.valueOf(a.substring("backbone=".length()).toUpperCase(Locale.ROOT)))
                .reduce((first, last) -> last).orElse(TrainerOptions.DEFAULT_BACKBONE));
    }

    /**
     * Writes a photograph-like JPEG (quality 0.92): a gradient with sensor-like noise, so that its size and decode
     * cost resemble a camera's rather than a flat drawing's.
     */
    static void photo(Path file, int width, int height) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.BLUE, width, height, Color.ORANGE));
        g.fillRect(0, 0, width, height);
        g.dispose();
        byte[] p = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        Random r = new Random(1);
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) Math.max(0, Math.min(255, (p[i] & 0xFF) + r.nextInt(25) - 12));
        }
        Files.write(file, Images.encodeJpeg(img, 0.92f));
    }

    /**
     * The TensorFlow backend's decoding of a JPEG file, as its detector does it for a model that needs at least
     * {@code minSize} square: the bytes, the EXIF header, then TensorFlow's decoder, at the DCT ratio that keeps that
     * size, straight into a uint8 input tensor. Returns the tensor's size, so nothing is optimised away.
     */
    static long decodeIntoTensor(JpegTensors jpeg, Path file, int minSize) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        dev.annotate.core.image.ImageHeader header = Images.probe(bytes, file);
        int ratio = JpegTensors.ratio(header.width(), header.height(), minSize, minSize);
        return jpeg.decode(bytes, header.orientation(), ratio, t -> t.shape().size()).orElseThrow();
    }

    /**
     * The limit a conversion is measured against: every image's bytes read and appended to one file, nothing else;
     * then, like the converter's commit, forced to disk, so that both sides deliver durable files. Deletes the file
     * and returns the seconds spent in the force.
     */
    static double rawCopy(List<Path> images, Path out) throws IOException {
        double forced;
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream o = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
            for (Path p : images) {
                o.write(Files.readAllBytes(p));
            }
            o.flush();
            long t = System.nanoTime();
            channel.force(true);
            forced = (System.nanoTime() - t) / 1e9;
        }
        Files.delete(out);
        return forced;
    }

    /** Deletes a folder and everything below it, deepest first. */
    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
