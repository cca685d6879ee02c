package dev.s4d.engine;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;

/**
 * Floating-point operations per token of the recurrent form, counting a multiply and an add as two
 * operations and elementwise functions (GELU, sigmoid, ReLU) as one. Used to report what fraction of
 * the machine's peak a run reaches; the same count applies to any correct token-by-token engine.
 */
public final class FlopCount {
    private FlopCount() {
    }

    /** Per channel and complex mode: state update 7 (4 mul, 3 add) plus output accumulation 4. */
    static final int PER_MODE = 11;

    public static long perToken(ModelConfig c) {
        long h = c.dModel();
        long flops = 2L * c.dInput() * h;                       // encoder
        for (int i = 0; i < c.nLayers(); i++) {
            flops += h * c.modes() * PER_MODE + 4 * h;           // recurrence, 2·Re(·) and D·u
            flops += 2L * h * c.mixerOutputs();                  // pointwise linear
            if (c.flavour() == BlockFlavour.REFERENCE) {
                flops += h;                                      // GELU
                flops += 3 * h;                                  // GLU: sigmoid and product
                flops += h;                                      // residual
                flops += 7 * h;                                  // LayerNorm
            } else {
                flops += h;                                      // ReLU
            }
        }
        flops += 2 * h;                                          // running mean
        flops += 2L * h * c.nClasses();                          // decoder
        return flops;
    }
}
