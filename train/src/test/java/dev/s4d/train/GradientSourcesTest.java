package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.train.grad.FloatGradients;
import dev.s4d.train.grad.Teacher;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line's gradient source is built only with the teachers its settings name. */
class GradientSourcesTest {
    private static final ModelConfig STUDENT = ModelConfig.loihi(1, 8, 4, 1, 3);

    private static Teacher teacher(int models) {
        var m = ModelInitializer.initialise(ModelConfig.reference(1, 4, 4, 1, 3), InitOptions.defaults(2));
        return new Teacher(java.util.Collections.nCopies(models, m), 1);
    }

    @Test
    void theTeacherMustBeTheOneTheSettingsName() {
        TrainConfig plain = TrainConfig.builder().threads(1).build();
        TrainConfig taught = plain.toBuilder().distillWeight(0.5).teachers(List.of(new TeacherFile("t", "0".repeat(64)))).build();
        assertThat(GradientSources.forModel(STUDENT, plain)).isInstanceOf(FloatGradients.class);
        assertThat(GradientSources.forModel(STUDENT, taught, teacher(1))).isInstanceOf(FloatGradients.class);
        assertThatThrownBy(() -> GradientSources.forModel(STUDENT, taught)).hasMessageContaining("distil from 1 teacher file(s), but no teacher was loaded");
        assertThatThrownBy(() -> GradientSources.forModel(STUDENT, plain, teacher(1))).hasMessageContaining("the settings name no teacher files");
        assertThatThrownBy(() -> GradientSources.forModel(STUDENT, taught, teacher(2))).hasMessageContaining("1 teacher files, the teacher has 2 models");
    }
}
