package dev.annotate.synthetic;

import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.MultipleGradientPaint;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.TexturePaint;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.DataBufferByte;
import java.awt.image.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * Renders {@link SyntheticDataset.Style#PHOTOGRAPHIC} scenes: the same three classes as the drawn style, made the
 * ways photographs differ from it (see the style's description). Every object is drawn under its own transform
 * (tilt and shear); its box is the box of everything it drew, so boxes stay tight whatever the transform.
 */
final class PhotographicScene {

    private static final String LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    private static final FontRenderContext FONTS = new FontRenderContext(null, true, true);

    private PhotographicScene() {
    }

    static SyntheticDataset.Scene render(SyntheticDataset.Options options, int index) {
        Random random = new Random((options.seed() * 1_000_003L + index) * 0x5DEECE66DL + 11);
        int w = options.minSide() + random.nextInt(options.maxSide() - options.minSide() + 1);
        int h = options.minSide() + random.nextInt(options.maxSide() - options.minSide() + 1);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        background(g, random, w, h);
        g.dispose();
        if (random.nextDouble() < 0.5) {
            img = blur(img, 1 + random.nextInt(3)); // depth of field: the background out of focus
        }
        g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Painter painter = new Painter(g, w, h);
        int count = 1 + random.nextInt(7);
        List<Annotation> annotations = new ArrayList<>();
        List<Point2D> points = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        double logMin = Math.log(options.minObject());
        double logMax = Math.log(options.maxObject());
        for (int k = 0; k < count; k++) {
            int clazz = random.nextInt(SyntheticDataset.CLASSES.size());
            double width = w * Math.exp(logMin + random.nextDouble() * (logMax - logMin));
            double x = -width * 0.3 + random.nextDouble() * (w - width * 0.4);
            double y = -width * 0.2 + random.nextDouble() * (h - width * 0.3);
            AffineTransform t = AffineTransform.getTranslateInstance(x, y);
            t.rotate(Math.toRadians((random.nextDouble() - 0.5) * 14), width / 2, width / 2);
            t.shear((random.nextDouble() - 0.5) * 0.4, (random.nextDouble() - 0.5) * 0.12);
            t.scale(1, 0.85 + random.nextDouble() * 0.3);
            painter.object(k, t);
            Point2D local = switch (clazz) {
                case 0 -> car(painter, random, width);
                case 1 -> tree(painter, random, width);
                default -> house(painter, random, width);
            };
            Rectangle2D b = painter.bounds();
            BoundingBox whole = BoundingBox.of(b.getMinX(), b.getMinY(), b.getMaxX(), b.getMaxY());
            BoundingBox box = whole.clamp(w, h);
            if (box.width() < 4 || box.height() < 4) {
                continue;
            }
            annotations.add(new Annotation(SyntheticDataset.CLASSES.get(clazz), box, OptionalDouble.empty(), false,
                    !box.equals(whole), Annotation.UNSPECIFIED_POSE, Map.of()));
            points.add(t.transform(local, null));
            ids.add(k);
        }
        g.dispose();
        light(img, random);
        if (random.nextDouble() < 0.3) {
            img = blur(img, 1); // camera shake or focus
        }
        noise(img, random, 3 + random.nextInt(10));
        List<SyntheticDataset.Probe> probes = new ArrayList<>();
        for (Point2D point : points) {
            int px = (int) Math.floor(point.getX());
            int py = (int) Math.floor(point.getY());
            boolean inside = px >= 0 && py >= 0 && px < w && py < h;
            probes.add(new SyntheticDataset.Probe(px, py, inside ? img.getRGB(px, py) & 0xFFFFFF : 0));
        }
        return SyntheticDataset.scene(img, painter, annotations, ids, probes, options, random, 0.6f, 0.35f);
    }

    // ---- background ----------------------------------------------------------------------------------------------

    /** Sky and ground, buildings with window grids, signboards with lettering, poles, wires, blobs and lone parts. */
    private static void background(Graphics2D g, Random r, int w, int h) {
        int horizon = (int) (h * (0.25 + r.nextDouble() * 0.45));
        g.setPaint(new GradientPaint(0, 0, muted(r, 0.5f), 0, horizon, muted(r, 0.75f)));
        g.fillRect(0, 0, w, horizon);
        g.setPaint(texture(r, muted(r, 0.45f), 0.35));
        g.fillRect(0, horizon, w, h - horizon);
        int buildings = 2 + r.nextInt(7);
        for (int i = 0; i < buildings; i++) {
            int bw = (int) (w * (0.05 + r.nextDouble() * 0.25));
            int bh = (int) (h * (0.1 + r.nextDouble() * 0.45));
            int bx = r.nextInt(w);
            int by = horizon - bh + r.nextInt(Math.max(1, h / 20));
            g.setPaint(texture(r, muted(r, 0.6f), 0.25));
            g.fillRect(bx, by, bw, bh);
            g.setColor(muted(r, 0.3f));
            int cell = Math.max(4, bw / (3 + r.nextInt(5)));
            for (int wy = by + cell / 2; wy + cell / 2 < by + bh; wy += cell) {
                for (int wx = bx + cell / 4; wx + cell / 2 < bx + bw; wx += cell) {
                    g.fillRect(wx, wy, cell / 2, cell / 2);
                }
            }
        }
        for (int i = 0, n = 10 + r.nextInt(25); i < n; i++) {
            g.setColor(muted(r, 0.5f));
            g.setStroke(new BasicStroke(1 + r.nextInt(5)));
            int x = r.nextInt(w);
            g.drawLine(x, r.nextInt(h), r.nextBoolean() ? x : r.nextInt(w), r.nextInt(h));
        }
        for (int i = 0, n = 6 + r.nextInt(10); i < n; i++) {
            g.setPaint(texture(r, r.nextBoolean() ? vivid(r) : muted(r, 0.6f), 0.3));
            int s = 6 + r.nextInt(Math.max(7, w / 8));
            int x = r.nextInt(w);
            int y = r.nextInt(h);
            switch (r.nextInt(3)) {
                case 0 -> g.fillOval(x, y, s, s * (1 + r.nextInt(3)) / 3 + 1);
                case 1 -> g.fillPolygon(new int[] {x, x + s, x + s / 2 + r.nextInt(s)},
                        new int[] {y, y + r.nextInt(s), y + s}, 3);
                default -> g.fillRect(x, y, s / 3 + 1, s);
            }
        }
        for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
            signboard(g, r, w, h);
        }
        for (int i = 0, n = r.nextInt(3); i < n; i++) {
            lonePart(g, r, w, h);
        }
    }

    /** A board of a bright colour with lettering, sometimes on a pole. */
    private static void signboard(Graphics2D g, Random r, int w, int h) {
        int letters = 2 + r.nextInt(8);
        float size = (float) (h * (0.02 + r.nextDouble() * 0.08));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < letters; i++) {
            text.append(LETTERS.charAt(r.nextInt(LETTERS.length())));
        }
        Font font = new Font(Font.SANS_SERIF, r.nextBoolean() ? Font.BOLD : Font.PLAIN, 1).deriveFont(size);
        Shape glyphs = font.createGlyphVector(FONTS, text.toString()).getOutline();
        Rectangle2D t = glyphs.getBounds2D();
        double pad = size * 0.3;
        double x = r.nextInt(w);
        double y = r.nextInt(h);
        if (r.nextBoolean()) {
            g.setColor(new Color(70, 70, 75));
            g.fill(new Rectangle2D.Double(x + t.getWidth() / 2, y, Math.max(2, size / 6), h * 0.3));
        }
        Color board = vivid(r);
        g.setColor(board);
        g.fill(new Rectangle2D.Double(x - pad, y - pad, t.getWidth() + 2 * pad, t.getHeight() + 2 * pad));
        g.setColor(brightness(board) > 0.55 ? new Color(20, 20, 20) : new Color(245, 245, 240));
        g.fill(AffineTransform.getTranslateInstance(x - t.getX(), y - t.getY()).createTransformedShape(glyphs));
    }

    /** A wheel or a window on its own: parts that are not the whole object. */
    private static void lonePart(Graphics2D g, Random r, int w, int h) {
        double s = Math.min(w, h) * (0.03 + r.nextDouble() * 0.08);
        double x = r.nextInt(w);
        double y = r.nextInt(h);
        if (r.nextBoolean()) {
            g.setColor(new Color(20, 20, 20));
            g.fill(new Ellipse2D.Double(x, y, s, s));
            g.setColor(new Color(150, 150, 155));
            g.fill(new Ellipse2D.Double(x + s * 0.25, y + s * 0.25, s * 0.5, s * 0.5));
        } else {
            g.setColor(new Color(235, 235, 230));
            g.fill(new Rectangle2D.Double(x, y, s, s * 1.2));
            g.setPaint(glass(r, x, y, s * 1.2));
            g.fill(new Rectangle2D.Double(x + s * 0.1, y + s * 0.1, s * 0.8, s));
        }
    }

    // ---- objects: each returns a point (in its own coordinates) on its main colour --------------------------------

    private static Point2D car(Painter p, Random r, double w) {
        double h = w * (0.36 + r.nextDouble() * 0.1);
        double bodyTop = h * 0.35;
        double bodyHeight = h * 0.45;
        Color front = vivid(r);
        Color rear = r.nextBoolean() ? vivid(r) : front; // two-tone: front and rear look like objects of their own
        p.setPaint(new GradientPaint(0, 0, front.darker(), 0, (float) (h * 0.45), front.darker().darker()));
        p.fill(new RoundRectangle2D.Double(w * 0.3, 0, w * 0.35, h * 0.45, w * 0.08, w * 0.08)); // cockpit
        p.setPaint(glass(r, 0, h * 0.05, h * 0.35));
        p.fill(new Rectangle2D.Double(w * 0.34, h * 0.06, w * 0.12, h * 0.26));
        p.fill(new Rectangle2D.Double(w * 0.49, h * 0.06, w * 0.12, h * 0.26));
        double split = w * (0.4 + r.nextDouble() * 0.2);
        shaded(p, front, new RoundRectangle2D.Double(0, bodyTop, split + w * 0.05, bodyHeight, w * 0.1, w * 0.1),
                bodyTop, bodyHeight);
        shaded(p, rear, new RoundRectangle2D.Double(split, bodyTop, w - split, bodyHeight, w * 0.1, w * 0.1),
                bodyTop, bodyHeight);
        p.setColor(new Color(30, 30, 35));
        p.fill(new Rectangle2D.Double(split - w * 0.005, bodyTop + bodyHeight * 0.1, w * 0.01, bodyHeight * 0.8));
        p.setColor(r.nextBoolean() ? new Color(240, 240, 240) : vivid(r));
        p.fill(new Rectangle2D.Double(w * 0.02, bodyTop + bodyHeight * 0.45, w * 0.96, bodyHeight * 0.12));
        p.setColor(new Color(30, 30, 35));
        p.fill(new Rectangle2D.Double(w * 0.86, h * 0.18, w * 0.14, h * 0.07)); // spoiler
        p.fill(new Rectangle2D.Double(w * 0.9, h * 0.25, w * 0.03, bodyTop - h * 0.25));
        double roundel = bodyHeight * 0.55;
        double rx = w * (0.55 + r.nextDouble() * 0.15);
        p.setColor(new Color(245, 245, 245));
        p.fill(new Ellipse2D.Double(rx, bodyTop + bodyHeight * 0.05, roundel, roundel));
        p.setColor(new Color(15, 15, 15));
        p.fill(text(String.valueOf(1 + r.nextInt(99)), rx + roundel * 0.2, bodyTop + bodyHeight * 0.15,
                roundel * 0.6));
        p.setColor(new Color(255, 240, 170));
        p.fill(new Ellipse2D.Double(w * 0.01, bodyTop + bodyHeight * 0.15, w * 0.05, bodyHeight * 0.25));
        p.setColor(new Color(200, 20, 20));
        p.fill(new Rectangle2D.Double(w * 0.96, bodyTop + bodyHeight * 0.15, w * 0.035, bodyHeight * 0.2));
        highlight(p, w * 0.15, bodyTop + bodyHeight * 0.05, w * 0.3, bodyHeight * 0.25);
        double wheel = h * 0.42;
        for (double wx : new double[] {w * 0.12, w * 0.88 - wheel}) {
            p.setColor(new Color(18, 18, 18));
            p.fill(new Ellipse2D.Double(wx, h - wheel, wheel, wheel));
            p.setColor(new Color(120 + r.nextInt(100), 120 + r.nextInt(100), 125 + r.nextInt(100)));
            p.fill(new Ellipse2D.Double(wx + wheel * 0.25, h - wheel * 0.75, wheel * 0.5, wheel * 0.5));
            p.setColor(new Color(40, 40, 40));
            p.fill(new Ellipse2D.Double(wx + wheel * 0.42, h - wheel * 0.58, wheel * 0.16, wheel * 0.16));
        }
        return new Point2D.Double(split * 0.5, bodyTop + bodyHeight * 0.3);
    }

    private static Point2D tree(Painter p, Random r, double w) {
        double h = w * (1.3 + r.nextDouble() * 0.5);
        double trunk = w * (0.1 + r.nextDouble() * 0.12);
        double tx = (w - trunk) / 2 + (r.nextDouble() - 0.5) * w * 0.1;
        Color bark = new Color(90 + r.nextInt(50), 55 + r.nextInt(30), 25 + r.nextInt(20));
        p.setPaint(texture(r, bark, 0.4));
        p.fill(new Rectangle2D.Double(tx, h * 0.5, trunk, h * 0.5));
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            Path2D.Double branch = new Path2D.Double();
            double bx = tx + trunk / 2;
            double by = h * (0.55 + r.nextDouble() * 0.15);
            double ex = r.nextDouble() * w;
            branch.moveTo(bx - trunk * 0.2, by);
            branch.lineTo(ex, h * (0.25 + r.nextDouble() * 0.2));
            branch.lineTo(bx + trunk * 0.2, by + trunk * 0.4);
            branch.closePath();
            p.fill(branch);
        }
        float hue = r.nextDouble() < 0.8 ? 0.22f + r.nextFloat() * 0.15f : 0.02f + r.nextFloat() * 0.12f;
        int blobs = 3 + r.nextInt(5);
        Point2D centre = null;
        for (int i = 0; i < blobs; i++) {
            double bw = w * (0.45 + r.nextDouble() * 0.4);
            double bh = h * (0.3 + r.nextDouble() * 0.25);
            // the first two blobs reach the crown's sides, so the box is the tree's whole width
            double bx = i == 0 ? 0 : i == 1 ? w - bw : r.nextDouble() * (w - bw);
            double by = i == 2 ? 0 : r.nextDouble() * (h * 0.7 - bh);
            Color leaf = Color.getHSBColor(hue + (r.nextFloat() - 0.5f) * 0.05f, 0.5f + r.nextFloat() * 0.4f,
                    0.35f + r.nextFloat() * 0.45f);
            p.setPaint(texture(r, leaf, 0.5));
            p.fill(new Ellipse2D.Double(bx, by, bw, bh));
            centre = new Point2D.Double(bx + bw / 2, by + bh / 2);
        }
        for (int i = 0, n = 20 + r.nextInt(40); i < n; i++) {
            double s = w * (0.02 + r.nextDouble() * 0.04);
            double angle = r.nextDouble() * Math.PI * 2;
            double radius = Math.sqrt(r.nextDouble()) * 0.4;
            p.setColor(Color.getHSBColor(hue, 0.6f, r.nextBoolean() ? 0.25f : 0.8f));
            p.fill(new Ellipse2D.Double(w / 2 + Math.cos(angle) * radius * w - s / 2,
                    h * 0.33 + Math.sin(angle) * radius * h * 0.7 - s / 2, s, s));
        }
        return centre;
    }

    private static Point2D house(Painter p, Random r, double w) {
        double h = w * (0.9 + r.nextDouble() * 0.3);
        double roof = h * (0.28 + r.nextDouble() * 0.14);
        Color wall = r.nextBoolean() ? vivid(r) : muted(r, 0.75f);
        if (r.nextDouble() < 0.6) { // chimney, behind the roof
            p.setPaint(texture(r, new Color(120, 60, 45), 0.3));
            p.fill(new Rectangle2D.Double(w * (0.6 + r.nextDouble() * 0.15), roof * 0.1, w * 0.08, roof * 0.7));
        }
        shaded(p, wall, new Rectangle2D.Double(w * 0.08, roof, w * 0.84, h - roof), roof, h - roof);
        p.setColor(wall.darker());
        double course = Math.max(2, (h - roof) / (8 + r.nextInt(10)));
        for (double y = roof + course; y < h - 1; y += course) {
            p.fill(new Rectangle2D.Double(w * 0.08, y, w * 0.84, Math.max(0.6, course * 0.08))); // brick courses
        }
        if (r.nextDouble() < 0.4) { // an annex of another colour, part of the same house
            shaded(p, vivid(r), new Rectangle2D.Double(w * 0.62, roof + (h - roof) * 0.35, w * 0.3,
                    (h - roof) * 0.65), roof, h - roof);
        }
        Color tiles = Color.getHSBColor(0.0f + r.nextFloat() * 0.08f, 0.5f + r.nextFloat() * 0.4f,
                0.3f + r.nextFloat() * 0.4f);
        Path2D.Double roofShape = new Path2D.Double();
        roofShape.moveTo(0, roof);
        roofShape.lineTo(w / 2, 0);
        roofShape.lineTo(w, roof);
        roofShape.closePath();
        p.setPaint(new GradientPaint(0, 0, tiles.brighter(), 0, (float) roof, tiles.darker()));
        p.fill(roofShape);
        p.setColor(tiles.darker().darker());
        for (int i = 1; i < 5; i++) {
            double y = roof * i / 5;
            double half = w / 2 * y / roof;
            p.fill(new Rectangle2D.Double(w / 2 - half, y, 2 * half, Math.max(0.6, roof * 0.02)));
        }
        int windows = 2 + r.nextInt(3);
        double ww = w * 0.84 / (windows * 2 + 1);
        for (int i = 0; i < windows; i++) {
            double wx = w * 0.08 + ww * (1 + 2 * i);
            double wy = roof + (h - roof) * 0.15;
            p.setColor(new Color(240, 240, 235));
            p.fill(new Rectangle2D.Double(wx - ww * 0.1, wy - ww * 0.1, ww * 1.2, ww * 1.3));
            p.setPaint(glass(r, wx, wy, ww * 1.1));
            p.fill(new Rectangle2D.Double(wx, wy, ww, ww * 1.1));
            p.setColor(new Color(240, 240, 235));
            p.fill(new Rectangle2D.Double(wx + ww * 0.46, wy, ww * 0.08, ww * 1.1));
            p.fill(new Rectangle2D.Double(wx, wy + ww * 0.5, ww, ww * 0.08));
        }
        double door = w * 0.16;
        p.setPaint(texture(r, new Color(70 + r.nextInt(60), 40 + r.nextInt(30), 20), 0.3));
        p.fill(new Rectangle2D.Double(w * 0.42, h * 0.68, door, h * 0.32));
        p.setColor(new Color(220, 190, 60));
        p.fill(new Ellipse2D.Double(w * 0.42 + door * 0.75, h * 0.84, door * 0.12, door * 0.12));
        return new Point2D.Double(w * 0.1 + ww * 0.3, roof + (h - roof) * 0.75);
    }

    // ---- paints ----------------------------------------------------------------------------------------------------

    /** A part lit from above: lighter at its top, darker at its bottom, with a faint texture. */
    private static void shaded(Painter p, Color c, Shape part, double top, double height) {
        p.setPaint(new GradientPaint(0, (float) top, c.brighter(), 0, (float) (top + height), c.darker()));
        p.fill(part);
    }

    /** A specular highlight: white fading to nothing. */
    private static void highlight(Painter p, double x, double y, double w, double h) {
        p.setPaint(new RadialGradientPaint(new Point2D.Double(x + w / 2, y + h / 2), (float) Math.max(w, h) / 2,
                new float[] {0f, 1f}, new Color[] {new Color(255, 255, 255, 170), new Color(255, 255, 255, 0)},
                MultipleGradientPaint.CycleMethod.NO_CYCLE));
        p.fill(new Ellipse2D.Double(x, y, w, h));
    }

    /** Window glass: sky reflected at the top, dark inside below. */
    private static GradientPaint glass(Random r, double x, double y, double h) {
        Color sky = new Color(150 + r.nextInt(80), 180 + r.nextInt(60), 200 + r.nextInt(55));
        return new GradientPaint((float) x, (float) y, sky, (float) x, (float) (y + h), new Color(30, 40, 55));
    }

    /** {@code base} modulated by fractal noise of relative strength {@code amount}, as a tiling paint. */
    private static TexturePaint texture(Random r, Color base, double amount) {
        int side = 64;
        float[] field = fractal(r, side, side, 4);
        BufferedImage tile = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < field.length; i++) {
            double f = 1 + (field[i] - 0.5) * 2 * amount;
            tile.setRGB(i % side, i / side, new Color(clamp(base.getRed() * f), clamp(base.getGreen() * f),
                    clamp(base.getBlue() * f)).getRGB());
        }
        double scale = 0.5 + r.nextDouble() * 2;
        return new TexturePaint(tile, new Rectangle2D.Double(r.nextInt(side), r.nextInt(side), side * scale,
                side * scale));
    }

    /**
     * Value noise summed over {@code octaves} octaves, in {@code [0, 1]}, wrapping at the edges so that it tiles:
     * each octave a grid of random values, twice as fine as the last and half as strong, smoothly interpolated.
     */
    static float[] fractal(Random r, int w, int h, int octaves) {
        float[] out = new float[w * h];
        double total = 0;
        for (int o = 0; o < octaves; o++) {
            int cells = 2 << o;
            double weight = 1.0 / (1 << o);
            total += weight;
            float[] grid = new float[cells * cells];
            for (int i = 0; i < grid.length; i++) {
                grid[i] = r.nextFloat();
            }
            for (int y = 0; y < h; y++) {
                double gy = (double) y * cells / h;
                int y0 = (int) gy;
                double fy = smooth(gy - y0);
                for (int x = 0; x < w; x++) {
                    double gx = (double) x * cells / w;
                    int x0 = (int) gx;
                    double fx = smooth(gx - x0);
                    int x1 = (x0 + 1) % cells;
                    int y1 = (y0 + 1) % cells;
                    double top = grid[y0 * cells + x0] * (1 - fx) + grid[y0 * cells + x1] * fx;
                    double bottom = grid[y1 * cells + x0] * (1 - fx) + grid[y1 * cells + x1] * fx;
                    out[y * w + x] += (float) (weight * (top * (1 - fy) + bottom * fy));
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= (float) total;
        }
        return out;
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }

    // ---- the camera ------------------------------------------------------------------------------------------------

    /**
     * Uneven light: a soft shadow field and a light gradient across the frame, vignetting, a colour cast, contrast
     * and exposure, applied to every pixel.
     */
    private static void light(BufferedImage img, Random r) {
        int w = img.getWidth();
        int h = img.getHeight();
        int coarse = 32;
        float[] shadow = fractal(r, coarse, coarse, 3);
        double shadowDepth = 0.15 + r.nextDouble() * 0.35;
        double angle = r.nextDouble() * Math.PI * 2;
        double slope = r.nextDouble() * 0.5;
        double vignette = r.nextDouble() * 0.5;
        double contrast = 0.7 + r.nextDouble() * 0.5;
        double exposure = 0.75 + r.nextDouble() * 0.5;
        double[] cast = {0.85 + r.nextDouble() * 0.3, 0.85 + r.nextDouble() * 0.3, 0.85 + r.nextDouble() * 0.3};
        byte[] p = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < h; y++) {
            double v = (double) y / h;
            for (int x = 0; x < w; x++) {
                double u = (double) x / w;
                double s = 1 - shadowDepth * bilinear(shadow, coarse, u, v);
                double gradient = 1 + slope * ((u - 0.5) * Math.cos(angle) + (v - 0.5) * Math.sin(angle));
                double d2 = (u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5);
                double gain = s * gradient * (1 - vignette * d2 * 2) * exposure;
                int at = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    double value = ((p[at + c] & 0xFF) - 128) * contrast + 128;
                    p[at + c] = (byte) clamp(value * gain * cast[c]); // BGR: cast[0] is blue
                }
            }
        }
    }

    private static double bilinear(float[] field, int side, double u, double v) {
        double gx = u * (side - 1);
        double gy = v * (side - 1);
        int x0 = (int) gx;
        int y0 = (int) gy;
        int x1 = Math.min(side - 1, x0 + 1);
        int y1 = Math.min(side - 1, y0 + 1);
        double fx = gx - x0;
        double fy = gy - y0;
        double top = field[y0 * side + x0] * (1 - fx) + field[y0 * side + x1] * fx;
        double bottom = field[y1 * side + x0] * (1 - fx) + field[y1 * side + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    /** A box blur of the given radius, edges kept. */
    private static BufferedImage blur(BufferedImage img, int radius) {
        int side = 2 * radius + 1;
        float[] k = new float[side * side];
        java.util.Arrays.fill(k, 1f / k.length);
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        new ConvolveOp(new Kernel(side, side, k), ConvolveOp.EDGE_NO_OP, null).filter(img, out);
        return out;
    }

    /** Sensor noise of the given amplitude on every sample. */
    private static void noise(BufferedImage img, Random r, int amplitude) {
        byte[] p = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) clamp((p[i] & 0xFF) + r.nextGaussian() * amplitude / 2);
        }
    }

    // ---- colours ---------------------------------------------------------------------------------------------------

    private static Shape text(String s, double x, double y, double height) {
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, 1).deriveFont((float) height);
        Shape glyphs = font.createGlyphVector(FONTS, s).getOutline();
        Rectangle2D b = glyphs.getBounds2D();
        double k = height / Math.max(1e-9, b.getHeight());
        AffineTransform t = AffineTransform.getTranslateInstance(x, y);
        t.scale(k * 0.8, k * 0.8);
        t.translate(-b.getX(), -b.getY());
        return t.createTransformedShape(glyphs);
    }

    private static Color vivid(Random r) {
        return Color.getHSBColor(r.nextFloat(), 0.5f + r.nextFloat() * 0.5f, 0.45f + r.nextFloat() * 0.55f);
    }

    private static Color muted(Random r, float brightness) {
        return Color.getHSBColor(r.nextFloat(), r.nextFloat() * 0.35f,
                Math.min(1f, brightness * (0.6f + r.nextFloat() * 0.8f)));
    }

    private static double brightness(Color c) {
        return (0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()) / 255;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
