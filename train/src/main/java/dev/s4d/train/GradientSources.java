package dev.s4d.train;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.train.grad.FloatGradients;
import dev.s4d.train.grad.LabelSmoothing;

/** Where the command line gets the gradient code of a model: the one place the backward pass is chosen. */
public final class GradientSources {
    private GradientSources() {
    }

    /**
     * The gradient source for models of {@code config} trained with {@code training}'s dropout, label
     * smoothing and thread count (the forward and backward passes' worker threads).
     */
    public static GradientSource forModel(ModelConfig config, TrainConfig training) {
        return new FloatGradients(config, training.dropout(), new LabelSmoothing(training.labelSmoothing()), training.threads(),
                Kernels.best());
    }
}
