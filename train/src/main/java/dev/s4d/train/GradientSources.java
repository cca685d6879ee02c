package dev.s4d.train;

import dev.s4d.model.ModelConfig;

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
        // The float forward/backward pass of the S4D model is written on another branch and replaces this at merge.
        throw new UnsupportedOperationException("backward pass not merged yet");
    }
}
