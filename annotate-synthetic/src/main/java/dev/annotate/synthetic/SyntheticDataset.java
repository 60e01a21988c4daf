package dev.annotate.synthetic;

import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.LabelMap;
import dev.annotate.core.LabelMaps;
import dev.annotate.core.format.AtomicFiles;
import dev.annotate.core.image.ExifOrientation;
import dev.annotate.voc.Voc;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * A synthetic object-detection dataset that stands in for a person's first few hundred annotations: JPEG images,
 * LabelImg-format VOC files and a label map, the same bytes for the same seed.
 *
 * <p>Three classes are drawn recognisably: {@code race car} (body, cockpit, two wheels), {@code tree} (trunk and
 * crown) and {@code house} (walls, roof, door), in random colours, 5% to 50% of the image width, several per
 * image, overlapping (an object less than {@link #MIN_VISIBLE_SHARE} visible is drawn but not annotated), some
 * cut by the border (VOC {@code truncated}), over textured, cluttered backgrounds with distractor shapes, at
 * varied sizes, aspect ratios and JPEG qualities. A share of the images is stored turned, with an EXIF
 * orientation, and annotated in the displayed frame, as LabelImg 1.8.4+ shows it, so every pipeline meets them.
 *
 * <pre>{@code
 * SyntheticDataset.Summary s = SyntheticDataset.generate(Path.of("seed-set"),
 *         SyntheticDataset.Options.defaults(100, 1));
 * }</pre>
 */
public final class SyntheticDataset {

    /** The class names, in label-map order (ids 1, 2, 3). */
    public static final List<String> CLASSES = List.of("race car", "tree", "house");

    /**
     * Objects of which less than this share stays visible (the rest hidden behind objects drawn later) are drawn
     * but not annotated: the PASCAL VOC annotation guidelines leave out objects "less than 10-20% visible", and a
     * person cannot box what they cannot see.
     */
    public static final double MIN_VISIBLE_SHARE = 0.15;

    /** The label map of {@link #CLASSES}. */
    public static final LabelMap LABEL_MAP = LabelMap.fromNames(CLASSES);

    /** How the scenes look. */
    public enum Style {
        /**
         * Flat-coloured drawings of the three classes over gradient backgrounds with strokes and distractor shapes:
         * what the demo, the tests and the trainer benchmark train on.
         */
        DRAWN(0.05, 0.5),
        /**
         * For evaluation only, never to train on: scenes that differ from {@link #DRAWN} the ways photographs do.
         * Fractal-textured, shaded surfaces with specular highlights; objects of many parts with internal edges and
         * colours (two-tone car bodies whose front and rear look like objects of their own, windows, rims, number
         * roundels, brick walls, crowns of many blobs); tilted and sheared (perspective-like), from 4% to 85% of the
         * image width; busy backgrounds with buildings, signboards with lettering, poles and lone parts; depth of
         * field and camera blur, uneven lighting, colour casts and sensor noise.
         */
        PHOTOGRAPHIC(0.04, 0.85);

        private final double minObject;
        private final double maxObject;

        Style(double minObject, double maxObject) {
            this.minObject = minObject;
            this.maxObject = maxObject;
        }
    }

    /**
     * What to generate.
     *
     * @param images number of images
     * @param seed the seed; image {@code i} depends only on the seed and {@code i}
     * @param minSide smallest image width or height
     * @param maxSide largest image width or height
     * @param exifShare share of images stored turned with an EXIF orientation, in {@code [0, 1]}
     * @param style how the scenes look
     * @param minObject narrowest object, as a share of the image width
     * @param maxObject widest object, as a share of the image width
     */
    public record Options(int images, long seed, int minSide, int maxSide, double exifShare, Style style,
                          double minObject, double maxObject) {

        /** Validates the values. */
        public Options {
            if (images < 0) {
                throw new IllegalArgumentException("images (" + images + ") must be >= 0");
            }
            if (minSide < 64 || maxSide < minSide) {
                throw new IllegalArgumentException("sides must satisfy 64 <= minSide (" + minSide
                        + ") <= maxSide (" + maxSide + ")");
            }
            if (!(exifShare >= 0 && exifShare <= 1)) {
                throw new IllegalArgumentException("exifShare (" + exifShare + ") must be in [0, 1]");
            }
            Objects.requireNonNull(style, "style");
            if (!(minObject > 0 && minObject <= maxObject && maxObject <= 1)) {
                throw new IllegalArgumentException("object widths must satisfy 0 < minObject (" + minObject
                        + ") <= maxObject (" + maxObject + ") <= 1");
            }
        }

        /**
         * {@code images} images from {@code seed}: {@link Style#DRAWN} scenes with objects 5% to 50% of the image
         * width, sides 320 to 800 pixels, 15% stored with an EXIF orientation.
         */
        public static Options defaults(int images, long seed) {
            return new Options(images, seed, 320, 800, 0.15, Style.DRAWN, Style.DRAWN.minObject,
                    Style.DRAWN.maxObject);
        }

        /** These options with image widths and heights from {@code min} to {@code max} pixels. */
        public Options withSides(int min, int max) {
            return new Options(images, seed, min, max, exifShare, style, minObject, maxObject);
        }

        /** These options with this share of images stored turned, with an EXIF orientation. */
        public Options withExifShare(double share) {
            return new Options(images, seed, minSide, maxSide, share, style, minObject, maxObject);
        }

        /** These options in another style, with that style's object widths. */
        public Options withStyle(Style s) {
            return new Options(images, seed, minSide, maxSide, exifShare, s, s.minObject, s.maxObject);
        }

        /** These options with objects from {@code min} to {@code max} of the image width. */
        public Options withObjectWidths(double min, double max) {
            return new Options(images, seed, minSide, maxSide, exifShare, style, min, max);
        }
    }

    /**
     * One generated image before it is written.
     *
     * @param displayed the image as a person sees it
     * @param annotations the boxes, in the displayed frame
     * @param orientation how the pixels are stored ({@link ExifOrientation#NORMAL} for most)
     * @param quality the JPEG quality used
     * @param probes for each annotation, a displayed-frame point inside the object's own pixels and their colour,
     *     or empty where a later object covers it
     * @param visibleShares for each annotation, the share of the object's pixels inside the image that no later
     *     object covers, in {@code [0, 1]}
     */
    public record Scene(BufferedImage displayed, List<Annotation> annotations, ExifOrientation orientation,
                        float quality, List<Optional<Probe>> probes, List<Double> visibleShares) {
    }

    /**
     * A pixel known to belong to an object.
     *
     * @param x column in the displayed frame
     * @param y row in the displayed frame
     * @param rgb its colour as drawn, {@code 0xRRGGBB}
     */
    public record Probe(int x, int y, int rgb) {
    }

    /**
     * What {@link #generate} wrote.
     *
     * @param images image files, in order
     * @param annotationFiles VOC files, in order
     * @param labelMap the label map file
     * @param objects boxes written
     * @param rotated images stored with a non-normal EXIF orientation
     * @param visibleShares for each image, its {@link Scene#visibleShares()}: the share of each annotated object that
     *     no later object covers, in annotation order
     */
    public record Summary(List<Path> images, List<Path> annotationFiles, Path labelMap, long objects, long rotated,
                          List<List<Double>> visibleShares) {
        /** Copies the lists. */
        public Summary {
            images = List.copyOf(images);
            annotationFiles = List.copyOf(annotationFiles);
            visibleShares = List.copyOf(visibleShares);
        }
    }

    private SyntheticDataset() {
    }

    /**
     * Writes {@code 000000.jpg}/{@code 000000.xml} ... and {@code label_map.pbtxt} into {@code dir} (created if
     * missing). Every file is written atomically; existing files of the same names are replaced.
     */
    public static Summary generate(Path dir, Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        Files.createDirectories(dir);
        Path absolute = dir.toAbsolutePath();
        List<Path> images = new ArrayList<>();
        List<Path> xmls = new ArrayList<>();
        List<List<Double>> shares = new ArrayList<>();
        long objects = 0;
        long rotated = 0;
        for (int i = 0; i < options.images(); i++) {
            Scene scene = render(options, i);
            String name = String.format("%06d.jpg", i);
            Path image = absolute.resolve(name);
            // stored pixels: the displayed ones turned back, so that applying the orientation shows the scene
            BufferedImage stored = inverse(scene.orientation()).apply(scene.displayed());
            AtomicFiles.write(image, Jpegs.encode(stored, scene.quality(), scene.orientation()));
            Path xml = absolute.resolve(String.format("%06d.xml", i));
            Voc.write(AnnotatedImage.of(name, scene.displayed().getWidth(), scene.displayed().getHeight(), 3,
                    scene.annotations()).withPath(image.toString()), xml);
            images.add(image);
            xmls.add(xml);
            shares.add(scene.visibleShares());
            objects += scene.annotations().size();
            rotated += scene.orientation() == ExifOrientation.NORMAL ? 0 : 1;
        }
        Path labelMap = absolute.resolve("label_map.pbtxt");
        LabelMaps.write(LABEL_MAP, labelMap);
        return new Summary(images, xmls, labelMap, objects, rotated, shares);
    }

    /** The orientation whose {@code apply} undoes this one's. */
    static ExifOrientation inverse(ExifOrientation o) {
        return switch (o) {
            case ROTATE_90_CW -> ExifOrientation.ROTATE_270_CW;
            case ROTATE_270_CW -> ExifOrientation.ROTATE_90_CW;
            default -> o; // mirrors, 180 degrees, transpose and transverse undo themselves
        };
    }

    /** Image {@code index} of a dataset, in memory: a function of the seed and the index only. */
    public static Scene render(Options options, int index) {
        if (options.style() == Style.PHOTOGRAPHIC) {
            return PhotographicScene.render(options, index);
        }
        Random random = new Random(options.seed() * 1_000_003L + index);
        int w = options.minSide() + random.nextInt(options.maxSide() - options.minSide() + 1);
        int h = options.minSide() + random.nextInt(options.maxSide() - options.minSide() + 1);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        background(g, random, w, h);
        int count = 2 + random.nextInt(5);
        Painter painter = new Painter(g, w, h);
        List<Annotation> annotations = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int clazz = random.nextInt(CLASSES.size());
            double objectWidth = w * (options.minObject()
                    + random.nextDouble() * (options.maxObject() - options.minObject()));
            // a few objects hang over the border, to be truncated
            double x = -objectWidth * 0.3 + random.nextDouble() * (w - objectWidth * 0.4);
            double y = -objectWidth * 0.2 + random.nextDouble() * (h - objectWidth * 0.3);
            Color colour = vivid(random);
            painter.object(k);
            Drawn d = switch (clazz) {
                case 0 -> raceCar(painter, random, x, y, objectWidth, colour);
                case 1 -> tree(painter, random, x, y, objectWidth, colour);
                default -> house(painter, random, x, y, objectWidth, colour);
            };
            Rectangle2D b = d.bounds();
            BoundingBox box = BoundingBox.of(b.getMinX(), b.getMinY(), b.getMaxX(), b.getMaxY()).clamp(w, h);
            if (box.width() < 4 || box.height() < 4) {
                continue; // almost wholly outside: nothing a person would annotate
            }
            boolean truncated = !box.equals(BoundingBox.of(b.getMinX(), b.getMinY(), b.getMaxX(), b.getMaxY()));
            annotations.add(new Annotation(CLASSES.get(clazz), box, OptionalDouble.empty(), false, truncated,
                    Annotation.UNSPECIFIED_POSE, java.util.Map.of()));
            probes.add(d.probe());
            ids.add(k);
        }
        g.dispose();
        noise(img, random);
        return scene(img, painter, annotations, ids, probes, options, random, 0.75f, 0.2f);
    }

    /**
     * The scene of what a painter drew into {@code img}: the objects at least {@link #MIN_VISIBLE_SHARE} visible,
     * each with its probe where its own pixels show there, then a stored orientation ({@link Options#exifShare()} of
     * images turned) and a JPEG quality in {@code [minQuality, minQuality + qualitySpan)}, drawn from {@code random}
     * in that order.
     *
     * @param annotations the drawn objects' boxes
     * @param ids for each annotation, its object number in the painter
     * @param probes for each annotation, a point on its own pixels and their colour
     */
    static Scene scene(BufferedImage img, Painter painter, List<Annotation> annotations, List<Integer> ids,
                       List<Probe> probes, Options options, Random random, float minQuality, float qualitySpan) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] shown = painter.pixelsShown();
        List<Annotation> kept = new ArrayList<>();
        List<Optional<Probe>> visible = new ArrayList<>();
        List<Double> shares = new ArrayList<>();
        for (int k = 0; k < annotations.size(); k++) {
            int id = ids.get(k);
            double share = painter.pixelsDrawn(id) == 0 ? 0 : (double) shown[id] / painter.pixelsDrawn(id);
            if (share < MIN_VISIBLE_SHARE) {
                continue; // hidden behind later objects: nothing a person would annotate
            }
            Probe p = probes.get(k);
            boolean shows = p.x() >= 0 && p.y() >= 0 && p.x() < w && p.y() < h && painter.owner(p.x(), p.y()) == id;
            kept.add(annotations.get(k));
            visible.add(shows ? Optional.of(p) : Optional.empty());
            shares.add(share);
        }
        ExifOrientation orientation = random.nextDouble() < options.exifShare()
                ? ExifOrientation.fromTag(2 + random.nextInt(7)) : ExifOrientation.NORMAL;
        float quality = minQuality + random.nextFloat() * qualitySpan;
        return new Scene(img, List.copyOf(kept), orientation, quality, List.copyOf(visible), List.copyOf(shares));
    }

    private record Drawn(Rectangle2D bounds, Probe probe) {
    }

    private static Color vivid(Random r) {
        return Color.getHSBColor(r.nextFloat(), 0.6f + r.nextFloat() * 0.4f, 0.55f + r.nextFloat() * 0.45f);
    }

    private static Color muted(Random r) {
        return Color.getHSBColor(r.nextFloat(), r.nextFloat() * 0.3f, 0.3f + r.nextFloat() * 0.5f);
    }

    /** Gradient sky/ground, texture strokes and distractor shapes that belong to no class. */
    private static void background(Graphics2D g, Random r, int w, int h) {
        g.setPaint(new GradientPaint(0, 0, muted(r), w, h, muted(r)));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 40; i++) {
            g.setColor(muted(r));
            g.setStroke(new BasicStroke(1 + r.nextInt(4)));
            g.drawLine(r.nextInt(w), r.nextInt(h), r.nextInt(w), r.nextInt(h));
        }
        for (int i = 0; i < 6; i++) {
            g.setColor(vivid(r));
            int s = 5 + r.nextInt(Math.max(6, w / 12));
            int x = r.nextInt(w);
            int y = r.nextInt(h);
            switch (r.nextInt(3)) {
                case 0 -> g.fillOval(x, y, s, s / 2 + 1);
                case 1 -> g.fillPolygon(new Polygon(new int[] {x, x + s, x + s / 3}, new int[] {y, y + s / 3, y + s},
                        3));
                default -> g.fillRect(x, y, s / 4 + 1, s);
            }
        }
    }

    private static Drawn raceCar(Painter g, Random r, double x, double y, double width, Color colour) {
        double height = width * (0.38 + r.nextDouble() * 0.08);
        double bodyTop = y + height * 0.35;
        double bodyHeight = height * 0.45;
        double wheel = height * 0.42;
        g.setColor(colour.darker());
        g.fill(new java.awt.geom.RoundRectangle2D.Double(x + width * 0.3, y, width * 0.35, height * 0.45,
                width * 0.08, width * 0.08)); // cockpit
        g.setColor(colour);
        g.fill(new java.awt.geom.RoundRectangle2D.Double(x, bodyTop, width, bodyHeight, width * 0.1, width * 0.1));
        g.setColor(new Color(20, 20, 20));
        g.fill(new java.awt.geom.Ellipse2D.Double(x + width * 0.12, y + height - wheel, wheel, wheel));
        g.fill(new java.awt.geom.Ellipse2D.Double(x + width * 0.88 - wheel, y + height - wheel, wheel, wheel));
        return new Drawn(new Rectangle2D.Double(x, y, width, height),
                probe(x + width * 0.5, bodyTop + bodyHeight * 0.4, colour));
    }

    private static Drawn tree(Painter g, Random r, double x, double y, double width, Color colour) {
        double height = width * (1.3 + r.nextDouble() * 0.5);
        double trunkWidth = width * 0.18;
        g.setColor(new Color(110, 70, 30));
        g.fill(new Rectangle2D.Double(x + (width - trunkWidth) / 2, y + height * 0.55, trunkWidth, height * 0.45));
        Color crown = new Color(30 + colour.getRed() / 6, 120 + colour.getGreen() / 3, 30 + colour.getBlue() / 6);
        g.setColor(crown);
        g.fill(new java.awt.geom.Ellipse2D.Double(x, y, width, height * 0.7));
        return new Drawn(new Rectangle2D.Double(x, y, width, height), probe(x + width / 2, y + height * 0.35, crown));
    }

    private static Drawn house(Painter g, Random r, double x, double y, double width, Color colour) {
        double height = width * (0.9 + r.nextDouble() * 0.3);
        double roof = height * 0.35;
        g.setColor(colour);
        g.fill(new Rectangle2D.Double(x + width * 0.08, y + roof, width * 0.84, height - roof));
        g.setColor(new Color(150, 40, 30));
        java.awt.geom.Path2D.Double roofShape = new java.awt.geom.Path2D.Double();
        roofShape.moveTo(x, y + roof);
        roofShape.lineTo(x + width / 2, y);
        roofShape.lineTo(x + width, y + roof);
        roofShape.closePath();
        g.fill(roofShape);
        g.setColor(new Color(60, 40, 20));
        g.fill(new Rectangle2D.Double(x + width * 0.42, y + height * 0.65, width * 0.16, height * 0.35));
        return new Drawn(new Rectangle2D.Double(x, y, width, height),
                probe(x + width * 0.25, y + roof + (height - roof) * 0.3, colour));
    }

    private static Probe probe(double x, double y, Color c) {
        return new Probe((int) Math.floor(x), (int) Math.floor(y), c.getRGB() & 0xFFFFFF);
    }

    /** Mild sensor-like noise over everything, so JPEG sizes and textures resemble photographs. */
    private static void noise(BufferedImage img, Random r) {
        byte[] p = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < p.length; i++) {
            int v = (p[i] & 0xFF) + r.nextInt(13) - 6;
            p[i] = (byte) Math.max(0, Math.min(255, v));
        }
    }
}
