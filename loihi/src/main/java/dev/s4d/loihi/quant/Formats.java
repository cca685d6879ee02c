package dev.s4d.loihi.quant;

/**
 * The format rules of docs/LOIHI_ARITHMETIC.md ("Choosing the formats", "Quantising a real value"),
 * shared by the {@link Quantizer} and {@link FakeQuantization} so both put a tensor on the same grid.
 *
 * <p>Every fraction and exponent is clamped to [{@value #MIN_FRACTION}, {@value #MAX_FRACTION}]. The
 * rules give +∞ for a quantity that is zero on the calibration data (zero weights, a dead relu layer,
 * D = 0) and very large values for nearly zero ones; the upper bound turns those into a finite
 * format whose resolution (2^−48) is far below anything that can change a logit, and keeps the shifts
 * between formats small enough for 64-bit arithmetic. The lower bound still represents magnitudes up to
 * 2^(32+b−2) in b bits, beyond the activations of any model that has not diverged; a larger one is
 * saturated at run time (and counted) rather than given an absurd shift.
 */
final class Formats {
    private Formats() {
    }

    static final int MIN_FRACTION = -32;
    static final int MAX_FRACTION = 48;

    /** The largest value of a signed b-bit integer, 2^(b−1) − 1. */
    static double largest(int bits) {
        return (double) ((1L << (bits - 1)) - 1);
    }

    /**
     * The largest integer f with {@code m · 2^f ≤ limit}, +∞ for m = 0: ⌊log₂(limit / m)⌋ computed
     * exactly (the logarithm only guesses; the power-of-two scalings that check it are exact).
     */
    static double largestFraction(double m, double limit) {
        if (!(m >= 0) || Double.isInfinite(m)) throw new IllegalArgumentException("a magnitude must be finite and ≥ 0, got " + m);
        if (m == 0) return Double.POSITIVE_INFINITY;
        // Bounded to the double exponent range, so a subnormal m (ratio +∞) cannot overflow f + 1.
        int f = (int) Math.max(-1100, Math.min(1100, Math.floor(Math.log(limit / m) / Math.log(2))));
        while (Math.scalb(m, f + 1) <= limit) f++;
        while (Math.scalb(m, f) > limit) f--;
        return f;
    }

    /** {@code fmt(m, b)} of the spec: the largest f keeping m inside b bits with {@code headroom} bits spare. */
    static double fmt(double m, int bits, int headroom) {
        return largestFraction(m, largest(bits)) - headroom;
    }

    /** A rule's result as a usable fraction: clamped to [{@value #MIN_FRACTION}, {@value #MAX_FRACTION}]. */
    static int clamp(double f) {
        return (int) Math.max(MIN_FRACTION, Math.min(MAX_FRACTION, f));
    }

    /**
     * The fraction of a weight or coefficient array: the largest f that keeps its largest magnitude
     * within {@code bits} (no headroom: the values are known), clamped.
     */
    static int arrayFraction(double maxAbs, int bits) {
        return clamp(largestFraction(maxAbs, largest(bits)));
    }

    /** {@code q = clamp_bits(rint(v · 2^f))}, rint rounding half to even; the scaling is exact. */
    static int quantize(double v, int f, int bits) {
        double lim = largest(bits);
        double q = Math.rint(Math.scalb(v, f));
        return (int) Math.max(-lim - 1, Math.min(lim, q));
    }

    /** {@link #quantize(double, int, int)} of every element. */
    static int[] quantize(double[] v, int f, int bits) {
        int[] q = new int[v.length];
        for (int i = 0; i < v.length; i++) q[i] = quantize(v[i], f, bits);
        return q;
    }

    static double maxAbs(double[]... arrays) {
        double m = 0;
        for (double[] a : arrays) {
            for (double v : a) m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
