package dev.annotate.core.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import com.drew.metadata.jpeg.JpegDirectory;
import com.drew.metadata.jpeg.JpegReader;
import dev.annotate.core.FormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Reads image files into RGB pixels in the frame a person sees: the one LabelImg 1.8.4+ shows and in which
 * this library's boxes are expressed.
 *
 * <ul>
 *   <li>All eight EXIF orientations are applied (read with metadata-extractor).</li>
 *   <li>Grayscale, paletted, alpha (dropped, as TensorFlow's 3-channel decode does) and 16-bit images become
 *       8-bit RGB; CMYK/YCCK JPEGs are refused with a message saying so.</li>
 *   <li>The header is read first and an image of more than {@code maxPixels} pixels is refused before any
 *       pixel memory is allocated, so a hostile 100000x100000 PNG header costs nothing.</li>
 *   <li>A truncated or corrupt file is refused rather than returned half grey, as TensorFlow's decoders
 *       refuse it too.</li>
 * </ul>
 *
 * <p>Every failure is a {@link FormatException} naming the file. Thread-safe: each call uses its own decoder.
 *
 * <pre>{@code
 * DecodedImage img = Images.read(Path.of("photos/a.jpg"));
 * BufferedImage rgb = img.image();           // TYPE_3BYTE_BGR, displayed frame
 * int depth = img.depth();                   // 1 for a grayscale file, else 3
 * }</pre>
 */
public final class Images {

    /** The default limit on pixels per image: 100 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(Images.class);

    private Images() {
    }

    /** Reads an image with the {@linkplain #DEFAULT_MAX_PIXELS default pixel limit}. */
    public static DecodedImage read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads an image into BGR bytes in the displayed frame.
     *
     * @param file the image file (JPEG, PNG, BMP, GIF, TIFF, WBMP)
     * @param maxPixels refuse images with more pixels than this
     * @throws ImageTooLargeException if the header announces more than {@code maxPixels} pixels
     * @throws FormatException if the file is empty, not an image, truncated, corrupt or of an unsupported kind
     * @throws IOException if the file cannot be read at all
     */
    public static DecodedImage read(Path file, long maxPixels) throws IOException {
        return read(file, maxPixels, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Reads an image at reduced resolution when it is much larger than needed: only every s-th pixel of every
     * s-th row is decoded, for the largest {@code s} that still leaves at least {@code minWidth x minHeight}
     * displayed pixels. About half the time of a full decode for a 12-megapixel JPEG read for a 640-pixel model
     * input. Decoded pixel {@code i} is full-size pixel {@code i * s} ({@link DecodedImage#subsampling()}), so
     * positions measured on it are exact to within {@code s / 2} full-size pixels.
     *
     * @param minWidth smallest displayed width wanted (for example the model input width)
     * @param minHeight smallest displayed height wanted
     */
    public static DecodedImage read(Path file, long maxPixels, int minWidth, int minHeight) throws IOException {
        requirePositive(maxPixels);
        if (minWidth < 1 || minHeight < 1) {
            throw new IllegalArgumentException("minimum size (" + minWidth + "x" + minHeight + ") must be positive");
        }
        try (ImageInputStream in = open(file)) {
            ImageReader reader = readerFor(file, in);
            try {
                ImageHeader header = header(file, reader);
                if (header.pixels() > maxPixels) {
                    throw new ImageTooLargeException(file, header.storedWidth(), header.storedHeight(), maxPixels);
                }
                int subsampling = Math.max(1, Math.min(header.width() / minWidth, header.height() / minHeight));
                BufferedImage stored = decode(file, reader, header, subsampling);
                int depth = depthOf(stored.getColorModel());
                BufferedImage displayed = header.orientation().apply(toBgr(file, stored));
                return new DecodedImage(displayed, header, depth, subsampling);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Reads only the header: format, stored size and EXIF orientation. Costs a few kilobytes of I/O whatever the
     * image size.
     *
     * @throws FormatException if the file is empty, not an image, or its header is corrupt
     */
    public static ImageHeader probe(Path file) throws IOException {
        try (ImageInputStream in = open(file)) {
            ImageReader reader = readerFor(file, in);
            try {
                return header(file, reader);
            } finally {
                reader.dispose();
            }
        }
    }

    private static void requirePositive(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels (" + maxPixels + ") must be >= 1");
        }
    }

    private static ImageInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such image file");
        }
        if (Files.size(file) == 0) {
            throw new FormatException(file, null, "file is empty, expected an image");
        }
        // A file-backed stream, not ImageIO.createImageInputStream: that one may spill to a cache directory.
        return new FileImageInputStream(file.toFile());
    }

    private static ImageReader readerFor(Path file, ImageInputStream in) throws FormatException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new FormatException(file, null, "not an image in a supported format ("
                    + String.join(", ", supportedFormats()) + ")");
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, true);
        return reader;
    }

    private static List<String> supportedFormats() {
        return List.of("jpeg", "png", "bmp", "gif", "tiff", "wbmp");
    }

    private static ImageHeader header(Path file, ImageReader reader) throws IOException {
        return header(file, reader, () -> new BufferedInputStream(Files.newInputStream(file)));
    }

    /** Opens the image's bytes again, for the metadata reader. */
    @FunctionalInterface
    private interface Source {
        InputStream open() throws IOException;
    }

    private static ImageHeader header(Path file, ImageReader reader, Source bytes) throws IOException {
        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) { // IIOException, EOFException (BMP), or unchecked
            throw new FormatException(file, "header", "corrupt " + format + " header: " + describe(e), e);
        }
        if (width < 1 || height < 1) {
            throw new FormatException(file, "header", "image size " + width + "x" + height + " is not positive");
        }
        return new ImageHeader(format, width, height, orientation(file, format, bytes));
    }

    private static ExifOrientation orientation(Path file, String format, Source bytes) {
        if (!format.equals("jpeg") && !format.equals("png") && !format.equals("tiff")) {
            return ExifOrientation.NORMAL;
        }
        try (InputStream in = bytes.open()) {
            Metadata metadata = format.equals("jpeg")
                    // only the EXIF segment reader: stops at the start of scan, never reads pixel data
                    ? JpegMetadataReader.readMetadata(in, List.of(new ExifReader()))
                    : ImageMetadataReader.readMetadata(in);
            return orientation(metadata);
        } catch (IOException | ImageProcessingException | RuntimeException e) {
            // A broken EXIF block does not stop viewers either: they show the stored pixels, and so do we.
            LOG.debug("{}: unreadable EXIF metadata, assuming normal orientation: {}", file, e.toString());
            return ExifOrientation.NORMAL;
        }
    }

    private static ExifOrientation orientation(Metadata metadata) {
        ExifIFD0Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
        if (ifd0 == null || !ifd0.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
            return ExifOrientation.NORMAL;
        }
        try {
            return ExifOrientation.fromTag(ifd0.getInt(ExifIFD0Directory.TAG_ORIENTATION));
        } catch (MetadataException e) {
            return ExifOrientation.NORMAL; // an orientation that is not a number: viewers ignore it too
        }
    }

    /**
     * Reads the header of an image already in memory: the same answer as {@link #probe(Path)} for the file
     * holding these bytes. For a JPEG, one pass of metadata-extractor over the segments before the scan gives
     * both the size and the orientation, with no image decoder at all; other formats go through ImageIO.
     *
     * @param source the file the bytes came from, named in errors
     * @throws FormatException if the bytes are empty, not an image, or the header is corrupt
     */
    public static ImageHeader probe(byte[] data, Path source) throws FormatException {
        if (data.length == 0) {
            throw new FormatException(source, null, "file is empty, expected an image");
        }
        if (data.length > 3 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8 && (data[2] & 0xFF) == 0xFF) {
            try {
                Metadata m = JpegMetadataReader.readMetadata(new ByteArrayInputStream(data),
                        List.of(new JpegReader(), new ExifReader()));
                JpegDirectory jpeg = m.getFirstDirectoryOfType(JpegDirectory.class);
                if (jpeg != null && jpeg.containsTag(JpegDirectory.TAG_IMAGE_WIDTH)
                        && jpeg.containsTag(JpegDirectory.TAG_IMAGE_HEIGHT)) {
                    int w = jpeg.getInt(JpegDirectory.TAG_IMAGE_WIDTH);
                    int h = jpeg.getInt(JpegDirectory.TAG_IMAGE_HEIGHT);
                    if (w >= 1 && h >= 1) {
                        return new ImageHeader("jpeg", w, h, orientation(m));
                    }
                }
            } catch (IOException | ImageProcessingException | MetadataException | RuntimeException e) {
                LOG.debug("{}: JPEG segments unreadable by metadata-extractor, asking the decoder: {}", source,
                        e.toString());
            }
        }
        // anything else, or a JPEG whose segments puzzled metadata-extractor: the decoder's own header reader
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            ImageReader reader = readerFor(source, in);
            try {
                return header(source, reader, () -> new ByteArrayInputStream(data));
            } finally {
                reader.dispose();
            }
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new FormatException(source, "header", "unreadable image header: " + describe(e), e);
        }
    }

    private static BufferedImage decode(Path file, ImageReader reader, ImageHeader header, int subsampling)
            throws IOException {
        TruncationListener truncation = new TruncationListener(file);
        reader.addIIOReadWarningListener(truncation);
        BufferedImage image;
        try {
            javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
            if (subsampling > 1) {
                param.setSourceSubsampling(subsampling, subsampling, 0, 0);
            }
            image = reader.read(0, param);
        } catch (IOException e) {
            if (header.format().equals("jpeg") && "Unsupported Image Type".equals(e.getMessage())) {
                throw cmykRefused(file, e); // YCCK, and CMYK on JDKs that do not decode it at all
            }
            // some decoders (BMP) read past the end of a cut file with a plain EOFException
            String what = e instanceof java.io.EOFException ? "truncated " : "corrupt ";
            throw new FormatException(file, null, what + header.format() + " data: " + describe(e), e);
        } catch (RuntimeException e) {
            // Decoders throw unchecked exceptions on some corrupt inputs (bad Huffman tables, bad palettes).
            throw new FormatException(file, null, "corrupt " + header.format() + " data: " + describe(e), e);
        }
        if (truncation.warning != null) {
            throw new FormatException(file, null, "truncated or corrupt " + header.format() + " data: "
                    + truncation.warning);
        }
        if (image == null) {
            throw new FormatException(file, null, "the " + header.format() + " decoder returned no image");
        }
        return image;
    }

    private static FormatException cmykRefused(Path file, Throwable cause) {
        // Adobe's CMYK JPEGs store inverted values and need an ICC conversion that viewers disagree on:
        // refusing is better than guessing colours a person will then correct boxes on.
        return new FormatException(file, null, "CMYK or YCCK JPEG is not supported;"
                + " convert it to RGB (for example: convert in.jpg -colorspace sRGB out.jpg)", cause);
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" (").append(c.getClass().getSimpleName());
            if (c.getMessage() != null) {
                sb.append(": ").append(c.getMessage());
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /**
     * Remembers the first warning that means lost pixels. JPEG decoders report a truncated or damaged scan only
     * as a warning (libjpeg's "Premature end of JPEG file", "Corrupt JPEG data: ...", the JDK's "Truncated File -
     * Missing EOI marker", which jqwik found on a file cut inside its scan header) and fill the rest with
     * grey; TensorFlow's decoder refuses such files, and so do we. Other warnings (an invalid embedded colour
     * profile, a malformed thumbnail) leave the pixels intact and are only logged.
     */
    private static final class TruncationListener implements IIOReadWarningListener {
        private final Path file;
        private String warning;

        TruncationListener(Path file) {
            this.file = file;
        }

        @Override
        public void warningOccurred(ImageReader source, String message) {
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("corrupt") || lower.contains("truncated")) {
                if (warning == null) {
                    warning = message;
                }
            } else {
                LOG.debug("{}: decoder warning: {}", file, message);
            }
        }
    }

    /**
     * The pixels of any image as gap-free BGR bytes, 3 per pixel, row after row: the image's own array when it
     * already is one (read it, never write it), else a converted copy. What backends fill their input tensors
     * from.
     */
    public static byte[] bgrBytes(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && image.getRaster().getParent() == null) {
            byte[] own = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            if (own.length == image.getWidth() * image.getHeight() * 3) {
                return own;
            }
        }
        // the conversion file reading uses, so the same pixels reach a model from a file or from memory
        BufferedImage copy = convert(image);
        if (copy == null) {
            // colour spaces the conversion does not know (CMYK, ...): Java2D's colour management
            copy = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            java.awt.Graphics2D g = copy.createGraphics();
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        return ((DataBufferByte) copy.getRaster().getDataBuffer()).getData();
    }

    /**
     * Copies {@code pixels} pixels of BGR bytes into RGB order: {@code rgb[to + 3i + c] = bgr[from + 3i + 2 - c]}.
     * What backends fill RGB input tensors with. (A plain byte loop: measured faster than swapping four pixels
     * at a time as three ints, 0.43 against 0.77 ms for 1024x768.)
     */
    public static void bgrToRgb(byte[] bgr, int from, byte[] rgb, int to, int pixels) {
        java.util.Objects.checkFromIndexSize(from, 3 * pixels, bgr.length);
        java.util.Objects.checkFromIndexSize(to, 3 * pixels, rgb.length);
        for (int i = 0; i < 3 * pixels; i += 3) {
            rgb[to + i] = bgr[from + i + 2];
            rgb[to + i + 1] = bgr[from + i + 1];
            rgb[to + i + 2] = bgr[from + i];
        }
    }

    /**
     * Encodes an image as a JPEG file's bytes with the JDK's writer at an explicit quality, from 0 (smallest) to 1
     * (best); {@code ImageIO.write} would always use its default of 0.75.
     *
     * @throws IllegalArgumentException if {@code quality} is outside [0, 1]
     */
    public static byte[] encodeJpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    static int depthOf(ColorModel cm) {
        if (cm instanceof IndexColorModel icm) {
            for (int i = 0; i < icm.getMapSize(); i++) {
                if (icm.getRed(i) != icm.getGreen(i) || icm.getGreen(i) != icm.getBlue(i)) {
                    return 3;
                }
            }
            return 1;
        }
        return cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY ? 1 : 3;
    }

    /**
     * Converts any decoded image to 8-bit BGR. Gray samples are copied (or scaled from 16 bits) directly:
     * going through {@code getRGB} would apply Java's linear-gray to sRGB gamma and brighten them.
     */
    static BufferedImage toBgr(Path file, BufferedImage src) throws FormatException {
        if (src.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return src;
        }
        BufferedImage converted = convert(src);
        if (converted != null) {
            return converted;
        }
        ColorModel cm = src.getColorModel();
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
            throw cmykRefused(file, null);
        }
        throw new FormatException(file, null, "unsupported colour space (type " + cm.getColorSpace().getType()
                + ", " + cm.getNumComponents() + " components); expected RGB, grayscale or paletted");
    }

    /** 8-bit BGR of gray (samples copied or scaled), paletted and sRGB images (alpha dropped); else null. */
    private static BufferedImage convert(BufferedImage src) {
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] out = ((DataBufferByte) dst.getRaster().getDataBuffer()).getData();
        ColorModel cm = src.getColorModel();
        int[] row = new int[w];
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster raster = src.getRaster();
            int max = (1 << cm.getComponentSize(0)) - 1;
            for (int y = 0, o = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++, o += 3) {
                    byte v = (byte) (max == 255 ? row[x] : (row[x] * 255L + max / 2) / max);
                    out[o] = v;
                    out[o + 1] = v;
                    out[o + 2] = v;
                }
            }
        } else if (cm instanceof IndexColorModel || cm.getColorSpace().isCS_sRGB()) {
            for (int y = 0, o = 0; y < h; y++) {
                src.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++, o += 3) {
                    int p = row[x];
                    out[o] = (byte) p;
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) (p >> 16);
                }
            }
        } else {
            return null;
        }
        return dst;
    }
}
