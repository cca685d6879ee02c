package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

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
        List<TeacherFile> teachers = List.of(new TeacherFile("a.safetensors", A));
        TrainConfig c = new TrainConfig(7, 16, 0.02, 0.002, 0.03, 0.04, 0.8, 0.99, 1e-6, 9, 1.5, 0.3, 42L, 0.2, 2, 17,
                Augmentation.FLIP_TRANSLATE, 3, LearningRateSchedule.Decay.CONSTANT, 0.15, 0.7, 2.0, teachers, true);
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.withThreads(5)).isEqualTo(new TrainConfig(7, 16, 0.02, 0.002, 0.03, 0.04, 0.8, 0.99, 1e-6, 9, 1.5, 0.3, 42L,
                0.2, 5, 17, Augmentation.FLIP_TRANSLATE, 3, LearningRateSchedule.Decay.CONSTANT, 0.15, 0.7, 2.0, teachers, true));
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

    @Test
    void distillationNeedsTeachersExactlyWhenItHasAWeight() {
        TrainConfig plain = TrainConfig.defaults();
        assertThat(plain.distillWeight()).isZero();
        assertThat(plain.distillTemperature()).isEqualTo(1.0);
        assertThat(plain.teachers()).isEmpty();
        List<TeacherFile> one = List.of(new TeacherFile("t.safetensors", A));
        assertThatThrownBy(() -> plain.toBuilder().distillWeight(0.5).build()).hasMessageContaining("distill_weight 0.5 needs at least one teacher");
        assertThatThrownBy(() -> plain.toBuilder().teachers(one).build()).hasMessageContaining("1 teacher(s) but distill_weight 0");
        assertThatThrownBy(() -> plain.toBuilder().teachers(one).distillWeight(1.5).build()).hasMessageContaining("distill_weight must be in [0, 1]");
        assertThatThrownBy(() -> plain.toBuilder().teachers(one).distillWeight(0.5).distillTemperature(0).build())
                .hasMessageContaining("distill_temperature must be a positive number");
        assertThatThrownBy(() -> plain.toBuilder().distillTemperature(Double.NaN).build()).hasMessageContaining("distill_temperature");
        assertThatThrownBy(() -> new TeacherFile("t", "xyz")).hasMessageContaining("64 lower-case hex digits");
        assertThat(plain.toBuilder().teachers(null).build().teachers()).isEmpty();
    }

    /** A mixed sample has no one label, so mixup is for distillation where the teachers take the whole loss. */
    @Test
    void mixupNeedsTeachersThatTakeTheWholeLoss() {
        List<TeacherFile> one = List.of(new TeacherFile("t.safetensors", A));
        Augmentation mixup = Augmentation.parse("flip+mixup");
        assertThatThrownBy(() -> TrainConfig.builder().augment(mixup).build())
                .hasMessageContaining("augment flip+mixup blends pairs of training samples").hasMessageContaining("got distill_weight 0.0");
        assertThatThrownBy(() -> TrainConfig.builder().augment(mixup).teachers(one).distillWeight(0.9).build())
                .hasMessageContaining("needs teachers that take the whole loss (distill_weight 1)");
        assertThat(TrainConfig.builder().augment(mixup).teachers(one).distillWeight(1).build().augment().mixes()).isTrue();
    }

    @Test
    void aResumedRunMayFindItsTeachersElsewhereButNotChangeThem() {
        TrainConfig c = TrainConfig.builder().epochs(4).teachers(List.of(new TeacherFile("runs/a.safetensors", A))).distillWeight(0.5).build();
        TrainConfig moved = c.withTeachers(List.of(new TeacherFile("results/a.safetensors", A)));
        assertThat(c.mayResumeAs(moved, 2)).isTrue();
        assertThat(c.mayResumeAs(c.withTeachers(List.of(new TeacherFile("runs/a.safetensors", B))), 2)).isFalse();
        assertThat(c.mayResumeAs(c.withTeachers(List.of(new TeacherFile("a", A), new TeacherFile("b", B))), 2)).isFalse();
        assertThat(c.mayResumeAs(c.toBuilder().distillWeight(0.6).build(), 2)).isFalse();
        assertThat(c.mayResumeAs(c.toBuilder().distillTemperature(2).build(), 2)).isFalse();
    }
}
