package dev.s4d.train;

import dev.s4d.model.ModelConfig;
import dev.s4d.train.grad.FloatGradients;

/** Where the command line gets the gradient code of a model: the one place the backward pass is chosen. */
public final class GradientSources {
    private GradientSources() {
    }

    /**
     * The gradient source for models of {@code config}.
     *
     * @param dropout rate of the dropout layers during training
     * @param threads worker threads for the forward and backward passes
     */
    public static GradientSource forModel(ModelConfig config, double dropout, int threads) {
        return new FloatGradients(config, dropout, threads);
    }
}
