package dev.s4d.engine;

import org.jtransforms.fft.DoubleFFT_1D;
import org.jtransforms.fft.FloatFFT_1D;

/**
 * The S4D kernels of every layer for one sequence length, transformed once to the frequency domain,
 * and the causal convolution with them. The FFT size is the smallest 2^a·3^b·5^c ≥ 2L (any size
 * ≥ 2L − 1 gives the exact linear convolution; these sizes are the fast ones for JTransforms).
 */
final class SpectralKernels {
    private final int length;
    private final int fftSize;
    /** [layer][channel] → spectrum in JTransforms' packed real format (n floats). */
    private final float[][][] spectra;
    private final float[][] skip;

    SpectralKernels(DiscreteLayer[] layers, int length) {
        this.length = length;
        this.fftSize = fftSizeFor(length);
        this.spectra = new float[layers.length][][];
        this.skip = new float[layers.length][];
        DoubleFFT_1D fft = new DoubleFFT_1D(fftSize);
        for (int i = 0; i < layers.length; i++) {
            DiscreteLayer layer = layers[i];
            int h = layer.channels();
            // Kernel and its transform in double, rounded once at the end: keeps the conv engine's
            // error at the float rounding of the data path.
            double[] k = layer.kernel(length);
            spectra[i] = new float[h][];
            skip[i] = new float[h];
            for (int ch = 0; ch < h; ch++) {
                double[] a = new double[fftSize];
                System.arraycopy(k, ch * length, a, 0, length);
                fft.realForward(a);
                float[] s = new float[fftSize];
                for (int j = 0; j < fftSize; j++) s[j] = (float) a[j];
                spectra[i][ch] = s;
                skip[i][ch] = (float) layer.d()[ch];
            }
        }
    }

    static int fftSizeFor(int length) {
        int best = Integer.MAX_VALUE;
        long target = 2L * length;
        for (long p2 = 2; p2 < 2 * target; p2 *= 2) {
            for (long p3 = p2; p3 < 2 * target; p3 *= 3) {
                for (long p5 = p3; p5 < 2 * target; p5 *= 5) {
                    if (p5 >= target && p5 < best) best = (int) p5;
                }
            }
        }
        return best;
    }

    int length() {
        return length;
    }

    int fftSize() {
        return fftSize;
    }

    /**
     * y = K * z + D·z along time for every channel of one layer, z and y being length × H row-major.
     *
     * @param buffer at least fftSize floats of scratch
     */
    void convolve(int layer, float[] z, float[] y, int channels, FloatFFT_1D fft, float[] buffer) {
        int n = fftSize;
        for (int ch = 0; ch < channels; ch++) {
            for (int t = 0; t < length; t++) buffer[t] = z[t * channels + ch];
            java.util.Arrays.fill(buffer, length, n, 0f);
            fft.realForward(buffer);
            float[] s = spectra[layer][ch];
            buffer[0] *= s[0];
            buffer[1] *= s[1];
            for (int j = 2; j < n; j += 2) {
                float br = buffer[j];
                float bi = buffer[j + 1];
                buffer[j] = br * s[j] - bi * s[j + 1];
                buffer[j + 1] = br * s[j + 1] + bi * s[j];
            }
            fft.realInverse(buffer, true);
            float d = skip[layer][ch];
            for (int t = 0; t < length; t++) y[t * channels + ch] = buffer[t] + d * z[t * channels + ch];
        }
    }
}
