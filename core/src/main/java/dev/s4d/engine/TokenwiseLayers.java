package dev.s4d.engine;

import dev.s4d.kernel.Kernels;
import dev.s4d.kernel.PackedWeights;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.S4DModel;

/**
 * Everything in the model that acts on each token on its own: encoder, the block around each S4D
 * layer (norm, activation, pointwise linear, GLU, residual) and the decoder. Both float engines use
 * this one compiled copy; they differ only in how the S4D layers mix along time (FFT convolution or
 * recurrence), so their results can only differ by that.
 *
 * <p>All methods work on row blocks: {@code rows} tokens of width H, row-major. Thread-safe: weights
 * are read-only and scratch space comes from the caller.
 */
final class TokenwiseLayers {
    static final float LAYER_NORM_EPS = 1e-5f;

    private final ModelConfig c;
    private final Kernels k;
    // Dense weights are packed once here into the layout the kernels stream fastest.
    private final PackedWeights encW;
    private final float[] encB;
    private final PackedWeights[] mixW;
    private final float[][] mixB;
    private final float[][] normW;
    private final float[][] normB;
    private final PackedWeights decW;
    private final float[] decB;

    TokenwiseLayers(S4DModel model, Kernels kernels) {
        this.c = model.config();
        this.k = kernels;
        encW = k.pack(model.get(ParameterNames.ENCODER_WEIGHT).data(), c.dModel(), c.dInput());
        encB = copy(model, ParameterNames.ENCODER_BIAS);
        decW = k.pack(model.get(ParameterNames.DECODER_WEIGHT).data(), c.nClasses(), c.dModel());
        decB = copy(model, ParameterNames.DECODER_BIAS);
        int n = c.nLayers();
        mixW = new PackedWeights[n];
        mixB = new float[n][];
        normW = new float[n][];
        normB = new float[n][];
        for (int i = 0; i < n; i++) {
            mixW[i] = k.pack(model.get(ParameterNames.mixWeight(i)).data(), c.mixerOutputs(), c.dModel());
            mixB[i] = copy(model, ParameterNames.mixBias(i));
            if (c.flavour() == BlockFlavour.REFERENCE) {
                normW[i] = copy(model, ParameterNames.normWeight(i));
                normB[i] = copy(model, ParameterNames.normBias(i));
            }
        }
    }

    private static float[] copy(S4DModel m, String name) {
        return m.get(name).data().clone();
    }

    ModelConfig config() {
        return c;
    }

    Kernels kernels() {
        return k;
    }

    /** Scratch floats per row that {@link #afterMixing} needs. */
    int scratchPerRow() {
        return c.mixerOutputs();
    }

    /** x (rows × H) = encoder(u (rows × d_input, from uOff)). */
    void encode(float[] u, int uOff, int rows, float[] x) {
        k.linear(u, uOff, rows, encW, encB, x, 0);
    }

    /** z = the S4D layer's input for block {@code layer}: x itself, layer-normalised under pre-norm. */
    void beforeMixing(int layer, float[] x, float[] z, int rows) {
        System.arraycopy(x, 0, z, 0, rows * c.dModel());
        if (c.flavour() == BlockFlavour.REFERENCE && c.prenorm()) {
            k.layerNorm(z, rows, c.dModel(), normW[layer], normB[layer], LAYER_NORM_EPS);
        }
    }

    /**
     * Finishes block {@code layer}: from the S4D outputs y (D term included; overwritten) and the block
     * input x, writes the block output into x.
     *
     * @param scratch at least rows × {@link #scratchPerRow()} floats
     */
    void afterMixing(int layer, float[] y, float[] x, int rows, float[] scratch) {
        int h = c.dModel();
        int n = rows * h;
        if (c.flavour() == BlockFlavour.REFERENCE) {
            k.gelu(y, 0, n);
            k.linear(y, 0, rows, mixW[layer], mixB[layer], scratch, 0);
            k.glu(scratch, rows, h, y);
            k.add(x, 0, y, 0, n);
            if (!c.prenorm()) k.layerNorm(x, rows, h, normW[layer], normB[layer], LAYER_NORM_EPS);
        } else {
            k.relu(y, 0, n);
            k.linear(y, 0, rows, mixW[layer], mixB[layer], x, 0);
        }
    }

    /** logits (rows × classes, from logitsOff) = decoder(pooled (rows × H)). */
    void decode(float[] pooled, int rows, float[] logits, int logitsOff) {
        k.linear(pooled, 0, rows, decW, decB, logits, logitsOff);
    }
}
