package dev.s4d.train.grad;

/**
 * The portable {@link TrainingConvolution}, in plain Java for JVMs without the Vector API, and the
 * reference the vector one is tested against: FFTs in float, the backward pass to the input a
 * correlation with K (multiplying by the conjugate spectrum), ∂loss/∂K the correlation of the output
 * gradient with the input, accumulated as spectra over a batch and transformed back once per channel.
 *
 * <p>Many channels are transformed at once, straight from the activations' [time][channel] layout: a
 * point of the FFT is a block of {@code width} lanes, one lane per channel, and a Stockham FFT built from
 * {@link StockhamFft#fftStage} works on whole blocks. Channels come in groups of 2·width: the first width
 * of a group are the real parts and the next width the imaginary parts of one complex FFT, since two
 * real signals a, b transform as one: with C = FFT(a + i·b), A[f] = (C[f] + conj C[n−f])/2 and
 * B[f] = (C[f] − conj C[n−f])/(2i). A product with the kernel spectra Kₐ, K_b then needs no separation:
 * FFT(a·Kₐ + i·b·K_b)[f] = C[f]·P[f] + conj C[n−f]·M[f] with P = (Kₐ + K_b)/2 and M = (Kₐ − K_b)/2,
 * which are stored per group for f ≤ n/2 (the rest follow by conjugate symmetry), with 1/n folded in.
 *
 * <p>The skip term D·z is convolved too, as a kernel tap at lag 0 (K′ = K + D·δ): it costs nothing
 * in the frequency domain, and ∂loss/∂D is then ∂loss/∂K′[0], which the kernel gradient yields anyway.
 *
 * <p>The FFT size n is the smallest power of two ≥ 2L (radix-4 stages and, for odd log₂ n, one radix-2
 * stage), so circular convolutions of the zero-padded signals are the linear ones. Kernel spectra and the final inverse transforms of ∂loss/∂K are done
 * per channel in double with JTransforms; a channel pair (group, lane) is the unit of that work, so
 * workers given disjoint pairs never write the same values.
 */
final class SpectralConvolution implements TrainingConvolution {
    private static final int MAX_WIDTH = 16;

    private final int layers;
    private final int channels;
    private final int width;
    private final int groups;
    private int length;
    private int size;
    private int half;
    private static final float[] ONE_RE = {1f};
    private static final float[] ONE_IM = {0f};

    /** Twiddles of the radix-4 stages, concatenated, w¹ w² w³ per p: forward exp(−2πi·p·m/n′), inverse conjugated. */
    private float[] twRe;
    private float[] twIm;
    private float[] itwRe;
    private float[] itwIm;
    /** [layer] → per group, per frequency f ≤ n/2: P re, P im, M re, M im, width lanes each. */
    private float[][] kernelSpectra;

    SpectralConvolution(int layers, int channels) {
        this.layers = layers;
        this.channels = channels;
        this.width = Math.min(MAX_WIDTH, (channels + 1) / 2);
        this.groups = (channels + 2 * width - 1) / (2 * width);
    }

    /** Switches to sequences of {@code length} tokens (a no-op if it already is). */
    @Override
    public void resize(int length) {
        if (length == this.length) return;
        this.length = length;
        this.size = Math.max(2, Integer.highestOneBit(2 * length - 1) << 1);
        this.half = size / 2;
        int count = 0;
        for (int sub = size; sub >= 4; sub /= 4) count += 3 * (sub / 4);
        twRe = new float[count];
        twIm = new float[count];
        itwRe = new float[count];
        itwIm = new float[count];
        int off = 0;
        for (int sub = size; sub >= 4; sub /= 4) {
            for (int p = 0; p < sub / 4; p++) {
                for (int m = 1; m <= 3; m++) {
                    double angle = 2 * Math.PI * p * m / sub;
                    int i = off + 3 * p + m - 1;
                    twRe[i] = (float) Math.cos(angle);
                    twIm[i] = (float) -Math.sin(angle);
                    itwRe[i] = twRe[i];
                    itwIm[i] = -twIm[i];
                }
            }
            off += 3 * (sub / 4);
        }
        kernelSpectra = new float[layers][groups * (half + 1) * 4 * width];
    }

    @Override
    public int length() {
        return length;
    }

    /** Channel pairs (group, lane): the unit of {@link #setKernels} and {@link #kernelGradient}. */
    @Override
    public int pairs() {
        return groups * width;
    }

    /** Floats of one layer's input spectra, as {@link #forward} saves them. */
    @Override
    public int spectrumSize() {
        return groups * 2 * size * width;
    }

    /** Floats of one layer's ∂loss/∂K spectra, as {@link #backward} accumulates them. */
    @Override
    public int gradientSize() {
        return groups * (half + 1) * 4 * width;
    }

    @Override
    public void prepare(ConvolutionScratch s) {
        s.resize(size * width, true, 0, size);
    }

    /** The channels of a pair: the real-part lane's, and the imaginary-part lane's (may be ≥ H: none). */
    @Override
    public int channelA(int pair) {
        return (pair / width) * 2 * width + pair % width;
    }

    @Override
    public int channelB(int pair) {
        return channelA(pair) + width;
    }

    /**
     * Sets the kernel spectra of one pair of {@code layer} from K (H × length, of which the pair's two
     * channels are read) and the skip D, transformed in double.
     */
    @Override
    public void setKernels(int layer, int pair, double[] kernel, float[] d, ConvolutionScratch s) {
        double[] a = transformedKernel(kernel, d, channelA(pair), s.wide[0], s);
        double[] b = transformedKernel(kernel, d, channelB(pair), s.wide[1], s);
        float[] spec = kernelSpectra[layer];
        int lane = pair % width;
        int base = (pair / width) * (half + 1);
        double scale = 0.5 / size;
        for (int f = 0; f <= half; f++) {
            double ar = re(a, f);
            double ai = im(a, f);
            double br = re(b, f);
            double bi = im(b, f);
            int o = (base + f) * 4 * width + lane;
            spec[o] = (float) ((ar + br) * scale);
            spec[o + width] = (float) ((ai + bi) * scale);
            spec[o + 2 * width] = (float) ((ar - br) * scale);
            spec[o + 3 * width] = (float) ((ai - bi) * scale);
        }
    }

    private double[] transformedKernel(double[] kernel, float[] d, int ch, double[] a, ConvolutionScratch s) {
        java.util.Arrays.fill(a, 0.0);
        if (ch < channels) {
            System.arraycopy(kernel, ch * length, a, 0, length);
            a[0] += d[ch];
            s.fft.realForward(a);
        }
        return a;
    }

    // JTransforms' packed real spectrum: [0] DC, [1] Nyquist (both real), then re/im pairs
    private double re(double[] packed, int f) {
        return f == 0 ? packed[0] : f == half ? packed[1] : packed[2 * f];
    }

    private double im(double[] packed, int f) {
        return f == 0 || f == half ? 0.0 : packed[2 * f + 1];
    }

    /**
     * y = K * z + D·z along time for every channel, z and y being length × channels (row-major); the
     * spectra of z go to {@code zSpectra} ({@link #spectrumSize} floats) for the backward pass.
     */
    @Override
    public void forward(int layer, float[] z, float[] y, float[] zSpectra, ConvolutionScratch s) {
        for (int g = 0; g < groups; g++) {
            gather(z, g, s);
            transform(s, false);
            int o = g * 2 * size * width;
            System.arraycopy(s.re, 0, zSpectra, o, size * width);
            System.arraycopy(s.im, 0, zSpectra, o + size * width, size * width);
            StockhamFft.pairedSpectralProduct(s.re, s.im, size, width, kernelSpectra[layer], g * (half + 1) * 4 * width, false);
            transform(s, true);
            scatter(s, g, y);
        }
    }

    /**
     * From dy (length × channels): dz = K ⋆ dy + D·dy (overwritten), and the spectra of ∂loss/∂K′
     * (4 times them, see {@link StockhamFft#pairedSpectralCorrelation}) added to {@code dKSpectra}
     * ({@link #gradientSize} floats).
     */
    @Override
    public void backward(int layer, float[] zSpectra, float[] dy, float[] dz, float[] dKSpectra, ConvolutionScratch s) {
        for (int g = 0; g < groups; g++) {
            gather(dy, g, s);
            transform(s, false);
            int zOff = g * 2 * size * width;
            int specOff = g * (half + 1) * 4 * width;
            StockhamFft.pairedSpectralCorrelation(zSpectra, zOff, zOff + size * width, s.re, s.im, size, width, dKSpectra, specOff);
            StockhamFft.pairedSpectralProduct(s.re, s.im, size, width, kernelSpectra[layer], specOff, true);
            transform(s, true);
            scatter(s, g, dz);
        }
    }

    /**
     * ∂loss/∂K′ of both channels of a pair ({@code length} values each into {@code dK[ch·length …]}, for
     * the channels that exist; ∂loss/∂D is the value at lag 0) from the sum of every worker's spectra,
     * added in the order given.
     */
    @Override
    public void kernelGradient(float[][] dKSpectra, int pair, double[] dK, ConvolutionScratch s) {
        double[] a = s.wide[0];
        double[] b = s.wide[1];
        java.util.Arrays.fill(a, 0.0);
        java.util.Arrays.fill(b, 0.0);
        int lane = pair % width;
        int base = (pair / width) * (half + 1);
        for (float[] part : dKSpectra) {
            for (int f = 0; f <= half; f++) {
                int o = (base + f) * 4 * width + lane;
                int pre = f == 0 ? 0 : f == half ? 1 : 2 * f;
                a[pre] += part[o];
                b[pre] += part[o + 2 * width];
                if (f != 0 && f != half) {
                    a[pre + 1] += part[o + width];
                    b[pre + 1] += part[o + 3 * width];
                }
            }
        }
        inverseInto(a, channelA(pair), dK, s);
        inverseInto(b, channelB(pair), dK, s);
    }

    private void inverseInto(double[] packed, int ch, double[] dK, ConvolutionScratch s) {
        if (ch >= channels) return;
        s.fft.realInverse(packed, true);
        // the accumulated products carry a factor 4 (see StockhamFft.pairedSpectralCorrelation)
        for (int t = 0; t < length; t++) dK[ch * length + t] = packed[t] * 0.25;
    }

    /** Rows t &lt; length of the group's channels into the lanes of s (real and imaginary halves), zero after. */
    private void gather(float[] rows, int g, ConvolutionScratch s) {
        int c0 = g * 2 * width;
        int lanesA = Math.max(0, Math.min(width, channels - c0));
        int lanesB = Math.max(0, Math.min(width, channels - c0 - width));
        float[] re = s.re;
        float[] im = s.im;
        for (int t = 0; t < length; t++) {
            int src = t * channels + c0;
            int dst = t * width;
            // (a zero-length copy still checks its start, which may be past the last channel)
            if (lanesA > 0) System.arraycopy(rows, src, re, dst, lanesA);
            if (lanesB > 0) System.arraycopy(rows, src + width, im, dst, lanesB);
            if (lanesA < width) java.util.Arrays.fill(re, dst + lanesA, dst + width, 0f);
            if (lanesB < width) java.util.Arrays.fill(im, dst + lanesB, dst + width, 0f);
        }
        java.util.Arrays.fill(re, length * width, size * width, 0f);
        java.util.Arrays.fill(im, length * width, size * width, 0f);
    }

    /** The transform's lanes into rows t &lt; length of the group's channels (1/n is in the kernel spectra). */
    private void scatter(ConvolutionScratch s, int g, float[] out) {
        int c0 = g * 2 * width;
        int lanesA = Math.max(0, Math.min(width, channels - c0));
        int lanesB = Math.max(0, Math.min(width, channels - c0 - width));
        for (int t = 0; t < length; t++) {
            int row = t * channels + c0;
            if (lanesA > 0) System.arraycopy(s.re, t * width, out, row, lanesA);
            if (lanesB > 0) System.arraycopy(s.im, t * width, out, row + width, lanesB);
        }
    }

    /** The FFT of s (forward, or inverse without the 1/n), in place as far as the caller sees. */
    private void transform(ConvolutionScratch s, boolean inverse) {
        float[] wr = inverse ? itwRe : twRe;
        float[] wi = inverse ? itwIm : twIm;
        int off = 0;
        int sub = size;
        int span = 1;
        for (; sub >= 4; sub /= 4, span *= 4) {
            StockhamFft.fftStage4(s.re, s.im, s.otherRe, s.otherIm, sub / 4, span, width, wr, wi, off, inverse);
            off += 3 * (sub / 4);
            s.swap();
        }
        if (sub == 2) {
            StockhamFft.fftStage(s.re, s.im, s.otherRe, s.otherIm, 1, span, width, ONE_RE, ONE_IM, 0);
            s.swap();
        }
    }
}
