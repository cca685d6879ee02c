package dev.s4d.kernel;

/**
 * Scalar activation functions in double precision. Java has no erf, so it is computed here to full
 * double accuracy: a positive-term series below |x| = 3 (no cancellation) and the continued fraction of
 * erfc above. These are the specification the float kernels are checked against.
 */
public final class Activations {
    private Activations() {
    }

    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_PI = 1.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    /** The error function erf(x) = 2/√π ∫₀ˣ e^{−t²} dt, to full double accuracy; odd, ±1 beyond |x| = 6.5. */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r;
        if (ax < 3.0) {
            // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)); every term is positive.
            double x2 = ax * ax;
            double term = ax;
            double sum = ax;
            for (int n = 0; n < 200 && term > 1e-17 * sum; n++) {
                term *= 2.0 * x2 / (2 * n + 3);
                sum += term;
            }
            r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        } else if (ax < 6.5) {
            r = 1.0 - erfcContinuedFraction(ax);
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    /**
     * erfc(x) = 1 − erf(x), with full relative accuracy for large positive x (the continued fraction
     * above 3, where 1 − erf would cancel) and 1 − erf(x) below 3 (at most ~5·10⁻¹² relative near 3).
     */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        return x >= 3.0 ? erfcContinuedFraction(x) : 1.0 - erf(x);
    }

    /**
     * The standard normal distribution function Φ(x) = ½·erfc(−x/√2), accurate relative to its value
     * in both tails (Φ(−10) ≈ 7.6·10⁻²⁴ comes out right, not as 0 from 1 + erf).
     */
    public static double phi(double x) {
        return 0.5 * erfc(-x * INV_SQRT2);
    }

    /** erfc(x) for x ≥ 3 from its continued fraction, evaluated bottom-up at a depth that has converged. */
    private static double erfcContinuedFraction(double x) {
        double f = x;
        for (int k = 60; k >= 1; k--) f = x + (k * 0.5) / f;
        return Math.exp(-x * x) * INV_SQRT_PI / f;
    }

    /**
     * GELU, exact form: x·Φ(x) = x/2·(1 + erf(x/√2)), computed as x·Φ(x) with Φ from erfc so that the
     * negative tail keeps its relative accuracy. Infinities take the limits: gelu(+∞) = +∞ and
     * gelu(−∞) = −0 (the naive product −∞·0 would be NaN; −0 is also what every finite x below about
     * −14 gives in float, where x·Φ(x) underflows). NaN gives NaN.
     */
    public static double gelu(double x) {
        if (x == Double.NEGATIVE_INFINITY) return -0.0;
        return x * phi(x);
    }

    /** {@link #gelu(double)} rounded once to float: the value the float kernels must reproduce. */
    public static float gelu(float x) {
        return (float) gelu((double) x);
    }

    /** The logistic function 1/(1 + e^{−x}), written per sign so that e^{|x|} never overflows. */
    public static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }

    /** {@link #sigmoid(double)} rounded once to float, as the scalar GLU gate uses it. */
    public static float sigmoid(float x) {
        return (float) sigmoid((double) x);
    }

    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /**
     * The derivative of {@link #gelu(double)}: Φ(x) + x·φ(x), φ the standard normal density. This is
     * the specification of the GELU backward pass; the limits are taken at ±∞ (1 and 0).
     */
    public static double geluDerivative(double x) {
        if (Double.isInfinite(x)) return x > 0 ? 1.0 : 0.0;
        return phi(x) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
    }
}
