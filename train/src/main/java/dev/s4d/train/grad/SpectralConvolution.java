package dev.s4d.train.grad;

import dev.s4d.engine.SpectralKernels;
import org.jtransforms.fft.DoubleFFT_1D;
import org.jtransforms.fft.FloatFFT_1D;
import org.jtransforms.utils.CommonUtils;

/**
 * The S4D layers' causal convolutions for training, by FFT in float, for one sequence length at a
 * time: the forward pass (keeping each input channel's spectrum), the backward pass to the input (a
 * correlation with K: multiplying by the conjugate spectrum), and ∂loss/∂K (the correlation of the
 * output gradient with the input, accumulated as spectra over a batch and transformed back once).
 *
 * <p>Spectra are in JTransforms' packed real format: n floats, [0] the DC term, [1] the Nyquist term
 * (both real; n is even), then re/im pairs. The FFT size is the conv engine's, ≥ 2L, so circular
 * convolutions of the zero-padded signals are the linear ones.
 *
 * <p>The kernel spectra are shared and read-only during a batch; every method that transforms takes
 * the calling thread's {@link Fft}.
 */
final class SpectralConvolution {
    static {
        // The gradient sources parallelise over samples; JTransforms' own threads would only contend.
        CommonUtils.setThreadsBeginN_1D_FFT_2Threads(Long.MAX_VALUE);
        CommonUtils.setThreadsBeginN_1D_FFT_4Threads(Long.MAX_VALUE);
    }

    private final int layers;
    private final int channels;
    private int length;
    private int size;
    /** [layer][channel] → packed spectrum of K. */
    private float[][][] spectra;

    SpectralConvolution(int layers, int channels) {
        this.layers = layers;
        this.channels = channels;
    }

    /** Switches to sequences of {@code length} tokens (a no-op if it already is). */
    void resize(int length) {
        if (length == this.length) return;
        this.length = length;
        this.size = SpectralKernels.fftSizeFor(length);
        this.spectra = new float[layers][channels][size];
    }

    int length() {
        return length;
    }

    int size() {
        return size;
    }

    /** One thread's transforms and scratch for the current size. */
    static final class Fft {
        private int size;
        private FloatFFT_1D single;
        private DoubleFFT_1D twice;
        private float[] buffer;
        private double[] wide;

        void resize(int n) {
            if (n == size) return;
            size = n;
            single = new FloatFFT_1D(n);
            twice = new DoubleFFT_1D(n);
            buffer = new float[n];
            wide = new double[n];
        }
    }

    /** Sets channel {@code ch} of {@code layer} from its kernel {@code k[off … off + length)}, transformed in double. */
    void setKernel(int layer, int ch, double[] k, int off, Fft fft) {
        double[] a = fft.wide;
        System.arraycopy(k, off, a, 0, length);
        java.util.Arrays.fill(a, length, size, 0.0);
        fft.twice.realForward(a);
        float[] s = spectra[layer][ch];
        for (int j = 0; j < size; j++) s[j] = (float) a[j];
    }

    /**
     * y = K * z + D·z along time for every channel, z and y being length × channels (row-major);
     * the spectrum of each channel of z goes to {@code zSpectra[ch·size …]} for the backward pass.
     */
    void forward(int layer, float[] z, float[] d, float[] y, float[] zSpectra, Fft fft) {
        float[] buf = fft.buffer;
        for (int ch = 0; ch < channels; ch++) {
            gather(z, ch, buf);
            fft.single.realForward(buf);
            System.arraycopy(buf, 0, zSpectra, ch * size, size);
            multiply(buf, spectra[layer][ch], false);
            fft.single.realInverse(buf, true);
            float dd = d[ch];
            for (int t = 0; t < length; t++) y[t * channels + ch] = buf[t] + dd * z[t * channels + ch];
        }
    }

    /**
     * From dy (length × channels): dz = K ⋆ dy + D·dy (overwritten), {@code dD += Σ_t dy·z}, and the
     * spectrum of ∂loss/∂K, conj(Ẑ)·D̂, added to {@code dKSpectra[ch·size …]}.
     */
    void backward(int layer, float[] z, float[] zSpectra, float[] d, float[] dy, float[] dz, float[] dKSpectra,
                  float[] dD, Fft fft) {
        float[] buf = fft.buffer;
        for (int ch = 0; ch < channels; ch++) {
            gather(dy, ch, buf);
            fft.single.realForward(buf);
            accumulateConjugateProduct(zSpectra, ch * size, buf, dKSpectra, ch * size);
            multiply(buf, spectra[layer][ch], true);
            fft.single.realInverse(buf, true);
            float dd = d[ch];
            float sum = 0f;
            for (int t = 0; t < length; t++) {
                int i = t * channels + ch;
                dz[i] = buf[t] + dd * dy[i];
                sum += dy[i] * z[i];
            }
            dD[ch] += sum;
        }
    }

    /**
     * ∂loss/∂K of channel {@code ch} ({@code length} values into {@code dK[off …]}) from the sum of
     * the spectra that {@link #backward} accumulated, given as the list of every worker's array, added
     * in that order.
     */
    void kernelGradient(float[][] dKSpectra, int ch, double[] dK, int off, Fft fft) {
        double[] a = fft.wide;
        java.util.Arrays.fill(a, 0.0);
        for (float[] part : dKSpectra) {
            for (int j = 0; j < size; j++) a[j] += part[ch * size + j];
        }
        fft.twice.realInverse(a, true);
        System.arraycopy(a, 0, dK, off, length);
    }

    private void gather(float[] rows, int ch, float[] buf) {
        for (int t = 0; t < length; t++) buf[t] = rows[t * channels + ch];
        java.util.Arrays.fill(buf, length, size, 0f);
    }

    /** In place: buf ·= s, or ·= conj(s). */
    private void multiply(float[] buf, float[] s, boolean conjugate) {
        buf[0] *= s[0];
        buf[1] *= s[1];
        float sign = conjugate ? -1f : 1f;
        for (int j = 2; j < size; j += 2) {
            float br = buf[j];
            float bi = buf[j + 1];
            float sr = s[j];
            float si = sign * s[j + 1];
            buf[j] = br * sr - bi * si;
            buf[j + 1] = br * si + bi * sr;
        }
    }

    /** acc[accOff …] += conj(a[aOff …])·b. */
    private void accumulateConjugateProduct(float[] a, int aOff, float[] b, float[] acc, int accOff) {
        acc[accOff] += a[aOff] * b[0];
        acc[accOff + 1] += a[aOff + 1] * b[1];
        for (int j = 2; j < size; j += 2) {
            float ar = a[aOff + j];
            float ai = a[aOff + j + 1];
            acc[accOff + j] += ar * b[j] + ai * b[j + 1];
            acc[accOff + j + 1] += ar * b[j + 1] - ai * b[j];
        }
    }
}
