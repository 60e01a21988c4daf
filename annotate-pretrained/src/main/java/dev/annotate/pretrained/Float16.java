package dev.annotate.pretrained;

/**
 * IEEE 754 half precision (binary16) to float, exactly: every half value, subnormals, infinities and NaN
 * included, is a float (Java 17 has no {@code Float.float16ToFloat}).
 */
final class Float16 {

    private Float16() {
    }

    static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            // infinity, or NaN with its payload kept
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24, exact in a float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
