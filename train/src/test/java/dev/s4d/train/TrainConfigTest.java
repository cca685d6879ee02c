package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainConfigTest {

    @Test
    void builderStartsFromTheDefaultsAndChangesOnlyWhatIsSet() {
        TrainConfig d = TrainConfig.defaults();
        TrainConfig c = TrainConfig.builder().epochs(20).lr(0.003).augment(Augmentation.FLIP).build();
        assertThat(c.epochs()).isEqualTo(20);
        assertThat(c.lr()).isEqualTo(0.003);
        assertThat(c.augment()).isEqualTo(Augmentation.FLIP);
        // Everything else as in the defaults: putting the three back gives the defaults exactly.
        assertThat(c.toBuilder().epochs(d.epochs()).lr(d.lr()).augment(d.augment()).build()).isEqualTo(d);
    }

    @Test
    void toBuilderCopiesEverySetting() {
        TrainConfig c = new TrainConfig(7, 16, 0.02, 0.002, 0.03, 0.04, 0.8, 0.99, 1e-6, 9, 1.5, 0.3, 42L, 0.2, 2, 17,
                Augmentation.FLIP_TRANSLATE, 3, LearningRateSchedule.Decay.CONSTANT, 0.15);
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.withThreads(5)).isEqualTo(new TrainConfig(7, 16, 0.02, 0.002, 0.03, 0.04, 0.8, 0.99, 1e-6, 9, 1.5, 0.3, 42L,
                0.2, 5, 17, Augmentation.FLIP_TRANSLATE, 3, LearningRateSchedule.Decay.CONSTANT, 0.15));
        assertThat(c.withAverageLast(0).averageLast()).isZero();
    }

    @Test
    void theScheduleDefaultsToCosineAndSpansEveryEpoch() {
        TrainConfig c = TrainConfig.builder().epochs(3).warmupSteps(2).build();
        assertThat(c.schedule()).isEqualTo(LearningRateSchedule.Decay.COSINE);
        assertThat(c.learningRateSchedule(5)).isEqualTo(new LearningRateSchedule(2, 15, LearningRateSchedule.Decay.COSINE));
        assertThat(c.toBuilder().schedule(null).build().schedule()).isEqualTo(LearningRateSchedule.Decay.COSINE);
        assertThat(c.toBuilder().schedule(LearningRateSchedule.Decay.CONSTANT).build().learningRateSchedule(5).factor(14)).isEqualTo(1.0);
    }

    @Test
    void builderChecksTheSettingsTogether() {
        assertThatThrownBy(() -> TrainConfig.builder().epochs(3).averageLast(4).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("average_last must be in [0, epochs] = [0, 3]");
        assertThatThrownBy(() -> TrainConfig.builder().dropout(1.0).build()).hasMessageContaining("dropout must be in [0, 1)");
        assertThatThrownBy(() -> TrainConfig.builder().labelSmoothing(-0.1).build()).hasMessageContaining("label_smoothing must be in [0, 1)");
    }

    @Test
    void labelSmoothingCannotChangeOnResume() {
        TrainConfig c = TrainConfig.builder().epochs(4).build();
        assertThat(c.labelSmoothing()).isZero();
        assertThat(c.mayResumeAs(c.toBuilder().labelSmoothing(0.1).build(), 0)).isFalse();
    }
}
