package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The portable convolution's FFT against the DFT in double: the Stockham stages, and the products and
 * correlations of packed signal pairs, for lane counts below, at and above a vector's width.
 */
class StockhamFftTest {
    private static final double U = Math.ulp(1.0f) / 2;
    private static final int[] WIDTHS = {1, 3, 16, 17, 33, 64};

    private static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }

    /** The DFT of {@code width} sequences of n points by the stages, as the Javadoc of fftStage4 describes. */
    private static float[][] transform(float[] re, float[] im, int n, int width, boolean inverse) {
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
            StockhamFft.fftStage4(xr, xi, yr, yi, quarter, span, width, wr, wi, 0, inverse);
            float[] t = xr; xr = yr; yr = t;
            t = xi; xi = yi; yi = t;
        }
        if (sub == 2) {
            StockhamFft.fftStage(xr, xi, yr, yi, 1, span, width, new float[]{1f}, new float[]{0f}, 0);
            return new float[][]{yr, yi};
        }
        return new float[][]{xr, xi};
    }

    @Test
    void fftStagesGiveTheDft() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int n : new int[]{2, 4, 8, 32, 128, 512}) {
            for (int width : WIDTHS) {
                float[] re = random(rnd, n * width, 1), im = random(rnd, n * width, 1);
                for (boolean inverse : new boolean[]{false, true}) {
                    float[][] spec = transform(re, im, n, width, inverse);
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
                float[] sre = re.clone(), sim = im.clone();
                StockhamFft.pairedSpectralProduct(sre, sim, n, width, pm, 3, conjugate);
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
            float[] spec = acc0.clone();
            StockhamFft.pairedSpectralCorrelation(z, 5, 5 + n * width, re, im, n, width, spec, 0);
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
}
