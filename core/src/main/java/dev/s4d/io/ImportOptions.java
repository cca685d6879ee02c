package dev.s4d.io;

import dev.s4d.model.Discretization;
import dev.s4d.model.Readout;

/**
 * What a PyTorch state_dict cannot tell about its model, supplied when importing one.
 * Shapes give the sizes and the block flavour; these three choices leave no trace in the tensors.
 * Files written by {@link ModelFiles#save} carry their full config, and for them these options are ignored.
 *
 * @param prenorm        LayerNorm before each S4D layer (example.py's {@code --prenorm}); reference flavour only
 * @param readout        pooling before the decoder (the reference model uses {@link Readout#MEAN})
 * @param discretization how Ā and B̄ were derived in training (the minimal reference layer uses ZOH)
 */
public record ImportOptions(boolean prenorm, Readout readout, Discretization discretization) {

    public ImportOptions {
        if (readout == null) throw new IllegalArgumentException("readout must be given");
        if (discretization == null) throw new IllegalArgumentException("discretization must be given");
    }

    /** The public reference model's defaults: post-norm, mean pooling, zero-order hold. */
    public static ImportOptions defaults() {
        return new ImportOptions(false, Readout.MEAN, Discretization.ZOH);
    }

    public ImportOptions withPrenorm(boolean p) {
        return new ImportOptions(p, readout, discretization);
    }

    public ImportOptions withReadout(Readout r) {
        return new ImportOptions(prenorm, r, discretization);
    }

    public ImportOptions withDiscretization(Discretization d) {
        return new ImportOptions(prenorm, readout, d);
    }
}
