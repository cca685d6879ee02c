package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmUpRisesLinearlyThenCosineFallsTowardsZero() {
        LearningRateSchedule s = new LearningRateSchedule(4, 12, LearningRateSchedule.Decay.COSINE);
        assertThat(s.factor(0)).isEqualTo(0.25);
        assertThat(s.factor(1)).isEqualTo(0.5);
        assertThat(s.factor(3)).isEqualTo(1.0);
        assertThat(s.factor(4)).isEqualTo(1.0);
        // Halfway through the 8 decay steps the cosine is at its midpoint.
        assertThat(s.factor(8)).isCloseTo(0.5, within(1e-15));
        assertThat(s.factor(11)).isCloseTo(0.5 * (1 + Math.cos(Math.PI * 7 / 8)), within(1e-15));
        for (int k = 5; k < 12; k++) assertThat(s.factor(k)).isLessThan(s.factor(k - 1));
        assertThat(s.factor(12)).isCloseTo(0.0, within(1e-15));
    }

    @Test
    void withoutWarmUpItIsPerEpochCosineAnnealingAtEpochBoundaries() {
        int epochs = 5;
        int stepsPerEpoch = 7;
        LearningRateSchedule s = new LearningRateSchedule(0, (long) epochs * stepsPerEpoch, LearningRateSchedule.Decay.COSINE);
        assertThat(s.factor(0)).isEqualTo(1.0);
        for (int e = 0; e < epochs; e++) {
            // torch.optim.lr_scheduler.CosineAnnealingLR(T_max=epochs, eta_min=0) at epoch e.
            double perEpoch = 0.5 * (1 + Math.cos(Math.PI * e / epochs));
            assertThat(s.factor((long) e * stepsPerEpoch)).isCloseTo(perEpoch, within(1e-15));
        }
    }

    @Test
    void warmUpLongerThanTheRunNeverDecays() {
        LearningRateSchedule s = new LearningRateSchedule(10, 4, LearningRateSchedule.Decay.COSINE);
        assertThat(s.factor(3)).isEqualTo(0.4);
    }

    @Test
    void constantHoldsThePeakAfterTheSameWarmUp() {
        LearningRateSchedule constant = new LearningRateSchedule(4, 12, LearningRateSchedule.Decay.CONSTANT);
        LearningRateSchedule cosine = new LearningRateSchedule(4, 12, LearningRateSchedule.Decay.COSINE);
        for (int k = 0; k < 4; k++) assertThat(constant.factor(k)).isEqualTo(cosine.factor(k));
        for (int k = 4; k < 20; k++) assertThat(constant.factor(k)).isEqualTo(1.0);
    }

    @Test
    void decaysAreNamedAsOnTheCommandLine() {
        assertThat(LearningRateSchedule.Decay.parse("Constant")).isEqualTo(LearningRateSchedule.Decay.CONSTANT);
        assertThat(LearningRateSchedule.Decay.COSINE.id()).isEqualTo("cosine");
        assertThatThrownBy(() -> LearningRateSchedule.Decay.parse("step"))
                .hasMessage("unknown schedule 'step', expected one of [cosine, constant]");
        assertThatThrownBy(() -> new LearningRateSchedule(0, 10, null)).hasMessageContaining("need a decay");
    }
}
