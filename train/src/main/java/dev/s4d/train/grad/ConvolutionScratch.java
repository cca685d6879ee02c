package dev.s4d.train.grad;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * One thread's buffers for a {@link TrainingConvolution}: the float work memory of the batched
 * transforms (a second pair of arrays for implementations that transform out of place, staging rows
 * for those that need them), and a double
 * FFT with two arrays for the per-channel kernel transforms. Sized by {@link TrainingConvolution#prepare}.
 */
final class ConvolutionScratch {
    float[] re = new float[0];
    float[] im = new float[0];
    float[] otherRe = new float[0];
    float[] otherIm = new float[0];
    float[] stage = new float[0];
    private int size;
    DoubleFFT_1D fft;
    double[][] wide;

    /**
     * @param floats      floats of each work array
     * @param outOfPlace  whether the second pair of arrays is needed
     * @param stageFloats floats of the staging memory (0 if not needed)
     * @param size        the double FFT's size
     */
    void resize(int floats, boolean outOfPlace, int stageFloats, int size) {
        if (stage.length != stageFloats) stage = new float[stageFloats];
        if (re.length != floats) {
            re = new float[floats];
            im = new float[floats];
        }
        int other = outOfPlace ? floats : 0;
        if (otherRe.length != other) {
            otherRe = new float[other];
            otherIm = new float[other];
        }
        if (this.size != size) {
            this.size = size;
            fft = new DoubleFFT_1D(size);
            wide = new double[2][size];
        }
    }

    /** Makes the out-of-place arrays the current ones. */
    void swap() {
        float[] t = re;
        re = otherRe;
        otherRe = t;
        t = im;
        im = otherIm;
        otherIm = t;
    }
}
