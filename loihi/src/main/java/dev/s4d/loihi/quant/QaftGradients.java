package dev.s4d.loihi.quant;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import dev.s4d.train.GradientSource;

/**
 * Quantisation-aware fine-tuning with the straight-through estimator: the loss and gradient are those
 * of another gradient source evaluated at the {@link FakeQuantization fake-quantised} parameters, and
 * the gradient is applied unchanged to the float parameters (rounding is treated as the identity in
 * the backward pass). The trainer keeps updating the float values, so small updates accumulate until
 * they move a weight to the next grid point.
 */
public final class QaftGradients implements GradientSource {
    private final GradientSource inner;
    private final ModelConfig config;
    private final QuantConfig quant;

    /**
     * @param inner  the float model's gradient source
     * @param config the (loihi-flavour) model being fine-tuned
     * @param quant  the widths of the chip's weights and coefficients
     */
    public QaftGradients(GradientSource inner, ModelConfig config, QuantConfig quant) {
        if (inner == null || quant == null) throw new IllegalArgumentException("QAFT needs an inner gradient source and a quantisation config");
        Calibration.requireLoihi(config, "quantisation-aware fine-tuning");
        this.inner = inner;
        this.config = config;
        this.quant = quant;
    }

    @Override
    public BatchStats compute(Parameters params, Parameters grads, float[][] sequences, int[] labels, long dropoutSeed) {
        return inner.compute(FakeQuantization.apply(config, params, quant), grads, sequences, labels, dropoutSeed);
    }
}
