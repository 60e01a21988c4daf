package dev.annotate.core;

/**
 * The fewest displayed pixels {@link Detector#detect(java.nio.file.Path)} keeps when it decodes a large image:
 * a JPEG much larger than this is decoded subsampled (every s-th pixel of every s-th row, for the largest s that
 * keeps at least this size), which costs a fraction of a full decode. Boxes are answered in full-resolution
 * pixels either way. See {@link DetectorOptions#decodeSize()}.
 *
 * <pre>{@code
 * DetectorOptions.defaults().withDecodeSize(new DecodeSize(1024, 1024)); // keep at least 1024 x 1024
 * DetectorOptions.defaults().withDecodeSize(DecodeSize.FULL);            // every pixel, whatever the model
 * }</pre>
 *
 * @param width the fewest displayed columns, at least 1
 * @param height the fewest displayed rows, at least 1
 */
public record DecodeSize(int width, int height) {

    /**
     * The name under which a model states the (square) size it resizes every image to, so that large images need not
     * be decoded at more: the primitive exports' ONNX metadata key and SavedModel graph constant.
     */
    public static final String STATED_BY_MODEL = "annotate_input_size";

    /** Every pixel, whatever the model says. */
    public static final DecodeSize FULL = new DecodeSize(Integer.MAX_VALUE, Integer.MAX_VALUE);

    /** Validates. */
    public DecodeSize {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("decode size (" + width + "x" + height + ") must be at least 1x1");
        }
    }
}
