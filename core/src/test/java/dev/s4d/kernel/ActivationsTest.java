package dev.s4d.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

/** The double-precision specification against reference values (computed with mpmath at 40 digits). */
class ActivationsTest {

    @Test
    void erfcAndPhiKeepRelativeAccuracyInTheTails() {
        assertThat(Activations.erfc(0.5)).isCloseTo(0.4795001221869535, Percentage.withPercentage(1e-12));
        assertThat(Activations.erfc(2.9)).isCloseTo(4.1097878099458e-5, Percentage.withPercentage(1e-8));
        assertThat(Activations.erfc(5)).isCloseTo(1.5374597944280349e-12, Percentage.withPercentage(1e-10));
        assertThat(Activations.erfc(-1)).isCloseTo(1.8427007929497148, Percentage.withPercentage(1e-12));
        assertThat(Activations.phi(-10)).isCloseTo(7.619853024160527e-24, Percentage.withPercentage(1e-10));
        assertThat(Activations.phi(-3)).isCloseTo(1.3498980316300946e-3, Percentage.withPercentage(1e-10));
        assertThat(Activations.phi(1)).isCloseTo(0.8413447460685429, within(1e-15));
        assertThat(Activations.erfc(Double.POSITIVE_INFINITY)).isEqualTo(0.0);
        assertThat(Activations.erfc(Double.NEGATIVE_INFINITY)).isEqualTo(2.0);
        assertThat(Activations.erfc(Double.NaN)).isNaN();
    }

    @Test
    void geluValuesAndLimits() {
        assertThat(Activations.gelu(1.0)).isCloseTo(0.8413447460685429, within(1e-15));
        assertThat(Activations.gelu(-1.0)).isCloseTo(-0.15865525393145707, within(1e-15));
        assertThat(Activations.gelu(-8.0)).isCloseTo(-4.976768459417427e-15, Percentage.withPercentage(1e-8));
        assertThat(Activations.gelu(Double.POSITIVE_INFINITY)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Double.doubleToRawLongBits(Activations.gelu(Double.NEGATIVE_INFINITY)))
                .isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Activations.gelu(Double.NaN)).isNaN();
        assertThat(Activations.gelu(Float.NEGATIVE_INFINITY)).isEqualTo(-0f);
    }
}
