package dev.annotate.pretrained;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class Float16Test {

    /** Float to the nearest half, ties to even (the test's own encoder, written from the definition). */
    static short toHalf(float f) {
        int sign = Float.floatToRawIntBits(f) >>> 16 & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        double a = Math.abs((double) f);
        if (a >= 65520) {
            return (short) (sign | 0x7c00);
        }
        if (a < 0x1p-14) {
            return (short) (sign | (int) Math.rint(a * 0x1p24));
        }
        int e = Math.getExponent(a);
        int m = (int) Math.rint((a / Math.scalb(1.0, e) - 1) * 1024);
        if (m == 1024) {
            m = 0;
            e++;
        }
        return (short) (sign | (e + 15) << 10 | m);
    }

    @Test
    void toFloat_everyHalf_isItsValue_andEncodesBackToItself() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Float16.toFloat((short) h);
            int exponent = h >>> 10 & 0x1f;
            int mantissa = h & 0x3ff;
            double sign = (h & 0x8000) != 0 ? -1 : 1;
            if (exponent == 0x1f && mantissa != 0) {
                assertTrue(Float.isNaN(f), Integer.toHexString(h));
                continue;
            }
            double expected = exponent == 0x1f ? sign * Double.POSITIVE_INFINITY
                    : exponent == 0 ? sign * mantissa * 0x1p-24
                    : sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
            assertEquals(expected, f, 0.0, Integer.toHexString(h));
            assertEquals(Float.floatToRawIntBits((float) expected), Float.floatToRawIntBits(f),
                    "sign of zero kept: " + Integer.toHexString(h));
            assertEquals((short) h, toHalf(f), Integer.toHexString(h));
        }
    }

    @Test
    void toFloat_knownValues() {
        assertEquals(1f, Float16.toFloat((short) 0x3c00));
        assertEquals(-2f, Float16.toFloat((short) 0xc000));
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertEquals(0x1p-14f, Float16.toFloat((short) 0x0400));
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat((short) 0x7c00));
        assertEquals(0.333251953125f, Float16.toFloat((short) 0x3555));
    }
}
