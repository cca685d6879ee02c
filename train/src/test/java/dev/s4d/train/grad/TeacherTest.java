package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.engine.ConvEngine;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import dev.s4d.train.Augmentation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The teacher's targets against the inference engine's logits, worked through by hand. */
class TeacherTest {
    private static final ModelConfig A = ModelConfig.loihi(2, 6, 4, 2, 4);
    private static final ModelConfig B = ModelConfig.reference(2, 5, 4, 1, 4);

    private static S4DModel model(ModelConfig c, long seed) {
        return new S4DModel(c, GradientFixtures.toFloat(c, GradientFixtures.parameters(c, seed)));
    }

    @Test
    void anEnsembleAveragesItsModelsProbabilitiesAtTheTemperature() {
        S4DModel a = model(A, 1);
        S4DModel b = model(B, 2);
        float[][] x = GradientFixtures.sequences(5, 9, 2, 3);
        double t = 2.5;
        double[][] got = new Teacher(List.of(a, b), 2).probabilities(x, t);
        float[][] la = ConvEngine.compile(a).logits(x);
        float[][] lb = ConvEngine.compile(b).logits(x);
        for (int s = 0; s < x.length; s++) {
            double za = 0, zb = 0;
            for (int c = 0; c < 4; c++) {
                za += Math.exp(la[s][c] / t);
                zb += Math.exp(lb[s][c] / t);
            }
            double sum = 0;
            for (int c = 0; c < 4; c++) {
                double want = (Math.exp(la[s][c] / t) / za + Math.exp(lb[s][c] / t) / zb) / 2;
                assertThat(got[s][c]).as("sample %d class %d", s, c).isCloseTo(want, within(1e-12));
                sum += got[s][c];
            }
            assertThat(sum).isCloseTo(1, within(1e-12));
        }
        // the same targets whatever the thread count, and a one-sample batch equals its row of a larger one
        assertThat(new Teacher(List.of(a, b), 1).probabilities(x, t)).isDeepEqualTo(got);
        assertThat(new Teacher(List.of(a, b), 3).probabilities(new float[][]{x[3]}, t)[0]).containsExactly(got[3]);
    }

    @Test
    void aMirroringTeacherAveragesEachPictureWithItsMirror() {
        S4DModel a = model(A, 1);
        S4DModel b = model(B, 2);
        float[][] x = GradientFixtures.sequences(4, 9, 2, 5);   // pictures of 3 rows of 3 tokens
        float[][] mirrors = new float[x.length][];
        for (int s = 0; s < x.length; s++) {
            mirrors[s] = Augmentation.mirrored(x[s], 2, 3);
            // token (row, column) now holds (row, 2 − column), both features together; the original is untouched
            for (int row = 0; row < 3; row++) {
                for (int col = 0; col < 3; col++) {
                    for (int f = 0; f < 2; f++) assertThat(mirrors[s][(row * 3 + col) * 2 + f]).isEqualTo(x[s][(row * 3 + 2 - col) * 2 + f]);
                }
            }
            assertThat(Augmentation.mirrored(mirrors[s], 2, 3)).containsExactly(x[s]);
        }
        double t = 1.5;
        double[][] plain = new Teacher(List.of(a, b), 2).probabilities(x, t);
        double[][] mirrored = new Teacher(List.of(a, b), 2).probabilities(mirrors, t);
        double[][] got = new Teacher(List.of(a, b), 2, 3).probabilities(x, t);
        for (int s = 0; s < x.length; s++) {
            for (int c = 0; c < 4; c++) assertThat(got[s][c]).isCloseTo((plain[s][c] + mirrored[s][c]) / 2, within(1e-12));
            assertThat(got[s]).isNotEqualTo(plain[s]);
        }
        assertThatThrownBy(() -> new Teacher(List.of(a), 1, 2).probabilities(x, t)).hasMessageContaining("rows of 2 tokens do not tile a sequence of 9");
        assertThatThrownBy(() -> new Teacher(List.of(a), 1, -1)).hasMessageContaining("mirrorWidth must be 0 or a row width");
    }

    @Test
    void modelsOfDifferentTasksCannotFormOneTeacher() {
        assertThatThrownBy(() -> new Teacher(List.of(), 1)).hasMessageContaining("at least one model");
        assertThatThrownBy(() -> new Teacher(List.of(model(A, 1), model(ModelConfig.loihi(2, 6, 4, 2, 3), 2)), 1))
                .hasMessageContaining("teacher model 2 reads 2 features per token into 3 classes, teacher model 1 reads 2 into 4");
    }

    @Test
    void aTeacherThatGivesNonFiniteLogitsIsNamed() {
        S4DModel a = model(A, 1);
        float[][] x = GradientFixtures.sequences(2, 5, 2, 3);
        x[1][0] = Float.NaN;
        assertThatThrownBy(() -> new Teacher(List.of(a), 1).probabilities(x, 1)).hasMessageContaining("teacher model 1 gave sample 1");
    }
}
