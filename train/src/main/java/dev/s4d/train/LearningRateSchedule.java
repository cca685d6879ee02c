package dev.s4d.train;

/**
 * The learning-rate factor of every step: a linear warm-up, then a cosine decay towards 0 over the
 * remaining steps. Without warm-up it is PyTorch's {@code CosineAnnealingLR} with {@code T_max} = total
 * steps, stepped after every update (the reference anneals per epoch; per step is smoother and gives
 * the same curve at the epoch boundaries).
 *
 * @param warmupSteps steps of warm-up; step {@code k < warmupSteps} gets {@code (k + 1) / warmupSteps},
 *                    so the first update already moves the parameters
 * @param totalSteps  steps of the whole run, warm-up included
 */
public record LearningRateSchedule(long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("need warm-up >= 0 and total >= 1 steps, got " + warmupSteps + " and " + totalSteps);
        }
    }

    /** The factor of the 0-based update {@code step}: peak 1 right after warm-up, 0.5·(1 + cos π·progress) after. */
    public double factor(long step) {
        if (step < warmupSteps) return (step + 1) / (double) warmupSteps;
        long decaySteps = totalSteps - warmupSteps;
        if (decaySteps <= 0) return 1.0;
        double progress = Math.min(1.0, (step - warmupSteps) / (double) decaySteps);
        return 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
