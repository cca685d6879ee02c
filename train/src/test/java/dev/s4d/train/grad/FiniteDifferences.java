package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Central finite differences of a scalar double function of arrays, compared element by element with an
 * analytic gradient.
 *
 * <p>The criterion for every element: |analytic − numeric| ≤ {@value #RELATIVE}·|numeric| + τ, with
 * τ = {@value #NOISE_ULPS} ulps of max(|f|, 1) divided by h. The difference quotient itself carries a
 * rounding noise of about ε·|f|/h (10⁻¹⁰ for h = 10⁻⁶ and |f| ≈ 1), so pure relative error cannot be met
 * by elements whose derivative is of that order or smaller — here the S4D parameters of a whole model,
 * whose gradients are ~10⁻⁶ because Δ is small. τ allows that noise and no more: a wrong formula errs by
 * the size of the gradient itself. The S4D parameters are also checked where their gradients are of
 * order one (the kernel's own test), where the relative term decides.
 */
final class FiniteDifferences {
    static final double STEP = 1e-6;
    static final double RELATIVE = 1e-6;
    static final double NOISE_ULPS = 16;

    private FiniteDifferences() {
    }

    /** Numeric gradients of f with respect to every element of each named array, and the noise allowance τ. */
    record Numeric(Map<String, double[]> gradients, double tau) {
    }

    static Numeric numeric(DoubleSupplier f, Map<String, double[]> arrays) {
        double magnitude = Math.max(1.0, Math.abs(f.getAsDouble()));
        Map<String, double[]> out = new LinkedHashMap<>();
        for (var e : arrays.entrySet()) {
            double[] x = e.getValue();
            double[] g = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double saved = x[i];
                x[i] = saved + STEP;
                double plus = f.getAsDouble();
                x[i] = saved - STEP;
                double minus = f.getAsDouble();
                x[i] = saved;
                g[i] = (plus - minus) / (2 * STEP);
                magnitude = Math.max(magnitude, Math.max(Math.abs(plus), Math.abs(minus)));
            }
            out.put(e.getKey(), g);
        }
        return new Numeric(out, NOISE_ULPS * Math.ulp(magnitude) / STEP);
    }

    /** Every element that fails the criterion, as readable lines (empty when all pass). */
    static List<String> mismatches(Map<String, double[]> analytic, Numeric numeric) {
        List<String> bad = new ArrayList<>();
        numeric.gradients().forEach((name, n) -> {
            double[] a = analytic.get(name);
            for (int i = 0; i < n.length; i++) {
                if (!(Math.abs(a[i] - n[i]) <= RELATIVE * Math.abs(n[i]) + numeric.tau())) {
                    bad.add(name + "[" + i + "]: analytic " + a[i] + ", numeric " + n[i]);
                }
            }
        });
        return bad;
    }

    /**
     * The largest relative error among elements at least 10⁴·τ in size, where noise explains at most
     * 10⁻⁴ of it: what the check shows beyond pass or fail.
     */
    static double worstRelative(Map<String, double[]> analytic, Numeric numeric) {
        double worst = 0;
        for (var e : numeric.gradients().entrySet()) {
            double[] a = analytic.get(e.getKey());
            double[] n = e.getValue();
            for (int i = 0; i < n.length; i++) {
                if (Math.abs(n[i]) >= 1e4 * numeric.tau()) worst = Math.max(worst, Math.abs(a[i] - n[i]) / Math.abs(n[i]));
            }
        }
        return worst;
    }

    static void assertAgree(String what, Map<String, double[]> analytic, Numeric numeric) {
        assertThat(analytic.keySet()).as(what + ": analytic gradients").containsAll(numeric.gradients().keySet());
        assertThat(mismatches(analytic, numeric)).as(what + ": elements outside |a − n| ≤ 1e-6·|n| + " + numeric.tau())
                .isEmpty();
    }
}
