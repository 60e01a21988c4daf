package dev.annotate.synthetic;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * Draws objects into an image and, at the same time, each object's number into a mask (no anti-aliasing), so
 * that what stays visible of each object can be counted once all are drawn, and the box of what each object drew
 * is known whatever transform it was drawn under.
 */
final class Painter {
    private final Graphics2D image;
    private final AffineTransform imageBase;
    private final BufferedImage mask;
    private final Graphics2D maskGraphics;
    private final int[] drawn = new int[32];
    private int current = -1;
    private AffineTransform transform = new AffineTransform();
    private Rectangle2D bounds;

    Painter(Graphics2D image, int w, int h) {
        this.image = image;
        this.imageBase = image.getTransform();
        this.mask = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        this.maskGraphics = mask.createGraphics();
    }

    /** Starts object {@code k}, drawn in image coordinates: what follows is its pixels. */
    void object(int k) {
        object(k, new AffineTransform());
    }

    /**
     * Starts object {@code k}, whose shapes are given in coordinates that {@code t} maps into the image (a
     * perspective-like shear, a tilt). Counts the previous object's pixels first.
     */
    void object(int k, AffineTransform t) {
        if (k >= drawn.length) {
            throw new IllegalArgumentException("at most " + drawn.length + " objects per image");
        }
        finish();
        current = k;
        transform = new AffineTransform(t);
        bounds = null;
        AffineTransform onImage = new AffineTransform(imageBase);
        onImage.concatenate(t);
        image.setTransform(onImage);
        maskGraphics.setTransform(t);
        maskGraphics.setColor(new Color(k + 1));
    }

    void setColor(Color c) {
        image.setColor(c);
    }

    /** A paint (gradient, texture) for what follows, in the object's coordinates. */
    void setPaint(Paint p) {
        image.setPaint(p);
    }

    /** Fills a shape of the current object. */
    void fill(Shape shape) {
        image.fill(shape);
        maskGraphics.fill(shape);
        Rectangle2D b = transform.createTransformedShape(shape).getBounds2D();
        bounds = bounds == null ? b : bounds.createUnion(b);
    }

    /** The image-coordinate box of everything the current object has filled so far. */
    Rectangle2D bounds() {
        return bounds == null ? new Rectangle2D.Double() : bounds;
    }

    /** The number of the object on top at a pixel, -1 for none. */
    int owner(int x, int y) {
        return (mask.getRGB(x, y) & 0xFFFFFF) - 1;
    }

    /** How many pixels object {@code k} covered when it was drawn (inside the image). */
    int pixelsDrawn(int k) {
        return drawn[k];
    }

    /** For each object number, how many of its pixels no later object covers. Ends the drawing. */
    int[] pixelsShown() {
        finish();
        maskGraphics.dispose();
        image.setTransform(imageBase);
        return count();
    }

    private void finish() {
        if (current >= 0) {
            drawn[current] = count()[current];
        }
    }

    private int[] count() {
        int[] counts = new int[drawn.length];
        for (int v : ((DataBufferInt) mask.getRaster().getDataBuffer()).getData()) {
            if (v != 0) {
                counts[(v & 0xFFFFFF) - 1]++;
            }
        }
        return counts;
    }
}
