package dev.annotate.core;

/**
 * Sliced inference for large photographs: the model runs on the whole image and also on overlapping square tiles
 * of it, each fed to the model as an image of its own, so that objects too small to survive the model's resizing of
 * the whole image are seen at a larger scale. The answers are merged: a box cut by a tile's inner edge is joined
 * with the boxes other passes found for the same object, duplicates are removed, and the usual post-processing
 * follows. An image no larger than a tile runs once, whole. See {@link DetectorOptions#slicing()}.
 *
 * <p>Costs one inference per tile more: a 4000x3000 photograph in tiles of 1024 with 20% overlap is 5 x 4 tiles.
 * Large images are then decoded in full, whatever {@link DetectorOptions#decodeSize()} says.
 *
 * <pre>{@code
 * DetectorOptions.defaults().withSlicing(Slicing.of(1024));
 * }</pre>
 *
 * @param tileSide tile width and height, in the image's pixels, at least 32
 * @param overlap share of a tile that overlaps its neighbour, in {@code [0, 0.9]}: an object smaller than
 *     {@code overlap * tileSide} lies whole inside some tile
 */
public record Slicing(int tileSide, double overlap) {

    /** The default {@link #overlap()}, as SAHI uses. */
    public static final double DEFAULT_OVERLAP = 0.2;

    /** Validates, naming the value. */
    public Slicing {
        if (tileSide < 32) {
            throw new IllegalArgumentException("tileSide (" + tileSide + ") must be >= 32");
        }
        if (!(overlap >= 0 && overlap <= 0.9)) {
            throw new IllegalArgumentException("overlap (" + overlap + ") must be in [0, 0.9]");
        }
    }

    /** Tiles of {@code tileSide} pixels overlapping by {@value #DEFAULT_OVERLAP}. */
    public static Slicing of(int tileSide) {
        return new Slicing(tileSide, DEFAULT_OVERLAP);
    }

    /**
     * The tile origins along one side of {@code length} pixels: evenly spread so that the first tile starts at 0, the
     * last ends at {@code length}, and neighbours overlap by at least {@code overlap * tileSide}; a side no longer than
     * a tile has the one origin 0.
     */
    public int[] origins(int length) {
        if (length <= tileSide) {
            return new int[] {0};
        }
        double stride = tileSide * (1 - overlap);
        int count = 1 + (int) Math.ceil((length - tileSide) / Math.max(1.0, stride));
        int[] origins = new int[count];
        for (int i = 0; i < count; i++) {
            origins[i] = (int) Math.round((double) (length - tileSide) * i / (count - 1));
        }
        return origins;
    }
}
