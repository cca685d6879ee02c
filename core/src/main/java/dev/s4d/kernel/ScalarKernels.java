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
    public void reluBackward(float[] y, int yOff, float[] g, int gOff, int n) {
        for (int i = 0; i < n; i++) {
            if (!(y[yOff + i] > 0f)) g[gOff + i] = 0f;
        }
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

    @Override
    public void gluForward(float[] z, int rows, int width, float[] out, float[] gateExp) {
        glu(z, rows, width, out);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) gateExp[r * width + j] = (float) Math.exp(-(double) z[r * 2 * width + width + j]);
        }
    }

    /**
     * σ′ = s·(1 − s) with 1 − s = σ(−b) taken as e·s where s ≥ ½ (1 − s would cancel there) and as
     * 1 − s elsewhere (where e may be ∞), in double.
     */
    @Override
    public void gluBackward(float[] z, float[] gateExp, float[] dOut, int rows, int width, float[] dz) {
        for (int r = 0; r < rows; r++) {
            int zr = r * 2 * width;
            for (int j = 0; j < width; j++) {
                float d = dOut[r * width + j];
                double e = gateExp[r * width + j];
                double s = 1 / (1 + e);
                double rest = s >= 0.5 ? e * s : 1 - s;
                dz[zr + j] = (float) (d * s);
                dz[zr + width + j] = (float) (d * z[zr + j] * s * rest);
            }
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
