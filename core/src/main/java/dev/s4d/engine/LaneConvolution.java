package dev.s4d.engine;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * The S4D layers' causal convolutions for one sequence length on {@link LaneTransform}: the kernel
 * spectra of every layer, computed once, and the convolution y = K ∗ z + D·z of a whole layer, block
 * pair by block pair of channels. Immutable after construction and thread-safe; each thread brings its
 * own {@link Workspace}.
 */
final class LaneConvolution {
    private static final int V = LaneTransform.lanes();

    private final LaneTransform transform;
    private final int[] channels;
    /** Per layer: for each pair of channel blocks, the kernel spectrum as {@link LaneTransform#writeSpectrum} writes it. */
    private final float[][] spectra;
    /** Per layer: D per channel, zero-padded to whole block pairs. */
    private final float[][] skip;

    /** One thread's work memory: re and im of n points × V lanes, and the staging rows of a cut block pair. */
    static final class Workspace {
        final float[] re;
        final float[] im;
        final float[] stage;

        Workspace(int floats, int stageFloats) {
            re = new float[floats];
            im = new float[floats];
            stage = new float[stageFloats];
        }
    }

    LaneConvolution(DiscreteLayer[] layers, int length) {
        transform = new LaneTransform(length);
        int n = transform.size();
        channels = new int[layers.length];
        spectra = new float[layers.length][];
        skip = new float[layers.length][];
        int spectrumFloats = transform.spectrumFloats();
        DoubleFFT_1D fft = new DoubleFFT_1D(n);
        for (int i = 0; i < layers.length; i++) {
            DiscreteLayer layer = layers[i];
            int h = layer.channels();
            int blockPairs = (h + 2 * V - 1) / (2 * V);
            channels[i] = h;
            // Kernel and transforms in double, rounded once at the end, as the JTransforms path does.
            double[] k = layer.kernel(length);
            double[][] packed = new double[h][];
            for (int ch = 0; ch < h; ch++) {
                packed[ch] = new double[n];
                System.arraycopy(k, ch * length, packed[ch], 0, length);
                fft.realForward(packed[ch]);
            }
            spectra[i] = new float[blockPairs * spectrumFloats];
            for (int b = 0; b < blockPairs; b++) {
                for (int lane = 0; lane < V; lane++) {
                    int a = b * 2 * V + lane;
                    transform.writeSpectrum(a < h ? packed[a] : null, a + V < h ? packed[a + V] : null,
                            spectra[i], b * spectrumFloats, lane);
                }
            }
            skip[i] = new float[blockPairs * 2 * V];
            for (int ch = 0; ch < h; ch++) skip[i][ch] = (float) layer.d()[ch];
        }
    }

    int fftSize() {
        return transform.size();
    }

    /** The given workspace if it is big enough for this length, else a new one. */
    Workspace workspace(Workspace current) {
        int floats = transform.workFloats();
        int stage = transform.stageFloats();
        return current != null && current.re.length >= floats && current.stage.length >= stage ? current : new Workspace(floats, stage);
    }

    /**
     * y = K ∗ z + D·z along time for every channel of one layer; z and y are length × H row-major.
     *
     * @param ws from {@link #workspace}; overwritten
     */
    void convolve(int layer, float[] z, float[] y, Workspace ws) {
        int h = channels[layer];
        float[] re = ws.re;
        float[] im = ws.im;
        float[] spectrum = spectra[layer];
        int floats = transform.spectrumFloats();
        for (int b = 0; b * 2 * V < h; b++) {
            int offset = b * floats;
            transform.convolve(z, y, h, b * 2 * V, skip[layer], re, im, ws.stage,
                    (from, to, lo, mirror) -> transform.multiply(spectrum, offset, from, to, re, im, false));
        }
    }
}
