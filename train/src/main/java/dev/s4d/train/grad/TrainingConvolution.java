package dev.s4d.train.grad;

import dev.s4d.kernel.Kernels;

/**
 * The S4D layers' causal convolutions as training needs them, for one sequence length at a time: the
 * forward pass y = K ∗ z + D·z (keeping the input's spectrum), the backward pass to the input (the
 * correlation dz = K ⋆ dy + D·dy), and ∂loss/∂K as the correlation of the output gradient with the
 * input, accumulated as spectra over a batch and transformed back once per channel. ∂loss/∂D is
 * ∂loss/∂K at lag 0.
 *
 * <p>Channels are handled in pairs (two channels share one complex transform); a pair is the unit of
 * {@link #setKernels} and {@link #kernelGradient}, so workers given disjoint pairs never write the same
 * values. Activations are length × H, row-major.
 */
interface TrainingConvolution {

    /** The Vector API convolution with the vector kernels, the portable one with the scalar kernels (the reference it is tested against). */
    static TrainingConvolution of(Kernels kernels, int layers, int channels) {
        return kernels == Kernels.scalar() ? new SpectralConvolution(layers, channels) : new LaneTrainingConvolution(layers, channels);
    }

    /** Switches to sequences of {@code length} tokens (a no-op if it already is). */
    void resize(int length);

    int length();

    /** Channel pairs: the unit of {@link #setKernels} and {@link #kernelGradient}. */
    int pairs();

    /** The channels of a pair (either may be ≥ H: none). */
    int channelA(int pair);

    int channelB(int pair);

    /** Floats of one layer's input spectra, as {@link #forward} saves them. */
    int spectrumSize();

    /** Floats of one layer's ∂loss/∂K spectra, as {@link #backward} accumulates them. */
    int gradientSize();

    /** Sizes a thread's buffers for the current length. */
    void prepare(ConvolutionScratch s);

    /**
     * Sets the kernel spectra of one pair of {@code layer} from K (H × length, of which the pair's two
     * channels are read) and the skip D, transformed in double.
     */
    void setKernels(int layer, int pair, double[] kernel, float[] d, ConvolutionScratch s);

    /** y = K ∗ z + D·z for every channel; z's spectra go to {@code zSpectra} ({@link #spectrumSize} floats) for the backward pass. */
    void forward(int layer, float[] z, float[] y, float[] zSpectra, ConvolutionScratch s);

    /**
     * From dy: dz = K ⋆ dy + D·dy (overwritten), and the spectra of ∂loss/∂K added to {@code dKSpectra}
     * ({@link #gradientSize} floats), in a form only {@link #kernelGradient} reads.
     */
    void backward(int layer, float[] zSpectra, float[] dy, float[] dz, float[] dKSpectra, ConvolutionScratch s);

    /**
     * ∂loss/∂K of both channels of a pair ({@code length} values each into {@code dK[ch·length …]}, for
     * the channels that exist; ∂loss/∂D is the value at lag 0) from the sum of every worker's spectra,
     * added in the order given.
     */
    void kernelGradient(float[][] dKSpectra, int pair, double[] dK, ConvolutionScratch s);
}
