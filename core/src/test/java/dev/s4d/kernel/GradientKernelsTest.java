package dev.s4d.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The training kernels: the scalar specification against the math in double, and the vector kernels
 * against the specification, on shapes below, at and above the vector and panel widths. Tolerances as
 * in {@link VectorKernelsTest}: float rounding of sums of n terms, a few n·u·Σ|terms|. The FFT and
 * spectral kernels do the specification's operations in its order, so there the two must agree
 * exactly.
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
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
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
                float[] dz = new float[z.length];
                k.gluBackward(z, d, rows, width, dz);
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

    /** The DFT of {@code width} sequences of n points by the stages, as the Javadoc of fftStage4 describes. */
    private static float[][] transform(Kernels k, float[] re, float[] im, int n, int width, boolean inverse) {
        float[] xr = re.clone(), xi = im.clone(), yr = new float[re.length], yi = new float[im.length];
        int sub = n, span = 1;
        for (; sub >= 4; sub /= 4, span *= 4) {
            int quarter = sub / 4;
            float[] wr = new float[3 * quarter], wi = new float[3 * quarter];
            for (int p = 0; p < quarter; p++) {
                for (int m = 1; m <= 3; m++) {
                    double angle = 2 * Math.PI * p * m / sub;
                    wr[3 * p + m - 1] = (float) Math.cos(angle);
                    wi[3 * p + m - 1] = (float) (inverse ? Math.sin(angle) : -Math.sin(angle));
                }
            }
            k.fftStage4(xr, xi, yr, yi, quarter, span, width, wr, wi, 0, inverse);
            float[] t = xr; xr = yr; yr = t;
            t = xi; xi = yi; yi = t;
        }
        if (sub == 2) {
            k.fftStage(xr, xi, yr, yi, 1, span, width, new float[]{1f}, new float[]{0f}, 0);
            return new float[][]{yr, yi};
        }
        return new float[][]{xr, xi};
    }

    @Test
    void fftStagesGiveTheDftAndVectorEqualsScalar() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int n : new int[]{2, 4, 8, 32, 128, 512}) {
            for (int width : WIDTHS) {
                float[] re = random(rnd, n * width, 1), im = random(rnd, n * width, 1);
                for (boolean inverse : new boolean[]{false, true}) {
                    float[][] spec = transform(SCALAR, re, im, n, width, inverse);
                    float[][] vec = transform(VECTOR, re, im, n, width, inverse);
                    assertThat(vec[0]).as("re n=" + n + " width=" + width).containsExactly(spec[0]);
                    assertThat(vec[1]).as("im n=" + n + " width=" + width).containsExactly(spec[1]);
                    double sign = inverse ? 1 : -1;
                    for (int lane = 0; lane < width; lane += Math.max(1, width / 3)) {
                        for (int f = 0; f < n; f++) {
                            double er = 0, ei = 0, mag = 0;
                            for (int t = 0; t < n; t++) {
                                double c = Math.cos(sign * 2 * Math.PI * f * t / n), si = Math.sin(sign * 2 * Math.PI * f * t / n);
                                double xr = re[t * width + lane], xi = im[t * width + lane];
                                er += xr * c - xi * si;
                                ei += xr * si + xi * c;
                                mag += Math.abs(xr) + Math.abs(xi);
                            }
                            double tol = 8 * U * Math.log(n) / Math.log(2) * mag + 1e-30;
                            assertThat((double) spec[0][f * width + lane]).isCloseTo(er, within(tol));
                            assertThat((double) spec[1][f * width + lane]).isCloseTo(ei, within(tol));
                        }
                    }
                }
            }
        }
    }

    @Test
    void fftStageWithTwiddlesEqualsScalar() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int width : WIDTHS) {
            int half = 8, span = 4, n = 2 * half * span * width;
            float[] xr = random(rnd, n, 1), xi = random(rnd, n, 1), wr = random(rnd, half + 2, 1), wi = random(rnd, half + 2, 1);
            float[] ar = new float[n], ai = new float[n], br = new float[n], bi = new float[n];
            SCALAR.fftStage(xr, xi, ar, ai, half, span, width, wr, wi, 2);
            VECTOR.fftStage(xr, xi, br, bi, half, span, width, wr, wi, 2);
            assertThat(br).containsExactly(ar);
            assertThat(bi).containsExactly(ai);
        }
    }

    /** Two real signals per lane packed as re + i·im, transformed by a plain DFT in double. */
    private static double[][] dft(double[] re, double[] im, int n, int width, int lane) {
        double[][] out = new double[2][n];
        for (int f = 0; f < n; f++) {
            for (int t = 0; t < n; t++) {
                double c = Math.cos(-2 * Math.PI * f * t / n), s = Math.sin(-2 * Math.PI * f * t / n);
                out[0][f] += re[t * width + lane] * c - im[t * width + lane] * s;
                out[1][f] += re[t * width + lane] * s + im[t * width + lane] * c;
            }
        }
        return out;
    }

    private static double[] wide(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    @Test
    void pairedSpectralProductMultipliesEachPackedSignalByItsKernel() {
        SplittableRandom rnd = new SplittableRandom(6);
        int n = 16;
        for (int width : WIDTHS) {
            for (boolean conjugate : new boolean[]{false, true}) {
                // spectra of packed real pairs: (a + i·b) for the data, and for the kernels ka, kb
                float[] ta = random(rnd, n * width, 1), tb = random(rnd, n * width, 1);
                float[] ka = random(rnd, n * width, 1), kb = random(rnd, n * width, 1);
                float[] re = new float[n * width], im = new float[n * width];
                float[] pm = new float[(n / 2 + 1) * 4 * width + 3];
                double[][][] kaSpec = new double[width][][], kbSpec = new double[width][][];
                for (int lane = 0; lane < width; lane++) {
                    double[][] c = dft(wide(ta), wide(tb), n, width, lane);
                    kaSpec[lane] = dft(wide(ka), new double[n * width], n, width, lane);
                    kbSpec[lane] = dft(wide(kb), new double[n * width], n, width, lane);
                    for (int f = 0; f < n; f++) {
                        re[f * width + lane] = (float) c[0][f];
                        im[f * width + lane] = (float) c[1][f];
                    }
                    for (int f = 0; f <= n / 2; f++) {
                        int o = 3 + f * 4 * width + lane;
                        pm[o] = (float) ((kaSpec[lane][0][f] + kbSpec[lane][0][f]) / 2);
                        pm[o + width] = (float) ((kaSpec[lane][1][f] + kbSpec[lane][1][f]) / 2);
                        pm[o + 2 * width] = (float) ((kaSpec[lane][0][f] - kbSpec[lane][0][f]) / 2);
                        pm[o + 3 * width] = (float) ((kaSpec[lane][1][f] - kbSpec[lane][1][f]) / 2);
                    }
                }
                float[] sre = re.clone(), sim = im.clone(), vre = re.clone(), vim = im.clone();
                SCALAR.pairedSpectralProduct(sre, sim, n, width, pm, 3, conjugate);
                VECTOR.pairedSpectralProduct(vre, vim, n, width, pm, 3, conjugate);
                assertThat(vre).containsExactly(sre);
                assertThat(vim).containsExactly(sim);
                // expected: A·Ka + i·B·Kb with A, B the separate spectra (conj K for the correlation)
                for (int lane = 0; lane < width; lane++) {
                    double[][] a = dft(wide(ta), new double[n * width], n, width, lane);
                    double[][] b = dft(wide(tb), new double[n * width], n, width, lane);
                    for (int f = 0; f < n; f++) {
                        double kar = kaSpec[lane][0][f], kai = (conjugate ? -1 : 1) * kaSpec[lane][1][f];
                        double kbr = kbSpec[lane][0][f], kbi = (conjugate ? -1 : 1) * kbSpec[lane][1][f];
                        double yar = a[0][f] * kar - a[1][f] * kai, yai = a[0][f] * kai + a[1][f] * kar;
                        double ybr = b[0][f] * kbr - b[1][f] * kbi, ybi = b[0][f] * kbi + b[1][f] * kbr;
                        assertThat((double) sre[f * width + lane]).isCloseTo(yar - ybi, within(2e-4 * n));
                        assertThat((double) sim[f * width + lane]).isCloseTo(yai + ybr, within(2e-4 * n));
                    }
                }
            }
        }
    }

    @Test
    void pairedSpectralCorrelationAddsFourTimesEachPairsCrossSpectrum() {
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 16;
        for (int width : WIDTHS) {
            float[] za = random(rnd, n * width, 1), zb = random(rnd, n * width, 1);
            float[] da = random(rnd, n * width, 1), db = random(rnd, n * width, 1);
            float[] z = new float[2 * n * width + 5];
            float[] re = new float[n * width], im = new float[n * width];
            for (int lane = 0; lane < width; lane++) {
                double[][] cz = dft(wide(za), wide(zb), n, width, lane);
                double[][] cd = dft(wide(da), wide(db), n, width, lane);
                for (int f = 0; f < n; f++) {
                    z[5 + f * width + lane] = (float) cz[0][f];
                    z[5 + n * width + f * width + lane] = (float) cz[1][f];
                    re[f * width + lane] = (float) cd[0][f];
                    im[f * width + lane] = (float) cd[1][f];
                }
            }
            float[] acc0 = random(rnd, (n / 2 + 1) * 4 * width, 1);
            float[] spec = acc0.clone(), vec = acc0.clone();
            SCALAR.pairedSpectralCorrelation(z, 5, 5 + n * width, re, im, n, width, spec, 0);
            VECTOR.pairedSpectralCorrelation(z, 5, 5 + n * width, re, im, n, width, vec, 0);
            assertThat(vec).containsExactly(spec);
            for (int lane = 0; lane < width; lane++) {
                double[] zero = new double[n * width];
                double[][] zA = dft(wide(za), zero, n, width, lane), zB = dft(wide(zb), zero, n, width, lane);
                double[][] dA = dft(wide(da), zero, n, width, lane), dB = dft(wide(db), zero, n, width, lane);
                for (int f = 0; f <= n / 2; f++) {
                    int o = f * 4 * width + lane;
                    // 4·conj(Z)·D for each signal pair
                    double ar = 4 * (zA[0][f] * dA[0][f] + zA[1][f] * dA[1][f]), ai = 4 * (zA[0][f] * dA[1][f] - zA[1][f] * dA[0][f]);
                    double br = 4 * (zB[0][f] * dB[0][f] + zB[1][f] * dB[1][f]), bi = 4 * (zB[0][f] * dB[1][f] - zB[1][f] * dB[0][f]);
                    assertThat((double) spec[o] - acc0[o]).isCloseTo(ar, within(1e-3 * n));
                    assertThat((double) spec[o + width] - acc0[o + width]).isCloseTo(ai, within(1e-3 * n));
                    assertThat((double) spec[o + 2 * width] - acc0[o + 2 * width]).isCloseTo(br, within(1e-3 * n));
                    assertThat((double) spec[o + 3 * width] - acc0[o + 3 * width]).isCloseTo(bi, within(1e-3 * n));
                }
            }
        }
    }

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
