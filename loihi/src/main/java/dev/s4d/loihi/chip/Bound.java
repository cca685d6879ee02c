package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;

/**
 * {@code bound_b} for one fixed width and overflow mode (docs/LOIHI_ARITHMETIC.md, "Bounding").
 * {@link #apply} returns the bounded value; a bound event happened exactly when it differs from the
 * argument, which is how callers count them (a wrapped value lies in range, so it cannot equal an
 * argument that did not).
 */
record Bound(int bits, boolean wrap, long min, long max) {

    static Bound of(int bits, Overflow overflow) {
        if (bits < 1 || bits > 63) throw new IllegalArgumentException("a bound needs 1 to 63 bits, got " + bits);
        if (overflow == null) throw new IllegalArgumentException("overflow must be saturate or wrap, got null");
        return new Bound(bits, overflow == Overflow.WRAP, -(1L << (bits - 1)), (1L << (bits - 1)) - 1);
    }

    long apply(long x) {
        return wrap ? (x << (64 - bits)) >> (64 - bits) : Math.min(Math.max(x, min), max);
    }

    boolean contains(long x) {
        return x >= min && x <= max;
    }
}
