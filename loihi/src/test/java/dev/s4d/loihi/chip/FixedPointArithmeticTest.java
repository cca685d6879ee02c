package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.Rounding;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Shifting, bounding and input quantisation exactly as docs/LOIHI_ARITHMETIC.md defines them. */
class FixedPointArithmeticTest {
    private static final Rounding NEAREST = Rounding.NEAREST;
    private static final Rounding FLOOR = Rounding.FLOOR;
    private static final Rounding TOWARD_ZERO = Rounding.TOWARD_ZERO;

    @Test
    void nearestRoundsHalfUpIncludingForNegativeValues() {
        assertThat(FixedPointArithmetic.shr(5, 1, NEAREST)).isEqualTo(3);   // 2.5 → 3
        assertThat(FixedPointArithmetic.shr(-5, 1, NEAREST)).isEqualTo(-2); // −2.5 → −2 (half up, not away from 0)
        assertThat(FixedPointArithmetic.shr(6, 2, NEAREST)).isEqualTo(2);   // 1.5 → 2
        assertThat(FixedPointArithmetic.shr(-6, 2, NEAREST)).isEqualTo(-1); // −1.5 → −1
        assertThat(FixedPointArithmetic.shr(7, 2, NEAREST)).isEqualTo(2);   // 1.75 → 2
        assertThat(FixedPointArithmetic.shr(-7, 2, NEAREST)).isEqualTo(-2); // −1.75 → −2
        assertThat(FixedPointArithmetic.shr(5, 2, NEAREST)).isEqualTo(1);   // 1.25 → 1
        assertThat(FixedPointArithmetic.shr(-5, 2, NEAREST)).isEqualTo(-1); // −1.25 → −1
        assertThat(FixedPointArithmetic.shr(-1, 1, NEAREST)).isZero();      // −0.5 → 0
    }

    @Test
    void floorTruncatesTowardMinusInfinity() {
        assertThat(FixedPointArithmetic.shr(5, 1, FLOOR)).isEqualTo(2);
        assertThat(FixedPointArithmetic.shr(-5, 1, FLOOR)).isEqualTo(-3);
        assertThat(FixedPointArithmetic.shr(7, 2, FLOOR)).isEqualTo(1);
        assertThat(FixedPointArithmetic.shr(-1, 3, FLOOR)).isEqualTo(-1);
        assertThat(FixedPointArithmetic.shr(-8, 2, FLOOR)).isEqualTo(-2);
    }

    @Test
    void towardZeroShiftsTheMagnitude() {
        assertThat(FixedPointArithmetic.shr(5, 1, TOWARD_ZERO)).isEqualTo(2);
        assertThat(FixedPointArithmetic.shr(-5, 1, TOWARD_ZERO)).isEqualTo(-2);
        assertThat(FixedPointArithmetic.shr(-7, 2, TOWARD_ZERO)).isEqualTo(-1);
        assertThat(FixedPointArithmetic.shr(-1, 3, TOWARD_ZERO)).isZero();
        assertThat(FixedPointArithmetic.shr(-8, 2, TOWARD_ZERO)).isEqualTo(-2);
        assertThat(FixedPointArithmetic.shr(-9, 2, TOWARD_ZERO)).isEqualTo(-2);
    }

    @Test
    void kZeroIsTheIdentityAndNegativeKMultipliesExactly() {
        for (Rounding r : Rounding.values()) {
            assertThat(FixedPointArithmetic.shr(-12345, 0, r)).isEqualTo(-12345);
            assertThat(FixedPointArithmetic.shr(3, -4, r)).isEqualTo(48);
            assertThat(FixedPointArithmetic.shr(-3, -4, r)).isEqualTo(-48);
            assertThat(FixedPointArithmetic.shr(-(1L << 30), -31, r)).isEqualTo(-(1L << 61));
        }
    }

    @Test
    void shiftsAgreeWithDivisionDefinitionsOnRandomValues() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int t = 0; t < 100_000; t++) {
            long x = rng.nextLong(-(1L << 55), 1L << 55);
            int k = rng.nextInt(1, 50);
            long p = 1L << k;
            // floor(x/2^k + 1/2) = floor((2x + 2^k) / 2^(k+1)); Java's / truncates toward zero.
            assertThat(FixedPointArithmetic.shr(x, k, NEAREST)).isEqualTo(Math.floorDiv(2 * x + p, 2 * p));
            assertThat(FixedPointArithmetic.shr(x, k, FLOOR)).isEqualTo(Math.floorDiv(x, p));
            assertThat(FixedPointArithmetic.shr(x, k, TOWARD_ZERO)).isEqualTo(x / p);
        }
    }

    @Test
    void rightShiftsBeyond63BitsLeaveOnlyTheSignsRounding() {
        for (int k : new int[]{62, 63, 64, 100, 1000}) {
            for (long x : new long[]{5, -5, (1L << 61) - 1, -(1L << 61)}) {
                // On exact integers, where shiftRight divides by 2^k rounding toward −∞:
                // nearest = floor((2x + 2^k) / 2^(k+1)), floor, and the magnitude shifted.
                BigInteger bx = BigInteger.valueOf(x);
                long nearest = bx.shiftLeft(1).add(BigInteger.ONE.shiftLeft(k)).shiftRight(k + 1).longValueExact();
                long floor = bx.shiftRight(k).longValueExact();
                long towardZero = bx.abs().shiftRight(k).multiply(BigInteger.valueOf(bx.signum())).longValueExact();
                assertThat(FixedPointArithmetic.shr(x, k, NEAREST)).as("nearest %d >> %d", x, k).isEqualTo(nearest);
                assertThat(FixedPointArithmetic.shr(x, k, FLOOR)).as("floor %d >> %d", x, k).isEqualTo(floor);
                assertThat(FixedPointArithmetic.shr(x, k, TOWARD_ZERO)).as("toward zero %d >> %d", x, k).isEqualTo(towardZero);
            }
        }
    }

    @Test
    void leftShiftsBeyond62BitsAreRefused() {
        assertThat(FixedPointArithmetic.shr(1, -62, NEAREST)).isEqualTo(1L << 62);
        assertThatThrownBy(() -> FixedPointArithmetic.shr(1, -63, NEAREST)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("left shift by 63 bits");
    }

    @Test
    void saturationKeepsTheRangeEndsAndClampsBeyond() {
        Overflow o = Overflow.SATURATE;
        assertThat(FixedPointArithmetic.bound(127, 8, o)).isEqualTo(127);
        assertThat(FixedPointArithmetic.bound(-128, 8, o)).isEqualTo(-128);
        assertThat(FixedPointArithmetic.bound(128, 8, o)).isEqualTo(127);
        assertThat(FixedPointArithmetic.bound(-129, 8, o)).isEqualTo(-128);
        assertThat(FixedPointArithmetic.bound(Long.MAX_VALUE, 24, o)).isEqualTo((1 << 23) - 1);
        assertThat(FixedPointArithmetic.bound(-(1L << 40), 24, o)).isEqualTo(-(1 << 23));
    }

    @Test
    void wrapKeepsTheLowBitsInTwosComplement() {
        Overflow o = Overflow.WRAP;
        assertThat(FixedPointArithmetic.bound(127, 8, o)).isEqualTo(127);
        assertThat(FixedPointArithmetic.bound(-128, 8, o)).isEqualTo(-128);
        assertThat(FixedPointArithmetic.bound(128, 8, o)).isEqualTo(-128);
        assertThat(FixedPointArithmetic.bound(-129, 8, o)).isEqualTo(127);
        assertThat(FixedPointArithmetic.bound(255, 8, o)).isEqualTo(-1);
        assertThat(FixedPointArithmetic.bound(256, 8, o)).isZero();
        assertThat(FixedPointArithmetic.bound(1000, 8, o)).isEqualTo(1000 - 1024);
        assertThat(FixedPointArithmetic.bound((1L << 23) + 5, 24, o)).isEqualTo(-(1 << 23) + 5);
    }

    @Test
    void inputsRoundHalfToEvenThenBound() {
        Overflow s = Overflow.SATURATE;
        assertThat(FixedPointArithmetic.quantize(0.5, 0, 8, s)).isZero();
        assertThat(FixedPointArithmetic.quantize(1.5, 0, 8, s)).isEqualTo(2);
        assertThat(FixedPointArithmetic.quantize(2.5, 0, 8, s)).isEqualTo(2);
        assertThat(FixedPointArithmetic.quantize(-2.5, 0, 8, s)).isEqualTo(-2);
        assertThat(FixedPointArithmetic.quantize(0.375, 3, 8, s)).isEqualTo(3);
        assertThat(FixedPointArithmetic.quantize(3.0, -1, 8, s)).isEqualTo(2);    // 1.5 → 2
        assertThat(FixedPointArithmetic.quantize(5.0, -1, 8, s)).isEqualTo(2);    // 2.5 → 2
        assertThat(FixedPointArithmetic.quantize(7.9375, 4, 8, s)).isEqualTo(127);
        assertThat(FixedPointArithmetic.quantize(8.0, 4, 8, s)).isEqualTo(127);
        assertThat(FixedPointArithmetic.quantize(-8.0, 4, 8, s)).isEqualTo(-128);
        assertThat(FixedPointArithmetic.quantize(1e30, 0, 8, s)).isEqualTo(127);
        assertThat(FixedPointArithmetic.quantize(-Double.MAX_VALUE, 10, 8, s)).isEqualTo(-128);
    }

    @Test
    void wrappedInputsKeepTheExactLowBitsEvenBeyondALong() {
        Overflow w = Overflow.WRAP;
        assertThat(FixedPointArithmetic.quantize(8.0, 4, 8, w)).isEqualTo(-128);
        assertThat(FixedPointArithmetic.quantize(300.0, 0, 8, w)).isEqualTo(300 - 256);
        long expected = new BigDecimal(1e30).toBigInteger().mod(BigInteger.valueOf(256)).longValue();
        assertThat(FixedPointArithmetic.quantize(1e30, 0, 8, w)).isEqualTo(expected >= 128 ? expected - 256 : expected);
        // x·2^f beyond the double range is a multiple of 2^971: its low bits are zero.
        assertThat(FixedPointArithmetic.quantize(Double.MAX_VALUE, 10, 8, w)).isZero();
    }

    @Test
    void nonFiniteInputsAreRefused() {
        assertThatThrownBy(() -> FixedPointArithmetic.quantize(Double.NaN, 0, 8, Overflow.SATURATE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> FixedPointArithmetic.quantize(Double.POSITIVE_INFINITY, 0, 8, Overflow.WRAP))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void differsIsOneExactlyForUnequalValues() {
        assertThat(FixedPointArithmetic.differs(5, 5)).isZero();
        assertThat(FixedPointArithmetic.differs(5, 6)).isOne();
        assertThat(FixedPointArithmetic.differs(Long.MIN_VALUE, 0)).isOne();
        assertThat(FixedPointArithmetic.differs(-1, 1)).isOne();
    }
}
