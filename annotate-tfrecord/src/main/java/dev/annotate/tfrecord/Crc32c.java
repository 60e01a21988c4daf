package dev.annotate.tfrecord;

import java.util.zip.CRC32C;

/** TFRecord's masked CRC32C: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8} on 32 bits. */
final class Crc32c {

    private static final int MASK_DELTA = 0xa282ead8;

    private Crc32c() {
    }

    static int masked(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return mask(crc.getValue());
    }

    /** TFRecord's masking of a CRC32C value: rotate right by 15 bits and add a constant. */
    static int mask(long crc32c) {
        int c = (int) crc32c;
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }
}
