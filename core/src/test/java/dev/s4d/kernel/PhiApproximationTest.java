package dev.s4d.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The error bound of the vectorised Φ (the erf of GELU) against the double-precision
 * {@link Activations#phi(double)}: within 1·10⁻⁷ absolute everywhere, and within 5·10⁻⁷ relative for
 * x &lt; 0 wherever Φ is a normal float (the tail that 1 + erf would lose to cancellation).
 */
class PhiApproximationTest {

    private record Worst(double abs, float absAt, double rel, float relAt) {
    }

    private static Worst check(float[] xs) {
        float[] ys = new float[xs.length];
        VectorKernels.phi(xs, ys, xs.length);
        double abs = 0, rel = 0;
        float absAt = Float.NaN, relAt = Float.NaN;
        for (int i = 0; i < xs.length; i++) {
            double ref = Activations.phi(xs[i]);
            double e = Math.abs(ys[i] - ref);
            if (!(e <= abs)) {
                abs = e;
                absAt = xs[i];
            }
            if (xs[i] < 0 && ref >= Float.MIN_NORMAL && !(e / ref <= rel)) {
                rel = e / ref;
                relAt = xs[i];
            }
        }
        return new Worst(abs, absAt, rel, relAt);
    }

    private static void assertWithinBound(Worst w) {
        assertThat(w.abs()).as("max absolute error, at x = %s", w.absAt()).isLessThanOrEqualTo(1e-7);
        assertThat(w.rel()).as("max relative error below 0, at x = %s", w.relAt()).isLessThanOrEqualTo(5e-7);
    }

    @Test
    void denseGridOverMinusTwentyToTwenty() {
        int n = 4_000_001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = (float) (-20.0 + 40.0 * i / (n - 1));
        assertWithinBound(check(xs));
    }

    @Test
    void everyFloatAroundTheBranchPoints() {
        // the centre polynomial meets the tail formula at −0.75 and 1.5: all floats within ±2^-6 of them
        for (float edge : new float[]{-0.75f, 1.5f}) {
            float lo = edge - 1f / 64, hi = edge + 1f / 64;
            int n = Float.floatToIntBits(Math.abs(hi)) - Float.floatToIntBits(Math.abs(lo));
            float[] xs = new float[Math.abs(n) + 1];
            float x = lo;
            for (int i = 0; i < xs.length; i++, x = Math.nextUp(x)) xs[i] = x;
            assertWithinBound(check(xs));
        }
    }

    @Test
    void randomFloatsOfAllMagnitudes() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] xs = new float[1_000_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt())           // any bit pattern, NaNs included
                    : (float) (rnd.nextGaussian() * 4);
            if (Float.isNaN(xs[i])) xs[i] = 0f;
        }
        assertWithinBound(check(xs));
    }

    @Test
    void specialValues() {
        float[] xs = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                      -Float.MAX_VALUE, Float.MAX_VALUE};
        float[] ys = new float[xs.length];
        VectorKernels.phi(xs, ys, xs.length);
        assertThat(ys[0]).isNaN();
        assertThat(ys[1]).isEqualTo(1f);
        assertThat(ys[2]).isEqualTo(0f);
        assertThat(ys[3]).isEqualTo(0.5f);
        assertThat(ys[4]).isEqualTo(0.5f);
        assertThat(ys[5]).isEqualTo(0.5f);
        assertThat(ys[6]).isEqualTo(0f);
        assertThat(ys[7]).isEqualTo(1f);
    }
}
