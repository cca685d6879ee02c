package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.Rounding;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * The spec's three scalar operations (docs/LOIHI_ARITHMETIC.md, "Numbers and formats"), written
 * literally on {@link BigInteger} so that no shift amount or intermediate can wrap silently: shifts of
 * 64 bits or more, left shifts that leave the long range and huge inputs are all computed exactly.
 * Kept apart from the main sources on purpose: the simulator must not share the engine's helpers.
 */
final class PlainArithmetic {
    private final Rounding rounding;
    private final Overflow overflow;
    private final ChipCounters counters;

    PlainArithmetic(Rounding rounding, Overflow overflow, ChipCounters counters) {
        this.rounding = rounding;
        this.overflow = overflow;
        this.counters = counters;
    }

    /** {@code shr(x, k)}: a rounded right shift for k > 0, x for k = 0, the exact x·2^(−k) for k < 0. */
    BigInteger shr(BigInteger x, int k) {
        if (k < 0) return x.shiftLeft(-k);
        if (k == 0) return x;
        return switch (rounding) {
            // BigInteger.shiftRight is floor division by 2^k, like Java's >> on longs.
            case NEAREST -> x.add(BigInteger.ONE.shiftLeft(k - 1)).shiftRight(k);
            case FLOOR -> x.shiftRight(k);
            case TOWARD_ZERO -> x.abs().shiftRight(k).multiply(BigInteger.valueOf(x.signum()));
        };
    }

    BigInteger shr(long x, int k) {
        return shr(BigInteger.valueOf(x), k);
    }

    /** {@code bound_b(x)}, counting one event at {@code site} when x is outside the b-bit range. */
    long bound(BigInteger x, int bits, String site) {
        BigInteger min = BigInteger.ONE.shiftLeft(bits - 1).negate();
        BigInteger max = BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
        if (x.compareTo(min) >= 0 && x.compareTo(max) <= 0) return x.longValueExact();
        counters.addSaturations(counters.topology().siteIndex(site), 1);
        if (overflow == Overflow.SATURATE) return (x.signum() < 0 ? min : max).longValueExact();
        // Two's complement wrap: the residue modulo 2^b, moved into [−2^(b−1), 2^(b−1)).
        BigInteger modulus = BigInteger.ONE.shiftLeft(bits);
        return x.subtract(min).mod(modulus).add(min).longValueExact();
    }

    long bound(long x, int bits, String site) {
        return bound(BigInteger.valueOf(x), bits, site);
    }

    /** rint(x·2^f), rounding half to even, exactly for every finite float (host side quantisation of an input). */
    static BigInteger quantise(float x, int fraction) {
        if (!Float.isFinite(x)) throw new IllegalArgumentException("inputs must be finite, got " + x);
        BigDecimal scaled = new BigDecimal(x);
        BigDecimal two = BigDecimal.valueOf(2);
        scaled = fraction >= 0 ? scaled.multiply(two.pow(fraction)) : scaled.divide(two.pow(-fraction));
        return scaled.setScale(0, RoundingMode.HALF_EVEN).toBigIntegerExact();
    }
}
