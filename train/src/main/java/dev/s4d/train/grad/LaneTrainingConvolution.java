package dev.s4d.train.grad;

import dev.s4d.engine.LaneTransform;
import java.util.Arrays;

/**
 * {@link TrainingConvolution} on {@link LaneTransform}, the inference engine's Vector API FFT: channels
 * in blocks of V lanes, two blocks per complex transform, read straight from the activations and written
 * straight back, with only the widest passes over the whole work memory and the rest in L1. Between the
 * transforms, the forward pass saves the input's spectrum and multiplies by the kernel's; the backward
 * pass adds the gradient-input correlation's spectrum to the worker's sums and multiplies by the
 * conjugate kernel spectrum. Spectra stay in the transform's bit-reversed order throughout; only
 * {@link #kernelGradient} reorders, once per batch and channel.
 */
final class LaneTrainingConvolution implements TrainingConvolution {
    private static final int V = LaneTransform.lanes();

    private final int layers;
    private final int channels;
    private final int blockPairs;
    private LaneTransform transform;
    /** [layer] → per block pair, the kernel spectra as {@link LaneTransform#writeSpectrum} lays them out. */
    private float[][] spectra;
    /** [layer] → D per channel, zero-padded to whole block pairs. */
    private final float[][] skip;

    LaneTrainingConvolution(int layers, int channels) {
        this.layers = layers;
        this.channels = channels;
        this.blockPairs = (channels + 2 * V - 1) / (2 * V);
        this.skip = new float[layers][blockPairs * 2 * V];
    }

    @Override
    public void resize(int length) {
        if (transform != null && transform.length() == length) return;
        transform = new LaneTransform(length);
        spectra = new float[layers][blockPairs * transform.spectrumFloats()];
    }

    @Override
    public int length() {
        return transform.length();
    }

    @Override
    public int pairs() {
        return blockPairs * V;
    }

    @Override
    public int channelA(int pair) {
        return (pair / V) * 2 * V + pair % V;
    }

    @Override
    public int channelB(int pair) {
        return channelA(pair) + V;
    }

    @Override
    public int spectrumSize() {
        return blockPairs * 2 * transform.workFloats();
    }

    @Override
    public int gradientSize() {
        return blockPairs * transform.spectrumFloats();
    }

    @Override
    public void prepare(ConvolutionScratch s) {
        s.resize(transform.workFloats(), false, transform.stageFloats(), transform.size());
    }

    @Override
    public void setKernels(int layer, int pair, double[] kernel, float[] d, ConvolutionScratch s) {
        int a = channelA(pair);
        int b = channelB(pair);
        transform.writeSpectrum(packedKernel(kernel, a, s.wide[0], s), packedKernel(kernel, b, s.wide[1], s),
                spectra[layer], (pair / V) * transform.spectrumFloats(), pair % V);
        if (a < channels) skip[layer][a] = d[a];
        if (b < channels) skip[layer][b] = d[b];
    }

    /** JTransforms' packed real spectrum of channel ch's kernel, zero-padded to n, in {@code a}; null past the last channel. */
    private double[] packedKernel(double[] kernel, int ch, double[] a, ConvolutionScratch s) {
        if (ch >= channels) return null;
        int length = transform.length();
        System.arraycopy(kernel, ch * length, a, 0, length);
        Arrays.fill(a, length, a.length, 0.0);
        s.fft.realForward(a);
        return a;
    }

    @Override
    public void forward(int layer, float[] z, float[] y, float[] zSpectra, ConvolutionScratch s) {
        float[] spectrum = spectra[layer];
        eachBlockPair(layer, z, y, s, (kOffset, zOffset) -> (from, to, lo, mirror) -> {
            transform.save(lo, mirror, s.re, s.im, zSpectra, zOffset);
            transform.multiply(spectrum, kOffset, from, to, s.re, s.im, false);
        });
    }

    @Override
    public void backward(int layer, float[] zSpectra, float[] dy, float[] dz, float[] dKSpectra, ConvolutionScratch s) {
        float[] spectrum = spectra[layer];
        eachBlockPair(layer, dy, dz, s, (kOffset, zOffset) -> (from, to, lo, mirror) -> {
            transform.correlate(zSpectra, zOffset, from, to, s.re, s.im, dKSpectra, kOffset);
            transform.multiply(spectrum, kOffset, from, to, s.re, s.im, true);
        });
    }

    /** The step between the transforms for one block pair, given its offsets in the kernel spectra and the saved spectra. */
    private interface BlockPairStep {
        LaneTransform.UnitStep at(int kOffset, int zOffset);
    }

    /** Convolves every block pair of one layer from {@code in} into {@code out}, running {@code step} between the transforms. */
    private void eachBlockPair(int layer, float[] in, float[] out, ConvolutionScratch s, BlockPairStep step) {
        for (int b = 0; b < blockPairs; b++) {
            transform.convolve(in, out, channels, b * 2 * V, skip[layer], s.re, s.im, s.stage,
                    step.at(b * transform.spectrumFloats(), b * 2 * transform.workFloats()));
        }
    }

    @Override
    public void kernelGradient(float[][] dKSpectra, int pair, double[] dK, ConvolutionScratch s) {
        int offset = (pair / V) * transform.spectrumFloats();
        inverseInto(dKSpectra, offset, pair % V, false, channelA(pair), dK, s);
        inverseInto(dKSpectra, offset, pair % V, true, channelB(pair), dK, s);
    }

    private void inverseInto(float[][] parts, int offset, int lane, boolean blockB, int ch, double[] dK, ConvolutionScratch s) {
        if (ch >= channels) return;
        double[] packed = s.wide[0];
        transform.packedCorrelation(parts, offset, lane, blockB, packed);
        s.fft.realInverse(packed, true);
        System.arraycopy(packed, 0, dK, ch * transform.length(), transform.length());
    }
}
