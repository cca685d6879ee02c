package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Rounding;

/**
 * {@code shr(·, k)} for one fixed k and rounding (docs/LOIHI_ARITHMETIC.md, "Shifting"), reduced to
 * one branch-free expression {@code (x + half + (sign(x) & negativeBias)) >> right << left} so the
 * engine's inner loops carry no switch:
 * <ul>
 *   <li>nearest: half = 2^(k−1), so {@code (x + 2^(k−1)) >> k};</li>
 *   <li>floor: {@code x >> k};</li>
 *   <li>toward zero: negative x get 2^k − 1 added first, which turns the floor into a ceiling,
 *       i.e. {@code −(|x| >> k)};</li>
 *   <li>k ≤ 0: {@code x << −k}, exact as long as the caller keeps |x|·2^(−k) inside 64 bits;</li>
 *   <li>k ≥ 63 acts as k = 63, which for |x| &lt; 2^62 is exact: only the sign's rounding is left.</li>
 * </ul>
 */
record Shift(long half, long negativeBias, int right, int left) {

    static Shift of(int k, Rounding rounding) {
        if (k < -FixedPointArithmetic.MAX_LEFT_SHIFT) {
            throw new IllegalArgumentException("a left shift by " + -k + " bits leaves 64-bit arithmetic (at most "
                    + FixedPointArithmetic.MAX_LEFT_SHIFT + ")");
        }
        if (rounding == null) throw new IllegalArgumentException("rounding must be nearest, floor or toward_zero, got null");
        if (k <= 0) return new Shift(0, 0, 0, -k);
        // Java masks shift counts to 6 bits; for |x| < 2^62 every shift by 63 or more bits rounds like 63.
        int right = Math.min(k, 63);
        long half = rounding == Rounding.NEAREST ? 1L << (right - 1) : 0;
        long negativeBias = rounding == Rounding.TOWARD_ZERO ? (1L << right) - 1 : 0;
        return new Shift(half, negativeBias, right, 0);
    }

    /**
     * The shift for values with |x| ≤ 2^magnitudeBits, refused where a left shift could carry them
     * past 2^61: the engine adds two shifted terms, and their sum must stay inside a long.
     *
     * @param where names the shift in the error
     */
    static Shift checked(String where, int k, Rounding rounding, int magnitudeBits) {
        if (k < 0 && (long) magnitudeBits - k > 61) {
            throw new IllegalArgumentException(where + " shifts left by " + -k + " bits, which could carry its "
                    + magnitudeBits + "-bit values past 64-bit arithmetic; the model's formats are inconsistent");
        }
        return of(k, rounding);
    }

    long apply(long x) {
        return (x + half + ((x >> 63) & negativeBias)) >> right << left;
    }
}
