package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import dev.s4d.model.Readout;
import dev.s4d.train.GradientSource.BatchStats;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float gradients against the double reference on small models of every flavour and option, with
 * and without dropout, label smoothing and distillation, with the vector and the scalar kernels and several thread counts: the loss to
 * float accuracy and every parameter's gradient to 10⁻⁴ of its norm (‖g_float − g_ref‖ ≤ 10⁻⁴·‖g_ref‖; the
 * differences seen are ~10⁻⁶, float rounding).
 */
class FloatGradientsTest {

    static Stream<Arguments> cases() {
        ModelConfig ref = new ModelConfig(3, 8, 8, 2, 5, BlockFlavour.REFERENCE, false, Readout.MEAN, Discretization.ZOH);
        ModelConfig loihi = new ModelConfig(1, 6, 10, 3, 4, BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.ZOH);
        return Stream.of(
                withoutSmoothing("reference post-norm", ref, 0.0),
                withoutSmoothing("reference post-norm, dropout", ref, 0.25),
                withoutSmoothing("reference pre-norm, dropout", ref.withPrenorm(true), 0.2),
                withoutSmoothing("reference last, bilinear", ref.withReadout(Readout.LAST).withDiscretization(Discretization.BILINEAR), 0.0),
                withoutSmoothing("reference bilinear, dropout", ref.withDiscretization(Discretization.BILINEAR), 0.1),
                withoutSmoothing("loihi mean", loihi, 0.0),
                withoutSmoothing("loihi mean, dropout", loihi, 0.3),
                Arguments.of("loihi mean, dropout, label smoothing 0.1", loihi, 0.3, 0.1, 0.0, 1.0),
                Arguments.of("reference post-norm, label smoothing 0.4", ref, 0.0, 0.4, 0.0, 1.0),
                Arguments.of("loihi mean, dropout, distilled at weight 0.5, temperature 1", loihi, 0.3, 0.0, 0.5, 1.0),
                Arguments.of("loihi last, smoothing 0.1, distilled at weight 1, temperature 4", loihi.withReadout(Readout.LAST), 0.0, 0.1, 1.0, 4.0),
                Arguments.of("reference post-norm, distilled at weight 0.3, temperature 2", ref, 0.1, 0.0, 0.3, 2.0),
                withoutSmoothing("loihi last, dropout", loihi.withReadout(Readout.LAST), 0.2),
                withoutSmoothing("loihi bilinear", loihi.withDiscretization(Discretization.BILINEAR), 0.0),
                // 40 channels: one full group of 32 lanes in whole vectors and a partial second group
                withoutSmoothing("reference wide, dropout", new ModelConfig(2, 40, 6, 2, 3, BlockFlavour.REFERENCE, false,
                        Readout.MEAN, Discretization.ZOH), 0.1),
                withoutSmoothing("reference wide pre-norm", new ModelConfig(2, 40, 6, 2, 3, BlockFlavour.REFERENCE, true,
                        Readout.LAST, Discretization.ZOH), 0.0),
                withoutSmoothing("loihi wide, dropout", new ModelConfig(2, 48, 6, 2, 3, BlockFlavour.LOIHI, false,
                        Readout.MEAN, Discretization.BILINEAR), 0.2));
    }

    private static Arguments withoutSmoothing(String name, ModelConfig config, double dropout) {
        return Arguments.of(name, config, dropout, 0.0, 0.0, 1.0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheReference(String name, ModelConfig config, double rate, double smoothing, double distillWeight, double temperature) {
        LabelSmoothing target = new LabelSmoothing(smoothing);
        Distillation distillation = distillWeight == 0 ? null
                : new Distillation(GradientFixtures.teacherFor(config, 11), distillWeight, temperature);
        Map<String, double[]> p = GradientFixtures.parameters(config, name.hashCode());
        int batch = 5;
        int length = 37;
        float[][] x = GradientFixtures.sequences(batch, length, config.dInput(), 1);
        int[] labels = GradientFixtures.labels(batch, config.nClasses(), 2);
        long seed = 77;
        Map<String, double[]> expected = new java.util.LinkedHashMap<>();
        BatchStats want = new ReferenceGradients(config, rate, target, distillation).compute(p, expected, x, labels, seed);
        for (Kernels kernels : new Kernels[]{Kernels.best(), Kernels.scalar()}) {
            for (int threads : new int[]{1, 2, 3}) {
                String what = name + ", " + kernels.name() + ", " + threads + " threads";
                Parameters grads = GradientFixtures.zeros(config);
                BatchStats got = new FloatGradients(config, rate, target, distillation, threads, kernels)
                        .compute(GradientFixtures.toFloat(config, p), grads, x, labels, seed);
                assertThat(got.loss()).as(what + " loss").isCloseTo(want.loss(), within(1e-5 * Math.max(1, want.loss())));
                assertThat(got.correct()).as(what + " correct").isEqualTo(want.correct());
                assertThat(got.count()).isEqualTo(batch);
                expected.forEach((param, g) -> assertThat(relativeError(grads.get(param).data(), g))
                        .as(what + ": " + param).isLessThan(1e-4));
            }
        }
    }

    static double relativeError(float[] actual, double[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void sameThreadCountGivesIdenticalResultsAndWorkspacesFollowTheLength() {
        ModelConfig config = ModelConfig.reference(2, 16, 8, 2, 3);
        Parameters params = GradientFixtures.toFloat(config, GradientFixtures.parameters(config, 4));
        FloatGradients source = new FloatGradients(config, 0.1, 2);
        float[][] x = GradientFixtures.sequences(7, 30, 2, 5);
        int[] labels = GradientFixtures.labels(7, 3, 6);
        Parameters first = GradientFixtures.zeros(config);
        BatchStats a = source.compute(params, first, x, labels, 9);
        // a different length in between resizes every workspace
        source.compute(params, GradientFixtures.zeros(config), GradientFixtures.sequences(3, 11, 2, 7), new int[]{0, 1, 2}, 9);
        Parameters second = GradientFixtures.zeros(config);
        BatchStats b = new FloatGradients(config, 0.1, 2).compute(params, second, x, labels, 9);
        BatchStats c = source.compute(params, second, x, labels, 9);
        assertThat(b).isEqualTo(a);
        assertThat(c).isEqualTo(a);
        for (String name : first.names()) assertThat(second.get(name).data()).as(name).containsExactly(first.get(name).data());
    }

    @Test
    void moreThreadsThanSamples() {
        ModelConfig config = ModelConfig.loihi(1, 8, 4, 2, 2);
        Map<String, double[]> p = GradientFixtures.parameters(config, 8);
        float[][] x = GradientFixtures.sequences(2, 9, 1, 9);
        Map<String, double[]> expected = new java.util.LinkedHashMap<>();
        BatchStats want = new ReferenceGradients(config, 0).compute(p, expected, x, new int[]{1, 0}, 0);
        Parameters grads = GradientFixtures.zeros(config);
        BatchStats got = new FloatGradients(config, 0, 5).compute(GradientFixtures.toFloat(config, p), grads, x, new int[]{1, 0}, 0);
        assertThat(got.loss()).isCloseTo(want.loss(), within(1e-5));
        expected.forEach((name, g) -> assertThat(relativeError(grads.get(name).data(), g)).as(name).isLessThan(1e-4));
    }

    @Test
    void badArgumentsAreRejected() {
        ModelConfig config = ModelConfig.reference(2, 4, 4, 1, 3);
        Parameters params = GradientFixtures.toFloat(config, GradientFixtures.parameters(config, 1));
        FloatGradients source = new FloatGradients(config, 0, 1);
        assertThatThrownBy(() -> source.compute(params, GradientFixtures.zeros(config), new float[][]{new float[3]}, new int[]{0}, 0))
                .hasMessageContaining("multiple of d_input=2");
        assertThatThrownBy(() -> source.compute(params, GradientFixtures.zeros(config.withFlavour(BlockFlavour.LOIHI)),
                new float[][]{new float[4]}, new int[]{0}, 0)).hasMessageContaining("grads");
        assertThatThrownBy(() -> new FloatGradients(config, 0, 0)).hasMessageContaining("threads");
        assertThatThrownBy(() -> new FloatGradients(config, -0.1, 1)).hasMessageContaining("dropout");
        assertThatThrownBy(() -> new LabelSmoothing(1.0)).hasMessageContaining("label smoothing must be in [0, 1)");
        assertThatThrownBy(() -> new LabelSmoothing(Double.NaN)).hasMessageContaining("label smoothing");
    }

    /** Smoothing 0 is the plain cross-entropy to the last bit, so runs from before the option repeat exactly. */
    @Test
    void noSmoothingIsThePlainLossBitForBit() {
        ModelConfig config = ModelConfig.loihi(1, 8, 4, 2, 3);
        Parameters params = GradientFixtures.toFloat(config, GradientFixtures.parameters(config, 3));
        float[][] x = GradientFixtures.sequences(4, 12, 1, 4);
        int[] labels = GradientFixtures.labels(4, 3, 5);
        Parameters plain = GradientFixtures.zeros(config);
        Parameters zero = GradientFixtures.zeros(config);
        BatchStats a = new FloatGradients(config, 0.1, 2).compute(params, plain, x, labels, 3);
        BatchStats b = new FloatGradients(config, 0.1, new LabelSmoothing(0), 2, Kernels.best()).compute(params, zero, x, labels, 3);
        assertThat(b).isEqualTo(a);
        for (String name : plain.names()) assertThat(zero.get(name).data()).as(name).containsExactly(plain.get(name).data());
        // while any smoothing changes the loss
        BatchStats smoothed = new FloatGradients(config, 0.1, new LabelSmoothing(0.2), 2, Kernels.best())
                .compute(params, GradientFixtures.zeros(config), x, labels, 3);
        assertThat(smoothed.loss()).isNotEqualTo(a.loss());
    }

    /** A teacher that reads other tokens or scores other classes than the student is refused when the source is made. */
    @Test
    void aTeacherOfAnotherTaskIsRefused() {
        ModelConfig student = ModelConfig.loihi(1, 8, 4, 2, 3);
        Teacher wrongClasses = GradientFixtures.teacherFor(ModelConfig.loihi(1, 8, 4, 2, 5), 1);
        Teacher wrongInput = GradientFixtures.teacherFor(ModelConfig.loihi(3, 8, 4, 2, 3), 1);
        assertThatThrownBy(() -> new FloatGradients(student, 0, LabelSmoothing.NONE, new Distillation(wrongClasses, 0.5, 1), 1, Kernels.best()))
                .hasMessageContaining("the teacher reads 1 features per token into 5 classes, the student 1 into 3");
        assertThatThrownBy(() -> new ReferenceGradients(student, 0, LabelSmoothing.NONE, new Distillation(wrongInput, 0.5, 1)))
                .hasMessageContaining("the teacher reads 3 features per token");
        Teacher fits = GradientFixtures.teacherFor(student, 1);
        assertThatThrownBy(() -> new Distillation(fits, 0, 1)).hasMessageContaining("weight must be in (0, 1]");
        assertThatThrownBy(() -> new Distillation(fits, 0.5, Double.POSITIVE_INFINITY)).hasMessageContaining("temperature must be a positive number");
        assertThatThrownBy(() -> new Distillation(null, 0.5, 1)).hasMessageContaining("needs a teacher");
    }
}
