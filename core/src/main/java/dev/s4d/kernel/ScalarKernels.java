package dev.s4d.kernel;

/** The specification of every kernel: plain loops, float accumulation in index order. */
public final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void linear(float[] x, int xOff, int rows, int in, float[] w, float[] bias, int out, float[] y, int yOff) {
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * in;
            int yr = yOff + r * out;
            for (int o = 0; o < out; o++) {
                float acc = bias == null ? 0f : bias[o];
                int wo = o * in;
                for (int i = 0; i < in; i++) acc += x[xr + i] * w[wo + i];
                y[yr + o] = acc;
            }
        }
    }

    /** No layout of its own: the pack is the row-major copy. */
    @Override
    public PackedWeights pack(float[] w, int out, int in) {
        return new PackedWeights(out, in, PackedWeights.copyRowMajor(w, out, in), 0, null);
    }

    @Override
    public void linear(float[] x, int xOff, int rows, PackedWeights w, float[] bias, float[] y, int yOff) {
        linear(x, xOff, rows, w.in, w.rowMajor, bias, w.out, y, yOff);
    }

    @Override
    public void diagonalStep(int streams, int channels, int modes,
                             float[] aRe, float[] aIm, float[] cRe, float[] cIm, float[] d,
                             float[] u, int uOff, float[] sRe, float[] sIm, int sOff, float[] y, int yOff) {
        int block = modes * channels;
        for (int s = 0; s < streams; s++) {
            int us = uOff + s * channels;
            int ys = yOff + s * channels;
            for (int h = 0; h < channels; h++) y[ys + h] = 0f;
            for (int m = 0; m < modes; m++) {
                int cm = m * channels;
                int sm = sOff + s * block + cm;
                for (int h = 0; h < channels; h++) {
                    float ar = aRe[cm + h];
                    float ai = aIm[cm + h];
                    float xr = sRe[sm + h];
                    float xi = sIm[sm + h];
                    float nr = ar * xr - ai * xi + u[us + h];
                    float ni = ar * xi + ai * xr;
                    sRe[sm + h] = nr;
                    sIm[sm + h] = ni;
                    y[ys + h] += cRe[cm + h] * nr - cIm[cm + h] * ni;
                }
            }
            for (int h = 0; h < channels; h++) y[ys + h] = 2f * y[ys + h] + d[h] * u[us + h];
        }
    }

    @Override
    public void gelu(float[] a, int off, int n) {
        for (int i = off; i < off + n; i++) a[i] = Activations.gelu(a[i]);
    }

    @Override
    public void relu(float[] a, int off, int n) {
        for (int i = off; i < off + n; i++) a[i] = Math.max(a[i], 0f);
    }

    @Override
    public void glu(float[] z, int rows, int width, float[] out) {
        for (int r = 0; r < rows; r++) {
            int zr = r * 2 * width;
            for (int j = 0; j < width; j++) {
                out[r * width + j] = z[zr + j] * Activations.sigmoid(z[zr + width + j]);
            }
        }
    }

    @Override
    public void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float mean = rowMean(x, o, width);
            float inv = rowInverseStd(x, o, width, mean, eps);
            for (int j = 0; j < width; j++) x[o + j] = (x[o + j] - mean) * inv * weight[j] + bias[j];
        }
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) a[aOff + i] += b[bOff + i];
    }

    @Override
    public void linearWeightGradient(float[] dy, int dyOff, float[] x, int xOff, int rows, int out, int in,
                                     float[] dw, float[] db) {
        for (int o = 0; o < out; o++) {
            int wo = o * in;
            for (int r = 0; r < rows; r++) {
                float g = dy[dyOff + r * out + o];
                if (db != null) db[o] += g;
                int xr = xOff + r * in;
                for (int i = 0; i < in; i++) dw[wo + i] += g * x[xr + i];
            }
        }
    }

    @Override
    public void geluBackward(float[] y, int yOff, float[] g, int gOff, int n) {
        for (int i = 0; i < n; i++) g[gOff + i] *= (float) Activations.geluDerivative(y[yOff + i]);
    }

    /** σ′ as σ(b)·σ(−b): 1 − σ(b) would cancel for large b. */
    @Override
    public void gluBackward(float[] z, float[] dOut, int rows, int width, float[] dz) {
        for (int r = 0; r < rows; r++) {
            int zr = r * 2 * width;
            for (int j = 0; j < width; j++) {
                float d = dOut[r * width + j];
                double b = z[zr + width + j];
                double s = Activations.sigmoid(b);
                dz[zr + j] = (float) (d * s);
                dz[zr + width + j] = (float) (d * z[zr + j] * s * Activations.sigmoid(-b));
            }
        }
    }

    // The FFT and spectral kernels below are written as lane ranges [from, to) so that the vector
    // kernels can finish a partial vector with exactly this code.

    @Override
    public void fftStage(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int half, int span, int width,
                         float[] wRe, float[] wIm, int wOff) {
        int run = span * width;   // q and the lanes together are contiguous
        for (int p = 0; p < half; p++) radix2(xRe, xIm, yRe, yIm, p, half, run, wRe[wOff + p], wIm[wOff + p], 0, run);
    }

    /** The butterflies of twiddle p over offsets [from, to) of a run. */
    static void radix2(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int p, int half, int run,
                       float wr, float wi, int from, int to) {
        int a = p * run;
        int b = a + half * run;
        int c = 2 * p * run;
        int d = c + run;
        for (int i = from; i < to; i++) {
            float ar = xRe[a + i];
            float ai = xIm[a + i];
            float br = xRe[b + i];
            float bi = xIm[b + i];
            yRe[c + i] = ar + br;
            yIm[c + i] = ai + bi;
            float dr = ar - br;
            float di = ai - bi;
            yRe[d + i] = dr * wr - di * wi;
            yIm[d + i] = dr * wi + di * wr;
        }
    }

    @Override
    public void fftStage4(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int quarter, int span, int width,
                          float[] wRe, float[] wIm, int wOff, boolean inverse) {
        int run = span * width;
        for (int p = 0; p < quarter; p++) radix4(xRe, xIm, yRe, yIm, p, quarter, run, wRe, wIm, wOff + 3 * p, inverse, 0, run);
    }

    /** The radix-4 butterflies of twiddles w[w…w+2] (index p) over offsets [from, to) of a run. */
    static void radix4(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int p, int quarter, int run,
                       float[] wRe, float[] wIm, int w, boolean inverse, int from, int to) {
        float j = inverse ? -1f : 1f;
        float w1r = wRe[w], w1i = wIm[w], w2r = wRe[w + 1], w2i = wIm[w + 1], w3r = wRe[w + 2], w3i = wIm[w + 2];
        int a = p * run;
        int b = a + quarter * run;
        int c = b + quarter * run;
        int d = c + quarter * run;
        int o = 4 * p * run;
        for (int i = from; i < to; i++) {
            float apcR = xRe[a + i] + xRe[c + i], apcI = xIm[a + i] + xIm[c + i];
            float amcR = xRe[a + i] - xRe[c + i], amcI = xIm[a + i] - xIm[c + i];
            float bpdR = xRe[b + i] + xRe[d + i], bpdI = xIm[b + i] + xIm[d + i];
            // j·(b − d): j = ±i turns (r, i) into (∓i, ±r)
            float jbmdR = -j * (xIm[b + i] - xIm[d + i]), jbmdI = j * (xRe[b + i] - xRe[d + i]);
            yRe[o + i] = apcR + bpdR;
            yIm[o + i] = apcI + bpdI;
            float r = amcR - jbmdR, im = amcI - jbmdI;
            yRe[o + run + i] = r * w1r - im * w1i;
            yIm[o + run + i] = r * w1i + im * w1r;
            r = apcR - bpdR;
            im = apcI - bpdI;
            yRe[o + 2 * run + i] = r * w2r - im * w2i;
            yIm[o + 2 * run + i] = r * w2i + im * w2r;
            r = amcR + jbmdR;
            im = amcI + jbmdI;
            yRe[o + 3 * run + i] = r * w3r - im * w3i;
            yIm[o + 3 * run + i] = r * w3i + im * w3r;
        }
    }

    @Override
    public void pairedSpectralProduct(float[] re, float[] im, int size, int width, float[] pm, int pmOff, boolean conjugate) {
        for (int f = 0; f <= size / 2; f++) {
            pairedProduct(re, im, f * width, ((size - f) % size) * width, pm, pmOff + f * 4 * width, width, conjugate, 0, width);
        }
    }

    /** One frequency f (points at x and its mirror at y) of the paired product, lanes [from, to). */
    static void pairedProduct(float[] re, float[] im, int x, int y, float[] pm, int o, int width, boolean conjugate,
                              int from, int to) {
        float sign = conjugate ? -1f : 1f;
        for (int j = from; j < to; j++) {
            float pr = pm[o + j], pi = sign * pm[o + width + j];
            float mr = pm[o + 2 * width + j], mi = sign * pm[o + 3 * width + j];
            float cr = re[x + j], ci = im[x + j];
            float nr = re[y + j], ni = im[y + j];
            re[x + j] = cr * pr - ci * pi + (nr * mr + ni * mi);
            im[x + j] = cr * pi + ci * pr + (nr * mi - ni * mr);
            re[y + j] = nr * pr + ni * pi + (cr * mr - ci * mi);
            im[y + j] = ni * pr - nr * pi - (cr * mi + ci * mr);
        }
    }

    @Override
    public void pairedSpectralCorrelation(float[] z, int zReOff, int zImOff, float[] re, float[] im, int size, int width,
                                          float[] acc, int accOff) {
        for (int f = 0; f <= size / 2; f++) {
            pairedCorrelation(z, zReOff, zImOff, re, im, f * width, ((size - f) % size) * width, acc,
                    accOff + f * 4 * width, width, 0, width);
        }
    }

    /** One frequency f (points at x and its mirror at y) of the paired correlation, lanes [from, to). */
    static void pairedCorrelation(float[] z, int zReOff, int zImOff, float[] re, float[] im, int x, int y,
                                  float[] acc, int o, int width, int from, int to) {
        for (int j = from; j < to; j++) {
            float zr = z[zReOff + x + j], zi = z[zImOff + x + j];
            float znr = z[zReOff + y + j], zni = z[zImOff + y + j];
            float dr = re[x + j], di = im[x + j];
            float dnr = re[y + j], dni = im[y + j];
            float ur = zr + znr, ui = zni - zi, vr = dr + dnr, vi = di - dni;
            acc[o + j] += ur * vr - ui * vi;
            acc[o + width + j] += ur * vi + ui * vr;
            ur = zr - znr;
            ui = -zi - zni;
            vr = dr - dnr;
            vi = di + dni;
            acc[o + 2 * width + j] += ur * vr - ui * vi;
            acc[o + 3 * width + j] += ur * vi + ui * vr;
        }
    }

    @Override
    public void scaleColumns(float[] a, int rows, int width, float[] factors) {
        for (int r = 0; r < rows; r++) scaleRow(a, r * width, factors, 0, width);
    }

    private static float rowMean(float[] x, int o, int width) {
        float mean = 0f;
        for (int j = 0; j < width; j++) mean += x[o + j];
        return mean / width;
    }

    /** 1/√(var + eps) of one row, the variance taken about {@code mean} (biased, as LayerNorm's). */
    private static float rowInverseStd(float[] x, int o, int width, float mean, float eps) {
        float var = 0f;
        for (int j = 0; j < width; j++) {
            float dlt = x[o + j] - mean;
            var += dlt * dlt;
        }
        return (float) (1.0 / Math.sqrt(var / width + eps));
    }

    static void scaleRow(float[] a, int off, float[] factors, int from, int to) {
        for (int j = from; j < to; j++) a[off + j] *= factors[j];
    }

    @Override
    public void layerNormForward(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                                 float[] xhat, float[] inv, float[] y) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float mean = rowMean(x, o, width);
            float s = rowInverseStd(x, o, width, mean, eps);
            inv[r] = s;
            for (int j = 0; j < width; j++) {
                float xh = (x[o + j] - mean) * s;
                xhat[o + j] = xh;
                y[o + j] = xh * weight[j] + bias[j];
            }
        }
    }

    @Override
    public void layerNormBackward(float[] xhat, float[] inv, float[] dy, int rows, int width, float[] weight,
                                  float[] dx, float[] dWeight, float[] dBias) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float meanG = 0f;
            float meanGx = 0f;
            for (int j = 0; j < width; j++) {
                float g = dy[o + j] * weight[j];
                meanG += g;
                meanGx += g * xhat[o + j];
                dWeight[j] += dy[o + j] * xhat[o + j];
                dBias[j] += dy[o + j];
            }
            meanG /= width;
            meanGx /= width;
            float s = inv[r];
            for (int j = 0; j < width; j++) dx[o + j] = s * (dy[o + j] * weight[j] - meanG - xhat[o + j] * meanGx);
        }
    }
}
