package dev.s4d.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The architecture of an S4D sequence classifier: everything needed, with the parameters, to run it.
 * It travels inside the model file as JSON (snake_case names).
 *
 * @param dInput         features per token (1 for sMNIST, 3 for sCIFAR)
 * @param dModel         channels H of every S4D layer
 * @param dState         state size N; each channel holds N/2 complex modes
 * @param nLayers        number of S4D blocks
 * @param nClasses       decoder outputs
 * @param flavour        block around each S4D layer
 * @param prenorm        LayerNorm before the S4D layer instead of after the residual (reference flavour only)
 * @param readout        pooling of the last layer's outputs before the decoder
 * @param discretization how Ā and B̄ are derived from A and Δ
 */
public record ModelConfig(
        @JsonProperty("d_input") int dInput,
        @JsonProperty("d_model") int dModel,
        @JsonProperty("d_state") int dState,
        @JsonProperty("n_layers") int nLayers,
        @JsonProperty("n_classes") int nClasses,
        @JsonProperty("flavour") BlockFlavour flavour,
        @JsonProperty("prenorm") boolean prenorm,
        @JsonProperty("readout") Readout readout,
        @JsonProperty("discretization") Discretization discretization) {

    public ModelConfig {
        requirePositive("d_input", dInput);
        requirePositive("d_model", dModel);
        requirePositive("d_state", dState);
        requirePositive("n_layers", nLayers);
        requirePositive("n_classes", nClasses);
        if (dState % 2 != 0) {
            throw new IllegalArgumentException("d_state must be even (N/2 complex modes), got " + dState);
        }
        if (flavour == null) throw new IllegalArgumentException("flavour must be 'reference' or 'loihi', got null");
        if (readout == null) throw new IllegalArgumentException("readout must be 'mean' or 'last', got null");
        if (discretization == null) throw new IllegalArgumentException("discretization must be 'zoh' or 'bilinear', got null");
        if (prenorm && flavour == BlockFlavour.LOIHI) {
            throw new IllegalArgumentException("prenorm applies to the reference flavour only; the loihi flavour has no normalisation");
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    /** The public reference model's shape: GELU/GLU blocks, post-norm, mean pooling, ZOH. */
    public static ModelConfig reference(int dInput, int dModel, int dState, int nLayers, int nClasses) {
        return new ModelConfig(dInput, dModel, dState, nLayers, nClasses,
                BlockFlavour.REFERENCE, false, Readout.MEAN, Discretization.ZOH);
    }

    /** The paper's Loihi variant: ReLU blocks without norm or residual, mean pooling, ZOH. */
    public static ModelConfig loihi(int dInput, int dModel, int dState, int nLayers, int nClasses) {
        return new ModelConfig(dInput, dModel, dState, nLayers, nClasses,
                BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.ZOH);
    }

    /** Complex modes per channel (N/2). */
    public int modes() {
        return dState / 2;
    }

    /** Outputs of each block's pointwise linear layer: 2H for GLU (reference), H for loihi. */
    public int mixerOutputs() {
        return flavour == BlockFlavour.REFERENCE ? 2 * dModel : dModel;
    }

    public ModelConfig withFlavour(BlockFlavour f) {
        return new ModelConfig(dInput, dModel, dState, nLayers, nClasses, f, f == BlockFlavour.LOIHI ? false : prenorm, readout, discretization);
    }

    public ModelConfig withPrenorm(boolean p) {
        return new ModelConfig(dInput, dModel, dState, nLayers, nClasses, flavour, p, readout, discretization);
    }

    public ModelConfig withReadout(Readout r) {
        return new ModelConfig(dInput, dModel, dState, nLayers, nClasses, flavour, prenorm, r, discretization);
    }

    public ModelConfig withDiscretization(Discretization d) {
        return new ModelConfig(dInput, dModel, dState, nLayers, nClasses, flavour, prenorm, readout, d);
    }
}
