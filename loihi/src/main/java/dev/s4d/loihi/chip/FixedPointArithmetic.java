package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.Rounding;

import java.math.BigDecimal;

/**
 * The integer operations of docs/LOIHI_ARITHMETIC.md: the rescaling shift, the bound to a width and
 * the host-side quantisation of a real input. The engine uses precomputed {@link Shift} and
 * {@link Bound} values in its loops; these methods are the same operations one at a time.
 */
public final class FixedPointArithmetic {
    /** The largest left shift {@link #shr} accepts (k ≥ −62): 2^62 is the largest power of two a long holds. */
    public static final int MAX_LEFT_SHIFT = 62;

    private FixedPointArithmetic() {
    }

    /**
     * {@code shr(x, k)}: x·2^(−k) rounded as {@code rounding} says for k &gt; 0, x for k = 0, and
     * x·2^(−k) exactly for k &lt; 0 (the caller keeps that inside 64 bits and bounds it). Exact for
     * |x| &lt; 2^62 and any k ≥ −{@value #MAX_LEFT_SHIFT}: a right shift by 63 or more bits leaves
     * only the rounding of the sign, as a shift by 63 does.
     */
    public static long shr(long x, int k, Rounding rounding) {
        return Shift.of(k, rounding).apply(x);
    }

    /**
     * {@code bound_b(x)}: x itself inside [−2^(b−1), 2^(b−1) − 1], otherwise the nearest end
     * (saturate) or x wrapped to b bits in two's complement (wrap). A result that differs from x is
     * one bound event.
     *
     * @param bits in [1, 63]
     */
    public static long bound(long x, int bits, Overflow overflow) {
        return Bound.of(bits, overflow).apply(x);
    }

    /**
     * The integer the chip receives for a real input feature: {@code bound_b(rint(x·2^fraction))}
     * with rint rounding half to even. Exact for every finite x, even where x·2^fraction leaves the
     * range of a long (saturation gives the end, wrap the exact low bits).
     */
    public static long quantize(double x, int fraction, int bits, Overflow overflow) {
        if (!Double.isFinite(x)) throw new IllegalArgumentException("cannot quantise the non-finite value " + x);
        return boundIntegral(scaled(x, fraction), Bound.of(bits, overflow));
    }

    /** rint(x·2^fraction), half to even; the scaling by a power of two is exact unless it overflows to ±∞. */
    static double scaled(double x, int fraction) {
        return Math.rint(Math.scalb(x, fraction));
    }

    /**
     * Bounds an integral double (or ±∞ from an overflowed {@link #scaled}). The result differs from
     * r exactly when r lay outside the width: a bound event.
     */
    static long boundIntegral(double r, Bound b) {
        if (r >= b.min() && r <= b.max()) return (long) r;
        if (!b.wrap()) return r > 0 ? b.max() : b.min();
        // Wrapping keeps the exact integer's low bits. Beyond 2^62 a double is still an exact integer
        // (BigDecimal reads its low 64 bits); an overflow to ±∞ stands for x·2^f ≥ 2^1024 with a
        // 53-bit mantissa, a multiple of 2^971, whose low bits are all zero.
        long low;
        if (Double.isInfinite(r)) low = 0;
        else if (Math.abs(r) < 0x1p62) low = (long) r;
        else low = new BigDecimal(r).toBigInteger().longValue();
        return b.apply(low);
    }

    /** 1 if a ≠ b, else 0, without a branch, so that counting loops stay straight-line code. */
    static long differs(long a, long b) {
        long d = a ^ b;
        return (d | -d) >>> 63;
    }
}
