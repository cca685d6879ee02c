package dev.s4d.train;

import dev.s4d.model.Parameters;

/**
 * Loss and gradient of a batch: what the trainer asks of a model. Implementations run the forward
 * pass with saved activations and the backward pass; the trainer owns the parameter values and
 * the optimiser.
 */
public interface GradientSource {

    /**
     * Computes the batch-mean cross-entropy loss and its gradient for the given parameter values.
     *
     * @param params      current values, named and shaped as {@code S4DModel.expectedShapes(config)}
     * @param grads       same names and shapes; overwritten with the batch-mean gradient
     * @param sequences   batch × (length·d_input) inputs, token-major, equal lengths
     * @param labels      batch class indices
     * @param dropoutSeed seed of this batch's dropout masks (ignored when dropout is 0), so a step
     *                    is reproducible whatever the thread count
     */
    BatchStats compute(Parameters params, Parameters grads, float[][] sequences, int[] labels, long dropoutSeed);

    /** Whether this source batch-normalises each S4D input, so that its parameters include the norms' γ and β. */
    default boolean batchNormalises() {
        return false;
    }

    /**
     * For a source that batch-normalises each S4D input ({@link dev.s4d.train.grad.BatchNorms}): the moments
     * of those inputs over {@code sequences} in a forward pass without dropout, which the trainer pools
     * into the population statistics it folds the norms with.
     *
     * @throws UnsupportedOperationException if this source has no batch norms
     */
    default dev.s4d.train.grad.BatchNorms.Statistics statistics(Parameters params, float[][] sequences) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not batch-normalise");
    }

    /** Loss summed over the batch divided by its size, and how many samples the model got right. */
    record BatchStats(double loss, int correct, int count) {
    }
}
