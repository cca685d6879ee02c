package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.model.Discretization;
import dev.s4d.model.Readout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each part of {@link DoubleLayers} and the {@link S4DKernel} on its own against central finite
 * differences (criterion in {@link FiniteDifferences}). A part's output is reduced to the scalar
 * f = Σ r·output with fixed random weights r, so its backward pass is run with dOutput = r.
 */
class PartGradientCheckTest {
    private final SplittableRandom rng = new SplittableRandom(2024);

    /**
     * @param inputs   the arrays to differentiate with respect to (the forward reads them)
     * @param forward  the part's output from the current inputs
     * @param backward from dOutput, the gradient of every input (same names)
     */
    private void check(String what, Map<String, double[]> inputs, Supplier<double[]> forward,
                       Function<double[], Map<String, double[]>> backward) {
        double[] r = GradientFixtures.random(rng, forward.get().length, 1);
        Map<String, double[]> analytic = backward.apply(r);
        FiniteDifferences.Numeric numeric = FiniteDifferences.numeric(() -> {
            double[] out = forward.get();
            double f = 0;
            for (int i = 0; i < out.length; i++) f += r[i] * out[i];
            return f;
        }, inputs);
        FiniteDifferences.assertAgree(what, analytic, numeric);
        analytic.forEach((name, g) -> assertThat(java.util.Arrays.stream(g).anyMatch(v -> v != 0))
                .as(what + ": gradient of " + name + " is all zero").isTrue());
    }

    private static Map<String, double[]> named(Object... nameThenArray) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenArray.length; i += 2) m.put((String) nameThenArray[i], (double[]) nameThenArray[i + 1]);
        return m;
    }

    @Test
    void linear() {
        int rows = 5, in = 4, out = 3;
        double[] x = GradientFixtures.random(rng, rows * in, 1);
        double[] w = GradientFixtures.random(rng, out * in, 1);
        double[] b = GradientFixtures.random(rng, out, 1);
        check("linear", named("x", x, "w", w, "b", b), () -> {
            double[] y = new double[rows * out];
            DoubleLayers.linear(x, rows, in, w, b, out, y);
            return y;
        }, dy -> {
            double[] dx = new double[x.length], dw = new double[w.length], db = new double[b.length];
            DoubleLayers.linearBackward(x, rows, in, w, out, dy, dx, dw, db);
            return named("x", dx, "w", dw, "b", db);
        });
    }

    @Test
    void batchNormOverSamples() {
        int width = 3;
        double[][] x = {GradientFixtures.random(rng, 4 * width, 2), GradientFixtures.random(rng, 2 * width, 2)};
        double[] w = GradientFixtures.random(rng, width, 1);
        double[] b = GradientFixtures.random(rng, width, 1);
        double[][] xhat = {new double[x[0].length], new double[x[1].length]};
        double[] mean = new double[width], var = new double[width], inv = new double[width];
        Supplier<double[]> forward = () -> {
            double[][] y = {new double[x[0].length], new double[x[1].length]};
            DoubleLayers.batchNorm(x, width, w, b, 1e-5, xhat, mean, var, inv, y);
            return join(y[0], y[1]);
        };
        check("batch norm", named("x0", x[0], "x1", x[1], "w", w, "b", b), forward, dy -> {
            forward.get();
            double[][] dx = {new double[x[0].length], new double[x[1].length]};
            double[] dw = new double[width], db = new double[width];
            double[][] dys = {Arrays.copyOfRange(dy, 0, x[0].length), Arrays.copyOfRange(dy, x[0].length, dy.length)};
            DoubleLayers.batchNormBackward(xhat, inv, width, w, dys, dx, dw, db);
            return named("x0", dx[0], "x1", dx[1], "w", dw, "b", db);
        });
    }

    private static double[] join(double[] a, double[] b) {
        double[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void layerNorm() {
        int rows = 4, width = 5;
        double[] x = GradientFixtures.random(rng, rows * width, 2);
        double[] w = GradientFixtures.random(rng, width, 1);
        double[] b = GradientFixtures.random(rng, width, 1);
        double[] xhat = new double[x.length], inv = new double[rows];
        Supplier<double[]> forward = () -> {
            double[] y = new double[x.length];
            DoubleLayers.layerNorm(x, rows, width, w, b, 1e-5, xhat, inv, y);
            return y;
        };
        check("layer norm", named("x", x, "w", w, "b", b), forward, dy -> {
            forward.get();   // x̂ and 1/σ at the unperturbed inputs
            double[] dx = new double[x.length], dw = new double[width], db = new double[width];
            DoubleLayers.layerNormBackward(xhat, inv, rows, width, w, dy, dx, dw, db);
            return named("x", dx, "w", dw, "b", db);
        });
    }

    @Test
    void gelu() {
        double[] y = GradientFixtures.random(rng, 40, 2.5);
        check("gelu", named("y", y), () -> {
            double[] a = new double[y.length];
            DoubleLayers.gelu(y, a);
            return a;
        }, da -> {
            double[] g = da.clone();
            DoubleLayers.geluBackward(y, g);
            return named("y", g);
        });
    }

    @Test
    void relu() {
        double[] y = GradientFixtures.random(rng, 40, 1);
        for (int i = 0; i < y.length; i++) y[i] += Math.signum(y[i]) * 0.01;   // no kink within reach of h
        check("relu", named("y", y), () -> {
            double[] a = new double[y.length];
            DoubleLayers.relu(y, a);
            return a;
        }, da -> {
            double[] g = da.clone();
            DoubleLayers.reluBackward(y, g);
            return named("y", g);
        });
    }

    @Test
    void glu() {
        int rows = 3, width = 4;
        double[] v = GradientFixtures.random(rng, rows * 2 * width, 2);
        check("glu", named("v", v), () -> {
            double[] g = new double[rows * width];
            DoubleLayers.glu(v, rows, width, g);
            return g;
        }, dg -> {
            double[] dv = new double[v.length];
            DoubleLayers.gluBackward(v, dg, rows, width, dv);
            return named("v", dv);
        });
    }

    @Test
    void causalConvolution() {
        int length = 9, channels = 3;
        double[] k = GradientFixtures.random(rng, channels * length, 1);
        double[] d = GradientFixtures.random(rng, channels, 1);
        double[] z = GradientFixtures.random(rng, length * channels, 1);
        check("causal convolution", named("K", k, "D", d, "z", z), () -> {
            double[] y = new double[z.length];
            DoubleLayers.causalConvolution(k, d, z, length, channels, y);
            return y;
        }, dy -> {
            double[] dz = new double[z.length], dk = new double[k.length], dd = new double[d.length];
            DoubleLayers.causalConvolutionBackward(k, d, z, dy, length, channels, dz, dk, dd);
            return named("K", dk, "D", dd, "z", dz);
        });
    }

    @ParameterizedTest
    @EnumSource(Readout.class)
    void readout(Readout readout) {
        int length = 6, width = 4;
        double[] x = GradientFixtures.random(rng, length * width, 1);
        check("readout " + readout, named("x", x), () -> {
            double[] pooled = new double[width];
            DoubleLayers.pool(readout, x, length, width, pooled);
            return pooled;
        }, dp -> {
            double[] dx = new double[x.length];
            DoubleLayers.poolBackward(readout, dp, length, width, dx);
            return named("x", dx);
        });
    }

    @ParameterizedTest(name = "label smoothing {0}")
    @ValueSource(doubles = {0.0, 0.1, 0.7})
    void crossEntropy(double epsilon) {
        double[] logits = GradientFixtures.random(rng, 5, 2);
        LabelSmoothing smoothing = new LabelSmoothing(epsilon);
        check("cross-entropy", named("logits", logits), () -> {
            return new double[]{DoubleLayers.crossEntropy(logits, 3, smoothing, new double[logits.length])};
        }, dLoss -> {
            double[] g = new double[logits.length];
            DoubleLayers.crossEntropy(logits, 3, smoothing, g);
            for (int i = 0; i < g.length; i++) g[i] *= dLoss[0];
            return named("logits", g);
        });
    }

    /** The smoothed loss is the cross-entropy against the target distribution, written out from its definition. */
    @Test
    void smoothedCrossEntropyIsAgainstTheMixedTarget() {
        double[] logits = {0.3, -1.2, 2.0, 0.0};
        double eps = 0.2;
        double logSum = Math.log(Math.exp(0.3) + Math.exp(-1.2) + Math.exp(2.0) + Math.exp(0.0));
        double expected = 0;
        for (int c = 0; c < 4; c++) expected -= ((c == 2 ? 1 - eps : 0) + eps / 4) * (logits[c] - logSum);
        double[] g = new double[4];
        assertThat(DoubleLayers.crossEntropy(logits, 2, new LabelSmoothing(eps), g)).isCloseTo(expected, within(1e-14));
        assertThat(java.util.Arrays.stream(g).sum()).isCloseTo(0, within(1e-15));
    }

    /** The distilled loss (label part smoothed, teacher part at several weights and temperatures) against finite differences. */
    @ParameterizedTest(name = "weight {0}, temperature {1}")
    @CsvSource({"1.0, 1.0", "0.5, 1.0", "0.5, 3.0", "0.9, 0.5"})
    void distilledLoss(double weight, double temperature) {
        double[] logits = GradientFixtures.random(rng, 5, 2);
        double[] q = DoubleLayers.softmax(new float[]{0.5f, -1f, 2.5f, 0f, 1f}, 1.0);
        LabelSmoothing smoothing = new LabelSmoothing(0.1);
        check("distilled loss", named("logits", logits), () -> {
            double[] g = new double[logits.length];
            double hard = DoubleLayers.crossEntropy(logits, 3, smoothing, g);
            return new double[]{DoubleLayers.distill(logits, q, weight, temperature, hard, g)};
        }, dLoss -> {
            double[] g = new double[logits.length];
            double hard = DoubleLayers.crossEntropy(logits, 3, smoothing, g);
            DoubleLayers.distill(logits, q, weight, temperature, hard, g);
            for (int i = 0; i < g.length; i++) g[i] *= dLoss[0];
            return named("logits", g);
        });
    }

    /**
     * The teacher's term written out from its definition: T²·Σ q·(log q − log softmax(z/T)); it is 0
     * where the student already gives the teacher's probabilities, and a teacher sure of the label at
     * T = 1 teaches what the label does.
     */
    @Test
    void distilledLossIsTheBlendOfTheLabelsAndTheTeachersTerms() {
        double[] z = {0.3, -1.2, 2.0, 0.0};
        double[] q = {0.1, 0.2, 0.6, 0.1};
        double t = 2.0;
        double logSum = Math.log(Math.exp(0.15) + Math.exp(-0.6) + Math.exp(1.0) + Math.exp(0.0));
        double kl = 0;
        for (int c = 0; c < 4; c++) kl += q[c] * (Math.log(q[c]) - (z[c] / t - logSum));
        double[] g = new double[4];
        double hard = DoubleLayers.crossEntropy(z, 2, LabelSmoothing.NONE, g);
        assertThat(DoubleLayers.distill(z, q, 0.25, t, hard, g)).isCloseTo(0.75 * hard + 0.25 * t * t * kl, within(1e-14));
        assertThat(java.util.Arrays.stream(g).sum()).isCloseTo(0, within(1e-15));

        double[] own = DoubleLayers.softmax(new float[]{0.3f, -1.2f, 2.0f, 0.0f}, t);
        double[] zf = {0.3f, -1.2f, 2.0f, 0.0f};
        double[] g0 = new double[4];
        assertThat(DoubleLayers.distill(zf, own, 1.0, t, 5.0, g0)).isCloseTo(0, within(1e-15));
        for (double v : g0) assertThat(v).isCloseTo(0, within(1e-15));

        double[] oneHot = {0, 0, 1, 0};
        double[] byLabel = new double[4];
        double[] byTeacher = new double[4];
        double loss = DoubleLayers.crossEntropy(z, 2, LabelSmoothing.NONE, byLabel);
        assertThat(DoubleLayers.distill(z, oneHot, 1.0, 1.0, 123.0, byTeacher)).isCloseTo(loss, within(1e-14));
        for (int c = 0; c < 4; c++) assertThat(byTeacher[c]).isCloseTo(byLabel[c], within(1e-15));
    }

    /**
     * The kernel's parameters through each discretisation, at lengths within one block of powers and
     * across several, with Δ up to 0.5 so that K is far from linear in its parameters.
     */
    @ParameterizedTest
    @ValueSource(ints = {7, 20, 150})
    void s4dKernelThroughZohAndBilinear(int length) {
        for (Discretization method : Discretization.values()) {
            int h = 3, m = 3;
            double[] logDt = new double[h];
            for (int i = 0; i < h; i++) logDt[i] = Math.log(0.02 + 0.48 * rng.nextDouble());
            double[] logAReal = GradientFixtures.random(rng, h * m, 0.5);
            double[] aImag = GradientFixtures.random(rng, h * m, 3);
            double[] c = GradientFixtures.random(rng, h * m * 2, 0.7);
            Supplier<S4DKernel> kernel = () -> new S4DKernel(method, h, m, logDt, logAReal, aImag, c);
            check("S4D kernel " + method + " L=" + length,
                    named("log_dt", logDt, "log_A_real", logAReal, "A_imag", aImag, "C", c),
                    () -> kernel.get().kernel(length),
                    dK -> {
                        double[] gDt = new double[h], gRe = new double[h * m], gIm = new double[h * m], gC = new double[c.length];
                        kernel.get().backward(dK, length, 0, h, gDt, gRe, gIm, gC);
                        return named("log_dt", gDt, "log_A_real", gRe, "A_imag", gIm, "C", gC);
                    });
        }
    }
}
