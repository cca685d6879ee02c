package dev.s4d.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The training kernels: the scalar specification against the math in double, and the vector kernels
 * against the specification, on shapes below, at and above the vector and panel widths. Tolerances as
 * in {@link VectorKernelsTest}: float rounding of sums of n terms, a few n·u·Σ|terms|.
 */
class GradientKernelsTest {
    private static final double U = Math.ulp(1.0f) / 2;
    private static final Kernels SCALAR = Kernels.scalar();
    private static final Kernels VECTOR = VectorKernels.create();

    private static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }

    @Test
    void vectorKernelsAreReal() {
        assertThat(VECTOR.name()).startsWith("vector(");
    }

    @Test
    void linearWeightGradientAddsTheOuterProductSums() {
        SplittableRandom rnd = new SplittableRandom(1);
        int cases = 0;
        for (int rows : new int[]{1, 2, 5, 17, 130, 300}) {
            for (int in : new int[]{1, 3, 15, 16, 17, 64, 65, 128, 131}) {
                for (int out : new int[]{1, 5, 6, 7, 13, 64, 128, 256}) {
                    if ((long) rows * in * out > 3_000_000 || rnd.nextInt(3) == 0) continue;
                    checkWeightGradient(rnd, rows, in, out, rnd.nextBoolean());
                    cases++;
                }
            }
        }
        assertThat(cases).isGreaterThan(100);
    }

    private static void checkWeightGradient(SplittableRandom rnd, int rows, int in, int out, boolean withBias) {
        int dyOff = rnd.nextInt(4), xOff = rnd.nextInt(4);
        float[] dy = random(rnd, dyOff + rows * out + 2, 1);
        float[] x = random(rnd, xOff + rows * in + 2, 2);
        float[] dw0 = random(rnd, out * in, 3);
        float[] db0 = withBias ? random(rnd, out, 3) : null;
        String shape = rows + " rows, " + in + "→" + out + (withBias ? " with bias" : "");
        // Both row tilings of the vector product, whichever this machine's registers favour.
        for (Kernels k : new Kernels[]{SCALAR, VectorKernels.withSixRowTiles(true), VectorKernels.withSixRowTiles(false)}) {
            float[] dw = dw0.clone();
            float[] db = withBias ? db0.clone() : null;
            k.linearWeightGradient(dy, dyOff, x, xOff, rows, out, in, dw, db);
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double exact = dw0[o * in + i];
                    double mag = Math.abs(exact);
                    for (int r = 0; r < rows; r++) {
                        double t = (double) dy[dyOff + r * out + o] * x[xOff + r * in + i];
                        exact += t;
                        mag += Math.abs(t);
                    }
                    assertThat((double) dw[o * in + i]).as(k.name() + " dw " + shape)
                            .isCloseTo(exact, within((2.0 * rows + 4) * U * mag));
                }
                if (withBias) {
                    double exact = db0[o];
                    double mag = Math.abs(exact);
                    for (int r = 0; r < rows; r++) {
                        exact += dy[dyOff + r * out + o];
                        mag += Math.abs(dy[dyOff + r * out + o]);
                    }
                    assertThat((double) db[o]).as(k.name() + " db " + shape).isCloseTo(exact, within((2.0 * rows + 4) * U * mag));
                }
            }
        }
    }

    @Test
    void geluBackwardMultipliesByTheDerivative() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int n : new int[]{1, 7, 16, 33, 1000, 1024, 2500}) {
            int yOff = rnd.nextInt(3), gOff = rnd.nextInt(3);
            float[] y = random(rnd, yOff + n, 9);
            if (n > 10) {
                y[yOff] = Float.POSITIVE_INFINITY;
                y[yOff + 1] = Float.NEGATIVE_INFINITY;
                y[yOff + 2] = 0f;
                y[yOff + 3] = -30f;
                y[yOff + 4] = 30f;
            }
            float[] g0 = random(rnd, gOff + n, 2);
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[] g = g0.clone();
                k.geluBackward(y, yOff, g, gOff, n);
                for (int i = 0; i < n; i++) {
                    double exact = g0[gOff + i] * Activations.geluDerivative(y[yOff + i]);
                    // Φ is within 1e-7 of the truth in the vector kernels, the density term a few ulps
                    assertThat((double) g[gOff + i]).as(k.name() + " at y=" + y[yOff + i])
                            .isCloseTo(exact, within(Math.abs(g0[gOff + i]) * 4e-7 + 1e-30));
                }
            }
        }
    }

    @Test
    void reluBackwardZeroesTheGradientWhereTheInputWasNotPositive() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int n : new int[]{1, 7, 16, 33, 1000}) {
            int yOff = rnd.nextInt(3), gOff = rnd.nextInt(3);
            float[] y = random(rnd, yOff + n, 2);
            y[yOff] = Float.NaN;
            if (n > 2) {
                y[yOff + 1] = -0f;
                y[yOff + 2] = 0f;
            }
            float[] g0 = random(rnd, gOff + n + 2, 1);
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[] g = g0.clone();
                k.reluBackward(y, yOff, g, gOff, n);
                for (int i = 0; i < g.length; i++) {
                    int j = i - gOff;
                    boolean inside = j >= 0 && j < n;
                    float expected = inside && !(y[yOff + j] > 0f) ? 0f : g0[i];
                    assertThat(g[i]).as(k.name() + " n=" + n + " at " + i).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void geluDerivativeIsTheSlopeOfGelu() {
        for (double x = -8; x <= 8; x += 0.37) {
            double h = 1e-5;
            double slope = (Activations.gelu(x + h) - Activations.gelu(x - h)) / (2 * h);
            assertThat(Activations.geluDerivative(x)).as("x=" + x).isCloseTo(slope, within(1e-9));
        }
        assertThat(Activations.geluDerivative(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
        assertThat(Activations.geluDerivative(Double.NEGATIVE_INFINITY)).isEqualTo(0.0);
        assertThat(Activations.geluDerivative(0)).isEqualTo(0.5);
    }

    @Test
    void gluBackwardGivesBothHalves() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int width : new int[]{1, 5, 16, 17, 64, 100}) {
            int rows = 1 + rnd.nextInt(6);
            float[] z = random(rnd, rows * 2 * width, 8);
            float[] d = random(rnd, rows * width, 2);
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[] out = new float[rows * width], inference = new float[rows * width], gateExp = new float[rows * width];
                k.gluForward(z, rows, width, out, gateExp);
                k.glu(z, rows, width, inference);
                assertThat(out).as(k.name() + " gluForward's outputs are glu's").isEqualTo(inference);
                for (int i = 0; i < gateExp.length; i++) {
                    double e = Math.exp(-(double) z[i / width * 2 * width + width + i % width]);
                    assertThat((double) gateExp[i]).as(k.name() + " kept exp(-gate)").isCloseTo(e, within(8 * U * e));
                }
                float[] dz = new float[z.length];
                k.gluBackward(z, gateExp, d, rows, width, dz);
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < width; j++) {
                        int a = r * 2 * width + j;
                        double s = Activations.sigmoid((double) z[a + width]);
                        double g = d[r * width + j];
                        assertThat((double) dz[a]).as(k.name() + " first half").isCloseTo(g * s, within(8 * U * Math.abs(g * s) + 1e-30));
                        double second = g * z[a] * s * (1 - s);
                        assertThat((double) dz[a + width]).as(k.name() + " second half")
                                .isCloseTo(second, within(16 * U * Math.abs(second) + 1e-30));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // FFT and spectral kernels

    private static final int[] WIDTHS = {1, 3, 16, 17, 33, 64};

    @Test
    void scaleColumnsMultipliesEveryRow() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int width : WIDTHS) {
            float[] a = random(rnd, 5 * width, 2), f = random(rnd, width, 2);
            float[] s = a.clone(), v = a.clone();
            SCALAR.scaleColumns(s, 5, width, f);
            VECTOR.scaleColumns(v, 5, width, f);
            assertThat(v).containsExactly(s);
            for (int i = 0; i < a.length; i++) assertThat(s[i]).isEqualTo(a[i] * f[i % width]);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // layer norm for training

    @Test
    void layerNormForwardKeepsNormalisedValuesAndInverseDeviation() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int width : new int[]{1, 5, 16, 37, 128}) {
            int rows = 4;
            float[] x = random(rnd, rows * width, 3), w = random(rnd, width, 2), b = random(rnd, width, 1);
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[] xhat = new float[x.length], inv = new float[rows], y = x.clone();
                k.layerNormForward(y, rows, width, w, b, 1e-5f, xhat, inv, y);   // in place
                float[] reference = x.clone();
                k.layerNorm(reference, rows, width, w, b, 1e-5f);
                for (int r = 0; r < rows; r++) {
                    double mean = 0, var = 0;
                    for (int j = 0; j < width; j++) mean += x[r * width + j];
                    mean /= width;
                    for (int j = 0; j < width; j++) var += (x[r * width + j] - mean) * (x[r * width + j] - mean);
                    double s = 1 / Math.sqrt(var / width + 1e-5);
                    assertThat((double) inv[r]).as(k.name()).isCloseTo(s, within(1e-5 * s));
                    for (int j = 0; j < width; j++) {
                        int i = r * width + j;
                        assertThat((double) xhat[i]).isCloseTo((x[i] - mean) * s, within(1e-5 * (1 + Math.abs(x[i]) * s)));
                        assertThat(y[i]).isCloseTo(reference[i], within(1e-5f * (1 + Math.abs(reference[i]))));
                    }
                }
            }
        }
    }

    @Test
    void layerNormBackwardIsTheGradientOfTheForwardPass() {
        SplittableRandom rnd = new SplittableRandom(10);
        for (int width : new int[]{1, 5, 16, 37, 128}) {
            int rows = 3;
            float[] x = random(rnd, rows * width, 3), w = random(rnd, width, 2), b = random(rnd, width, 1);
            float[] dy = random(rnd, rows * width, 1);
            float[] xhat = new float[x.length], inv = new float[rows], y = new float[x.length];
            SCALAR.layerNormForward(x, rows, width, w, b, 1e-5f, xhat, inv, y);
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[] dx = new float[x.length], dw = new float[width], db = new float[width];
                k.layerNormBackward(xhat, inv, dy, rows, width, w, dx, dw, db);
                for (int r = 0; r < rows; r++) {
                    double mg = 0, mgx = 0;
                    for (int j = 0; j < width; j++) {
                        mg += (double) dy[r * width + j] * w[j];
                        mgx += (double) dy[r * width + j] * w[j] * xhat[r * width + j];
                    }
                    mg /= width;
                    mgx /= width;
                    for (int j = 0; j < width; j++) {
                        int i = r * width + j;
                        double expected = inv[r] * ((double) dy[i] * w[j] - mg - xhat[i] * mgx);
                        assertThat((double) dx[i]).as(k.name() + " width " + width).isCloseTo(expected, within(1e-5 * (1 + inv[r] * 10)));
                    }
                }
                for (int j = 0; j < width; j++) {
                    double ew = 0, eb = 0;
                    for (int r = 0; r < rows; r++) {
                        ew += (double) dy[r * width + j] * xhat[r * width + j];
                        eb += dy[r * width + j];
                    }
                    assertThat((double) dw[j]).isCloseTo(ew, within(1e-5 * (1 + Math.abs(ew))));
                    assertThat((double) db[j]).isCloseTo(eb, within(1e-5 * (1 + Math.abs(eb))));
                }
            }
        }
    }
}
