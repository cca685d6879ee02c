package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.s4d.model.EnumIds;

/**
 * The learning-rate factor of every step: a linear warm-up, then either a cosine decay towards 0 over
 * the remaining steps or a constant peak. Cosine without warm-up is PyTorch's {@code CosineAnnealingLR}
 * with {@code T_max} = total steps, stepped after every update (the reference anneals per epoch; per
 * step is smoother and gives the same curve at the epoch boundaries).
 *
 * @param warmupSteps steps of warm-up; step {@code k < warmupSteps} gets {@code (k + 1) / warmupSteps},
 *                    so the first update already moves the parameters
 * @param totalSteps  steps of the whole run, warm-up included
 * @param decay       what follows the warm-up
 */
public record LearningRateSchedule(long warmupSteps, long totalSteps, Decay decay) {

    /** What the rate does after the warm-up. */
    public enum Decay {
        /** 0.5·(1 + cos π·progress): the reference's schedule, ending at 0. */
        COSINE,
        /**
         * Stays at the peak: for stochastic weight averaging (Izmailov et al. 2018), whose mean gains from
         * models spread along the valley a high constant rate keeps them in, rather than from the nearly
         * equal models at the end of a decay.
         */
        CONSTANT;

        /** The name on the command line and in checkpoints. */
        @JsonValue
        public String id() {
            return EnumIds.id(this);
        }

        /** The decay called {@code id} (any case). */
        @JsonCreator
        public static Decay parse(String id) {
            return EnumIds.parse(Decay.class, id, "schedule");
        }
    }

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("need warm-up >= 0 and total >= 1 steps, got " + warmupSteps + " and " + totalSteps);
        }
        if (decay == null) throw new IllegalArgumentException("need a decay (cosine or constant)");
    }

    /** The factor of the 0-based update {@code step}: peak 1 right after warm-up, then 1 or 0.5·(1 + cos π·progress). */
    public double factor(long step) {
        if (step < warmupSteps) return (step + 1) / (double) warmupSteps;
        long decaySteps = totalSteps - warmupSteps;
        if (decaySteps <= 0 || decay == Decay.CONSTANT) return 1.0;
        double progress = Math.min(1.0, (step - warmupSteps) / (double) decaySteps);
        return 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
