package dev.s4d.train.grad;

import dev.s4d.kernel.Activations;
import dev.s4d.model.Readout;

/**
 * Forward and backward passes of each part of the model in double precision with plain loops: the
 * parts {@link ReferenceGradients} is assembled from, each small enough to check by finite
 * differences on its own. Sequences are row-major (rows = tokens). Backward passes add to parameter
 * gradients (so that a batch accumulates) and write input gradients.
 */
final class DoubleLayers {
    private DoubleLayers() {
    }

    /** y (rows × out) = x (rows × in)·wᵀ + b, w being out × in. */
    static void linear(double[] x, int rows, int in, double[] w, double[] b, int out, double[] y) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) acc += x[r * in + i] * w[o * in + i];
                y[r * out + o] = acc;
            }
        }
    }

    /** dw += dyᵀ·x, db += Σ_rows dy, and dx = dy·w unless dx is null. */
    static void linearBackward(double[] x, int rows, int in, double[] w, int out, double[] dy,
                               double[] dx, double[] dw, double[] db) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double g = dy[r * out + o];
                db[o] += g;
                for (int i = 0; i < in; i++) dw[o * in + i] += g * x[r * in + i];
            }
            if (dx != null) {
                for (int i = 0; i < in; i++) {
                    double acc = 0;
                    for (int o = 0; o < out; o++) acc += dy[r * out + o] * w[o * in + i];
                    dx[r * in + i] = acc;
                }
            }
        }
    }

    /**
     * PyTorch's LayerNorm of each row: x̂ = (x − mean)/√(var + eps) with the biased variance, then
     * y = x̂·w + b. Keeps x̂ (rows × width) and 1/√(var + eps) (rows) for the backward pass.
     */
    static void layerNorm(double[] x, int rows, int width, double[] w, double[] b, double eps,
                          double[] xhat, double[] inv, double[] y) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            double mean = 0;
            for (int j = 0; j < width; j++) mean += x[o + j];
            mean /= width;
            double var = 0;
            for (int j = 0; j < width; j++) var += (x[o + j] - mean) * (x[o + j] - mean);
            var /= width;
            inv[r] = 1.0 / Math.sqrt(var + eps);
            for (int j = 0; j < width; j++) {
                xhat[o + j] = (x[o + j] - mean) * inv[r];
                y[o + j] = xhat[o + j] * w[j] + b[j];
            }
        }
    }

    /** dx = inv·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w; dw += dy·x̂, db += dy. */
    static void layerNormBackward(double[] xhat, double[] inv, int rows, int width, double[] w, double[] dy,
                                  double[] dx, double[] dw, double[] db) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            double meanG = 0;
            double meanGx = 0;
            for (int j = 0; j < width; j++) {
                double g = dy[o + j] * w[j];
                meanG += g;
                meanGx += g * xhat[o + j];
                dw[j] += dy[o + j] * xhat[o + j];
                db[j] += dy[o + j];
            }
            meanG /= width;
            meanGx /= width;
            for (int j = 0; j < width; j++) {
                dx[o + j] = inv[r] * (dy[o + j] * w[j] - meanG - xhat[o + j] * meanGx);
            }
        }
    }

    /**
     * Batch normalisation of each channel over every row of every sample ({@link BatchNorms}):
     * x̂ = (x − mean)/√(var + eps) with the biased variance, y = x̂·w + b. Keeps x̂ and, per channel,
     * the mean, the variance and 1/√(var + eps).
     */
    static void batchNorm(double[][] x, int width, double[] w, double[] b, double eps, double[][] xhat,
                          double[] mean, double[] var, double[] inv, double[][] y) {
        long count = 0;
        java.util.Arrays.fill(mean, 0);
        java.util.Arrays.fill(var, 0);
        for (double[] s : x) {
            for (int o = 0; o < s.length; o += width) {
                for (int j = 0; j < width; j++) mean[j] += s[o + j];
            }
            count += s.length / width;
        }
        for (int j = 0; j < width; j++) mean[j] /= count;
        for (double[] s : x) {
            for (int o = 0; o < s.length; o += width) {
                for (int j = 0; j < width; j++) var[j] += (s[o + j] - mean[j]) * (s[o + j] - mean[j]);
            }
        }
        for (int j = 0; j < width; j++) {
            var[j] /= count;
            inv[j] = 1.0 / Math.sqrt(var[j] + eps);
        }
        for (int n = 0; n < x.length; n++) {
            for (int i = 0; i < x[n].length; i++) {
                int j = i % width;
                xhat[n][i] = (x[n][i] - mean[j]) * inv[j];
                y[n][i] = xhat[n][i] * w[j] + b[j];
            }
        }
    }

    /** dx = w·inv·(dy − mean(dy) − x̂·mean(dy·x̂)), the means over every row of every sample; dw += Σ dy·x̂, db += Σ dy. */
    static void batchNormBackward(double[][] xhat, double[] inv, int width, double[] w, double[][] dy, double[][] dx,
                                  double[] dw, double[] db) {
        double[] sumG = new double[width];
        double[] sumGx = new double[width];
        long count = 0;
        for (int n = 0; n < dy.length; n++) {
            for (int i = 0; i < dy[n].length; i++) {
                sumG[i % width] += dy[n][i];
                sumGx[i % width] += dy[n][i] * xhat[n][i];
            }
            count += dy[n].length / width;
        }
        for (int j = 0; j < width; j++) {
            dw[j] += sumGx[j];
            db[j] += sumG[j];
        }
        for (int n = 0; n < dy.length; n++) {
            for (int i = 0; i < dy[n].length; i++) {
                int j = i % width;
                dx[n][i] = w[j] * inv[j] * (dy[n][i] - sumG[j] / count - xhat[n][i] * sumGx[j] / count);
            }
        }
    }

    static void gelu(double[] y, double[] a) {
        for (int i = 0; i < y.length; i++) a[i] = Activations.gelu(y[i]);
    }

    /** In place: g ·= GELU′(y). */
    static void geluBackward(double[] y, double[] g) {
        for (int i = 0; i < y.length; i++) g[i] *= Activations.geluDerivative(y[i]);
    }

    static void relu(double[] y, double[] a) {
        for (int i = 0; i < y.length; i++) a[i] = Math.max(y[i], 0.0);
    }

    /** In place: g ·= ReLU′(y), taken as 0 at y = 0 as PyTorch does. */
    static void reluBackward(double[] y, double[] g) {
        for (int i = 0; i < y.length; i++) {
            if (!(y[i] > 0)) g[i] = 0;
        }
    }

    /** g (rows × width) = first half of each row of v (rows × 2·width) · σ(second half). */
    static void glu(double[] v, int rows, int width, double[] g) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                g[r * width + j] = v[r * 2 * width + j] * Activations.sigmoid(v[r * 2 * width + width + j]);
            }
        }
    }

    static void gluBackward(double[] v, double[] dg, int rows, int width, double[] dv) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                int a = r * 2 * width + j;
                double s = Activations.sigmoid(v[a + width]);
                double d = dg[r * width + j];
                dv[a] = d * s;
                dv[a + width] = d * v[a] * s * (1 - s);
            }
        }
    }

    /** In place: every row of a (rows × width) times the per-channel factors. */
    static void scaleChannels(double[] a, int rows, int width, double[] factors) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) a[r * width + j] *= factors[j];
        }
    }

    /**
     * The S4D layer's mixing along time, directly: y[t][h] = Σ_{s ≤ t} K[h][t − s]·z[s][h] + D[h]·z[t][h],
     * z and y being length × channels, K channels × length.
     */
    static void causalConvolution(double[] k, double[] d, double[] z, int length, int channels, double[] y) {
        for (int h = 0; h < channels; h++) {
            for (int t = 0; t < length; t++) {
                double acc = d[h] * z[t * channels + h];
                for (int s = 0; s <= t; s++) acc += k[h * length + t - s] * z[s * channels + h];
                y[t * channels + h] = acc;
            }
        }
    }

    /**
     * dz[s] = Σ_{t ≥ s} K[t − s]·dy[t] + D·dy[s] (a correlation with K); dK[l] += Σ_t dy[t]·z[t − l];
     * dD += Σ_t dy[t]·z[t]; per channel.
     */
    static void causalConvolutionBackward(double[] k, double[] d, double[] z, double[] dy, int length, int channels,
                                          double[] dz, double[] dk, double[] dd) {
        for (int h = 0; h < channels; h++) {
            for (int s = 0; s < length; s++) {
                double acc = d[h] * dy[s * channels + h];
                for (int t = s; t < length; t++) acc += k[h * length + t - s] * dy[t * channels + h];
                dz[s * channels + h] = acc;
                dd[h] += dy[s * channels + h] * z[s * channels + h];
            }
            for (int l = 0; l < length; l++) {
                double acc = 0;
                for (int t = l; t < length; t++) acc += dy[t * channels + h] * z[(t - l) * channels + h];
                dk[h * length + l] += acc;
            }
        }
    }

    /** The readout: mean over the tokens, or the last token (x is length × width). */
    static void pool(Readout readout, double[] x, int length, int width, double[] pooled) {
        if (readout == Readout.MEAN) {
            java.util.Arrays.fill(pooled, 0.0);
            for (int t = 0; t < length; t++) {
                for (int j = 0; j < width; j++) pooled[j] += x[t * width + j];
            }
            for (int j = 0; j < width; j++) pooled[j] /= length;
        } else {
            System.arraycopy(x, (length - 1) * width, pooled, 0, width);
        }
    }

    /** dx (length × width, overwritten) from the gradient of the pooled vector. */
    static void poolBackward(Readout readout, double[] dPooled, int length, int width, double[] dx) {
        java.util.Arrays.fill(dx, 0.0);
        int first = readout == Readout.MEAN ? 0 : length - 1;
        double share = readout == Readout.MEAN ? 1.0 / length : 1.0;
        for (int t = first; t < length; t++) {
            for (int j = 0; j < width; j++) dx[t * width + j] = dPooled[j] * share;
        }
    }

    /**
     * Cross-entropy of softmax(logits) against {@code label}'s target under {@code smoothing}, computed
     * stably (log-sum-exp around the largest logit): −Σ q_c·log p_c = logsumexp − Σ q_c·logit_c, since
     * the target q sums to 1. Writes its gradient softmax − q to dLogits and returns the loss.
     */
    static double crossEntropy(double[] logits, int label, LabelSmoothing smoothing, double[] dLogits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) max = Math.max(max, v);
        double sum = 0;
        for (double v : logits) sum += Math.exp(v - max);
        double logSum = max + Math.log(sum);
        double targetDotLogits = 0;
        for (int c = 0; c < logits.length; c++) {
            double q = smoothing.target(c, label, logits.length);
            targetDotLogits += q * logits[c];
            dLogits[c] = Math.exp(logits[c] - logSum) - q;
        }
        return logSum - targetDotLogits;
    }

    /**
     * Mixes the teacher's term, at weight w and temperature T, into a sample's loss (see {@link Distillation}): given the loss against
     * the label and its gradient in dLogits, returns (1 − w)·that + w·T²·KL(q ‖ softmax(z/T)) and
     * leaves the blend's gradient (1 − w)·dLogits + w·T·(softmax(z/T) − q) in dLogits.
     */
    static double distill(double[] logits, double[] q, double w, double t, double labelLoss, double[] dLogits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) max = Math.max(max, v);
        double sum = 0;
        for (double v : logits) sum += Math.exp((v - max) / t);
        double logSum = max / t + Math.log(sum);
        double kl = 0;
        for (int c = 0; c < logits.length; c++) {
            double logP = logits[c] / t - logSum;
            if (q[c] > 0) kl += q[c] * (Math.log(q[c]) - logP);
            dLogits[c] = (1 - w) * dLogits[c] + w * t * (Math.exp(logP) - q[c]);
        }
        return (1 - w) * labelLoss + w * t * t * kl;
    }

    /** softmax(logits / T) in double, around the largest logit so that nothing overflows. */
    static double[] softmax(float[] logits, double temperature) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(((double) logits[c] - max) / temperature);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) p[c] /= sum;
        return p;
    }

    /** Index of the largest logit (the first on ties): the predicted class. */
    static int argmax(double[] logits) {
        int best = 0;
        for (int c = 1; c < logits.length; c++) {
            if (logits[c] > logits[best]) best = c;
        }
        return best;
    }
}
