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

    /** erfc(x) for x ≥ 3 from its continued fraction, evaluated bottom-up at a depth that has converged. */
    private static double erfcContinuedFraction(double x) {
        double f = x;
        for (int k = 60; k >= 1; k--) f = x + (k * 0.5) / f;
        return Math.exp(-x * x) * INV_SQRT_PI / f;
    }

    /** GELU, exact form: x·Φ(x) = x/2·(1 + erf(x/√2)). */
    public static double gelu(double x) {
        return 0.5 * x * (1.0 + erf(x * INV_SQRT2));
    }

    public static float gelu(float x) {
        return (float) gelu((double) x);
    }

    public static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }

    public static float sigmoid(float x) {
        return (float) sigmoid((double) x);
    }
}
