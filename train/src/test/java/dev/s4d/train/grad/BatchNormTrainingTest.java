package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.reference.ReferenceModel;
import dev.s4d.train.GradientSource.BatchStats;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training with batch norms before the S4D layers ({@link BatchNorms}): the double reference against
 * finite differences, the float passes against the reference, and the folded inference model against the
 * training-time forward pass.
 */
class BatchNormTrainingTest {
    private static final ModelConfig LOIHI = new ModelConfig(2, 5, 6, 3, 4, BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.ZOH);

    /** Biases right before a batch norm: the normalisation removes any shift, so their gradient is zero. */
    private static Set<String> absorbedBiases(ModelConfig c) {
        Set<String> names = new java.util.HashSet<>(Set.of(ParameterNames.ENCODER_BIAS));
        for (int i = 0; i + 1 < c.nLayers(); i++) names.add(ParameterNames.mixBias(i));
        return names;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mean", "last"})
    void everyParameterMatchesFiniteDifferences(String readout) {
        ModelConfig config = LOIHI.withReadout(Readout.parse(readout));
        Map<String, double[]> params = GradientFixtures.withBatchNorms(config, 21);
        float[][] x = GradientFixtures.sequences(3, 9, config.dInput(), 22);
        int[] labels = GradientFixtures.labels(3, config.nClasses(), 23);
        ReferenceGradients ref = new ReferenceGradients(config, 0.3, LabelSmoothing.NONE, null, true);
        Map<String, double[]> analytic = new LinkedHashMap<>();
        ref.compute(params, analytic, x, labels, 99);
        assertThat(analytic.keySet()).isEqualTo(BatchNorms.trainedShapes(config, true).keySet());
        FiniteDifferences.Numeric numeric = FiniteDifferences.numeric(() -> ref.loss(params, x, labels, 99), params);
        FiniteDifferences.assertAgree("batch-normalised loihi, " + readout, analytic, numeric);
        analytic.forEach((name, g) -> {
            boolean nonZero = Arrays.stream(g).anyMatch(v -> Math.abs(v) > 1e-12);
            assertThat(nonZero).as("gradient of " + name + (absorbedBiases(config).contains(name) ? " is zero" : " is not zero"))
                    .isEqualTo(!absorbedBiases(config).contains(name));
        });
    }

    /** With and without a teacher: distilling into a batch-normalised student is how the sCIFAR runs end. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void floatPassesMatchTheReferenceWithEveryKernelAndThreadCount(boolean distil) {
        Map<String, double[]> p = GradientFixtures.withBatchNorms(LOIHI, 31);
        float[][] x = GradientFixtures.sequences(5, 37, LOIHI.dInput(), 32);
        int[] labels = GradientFixtures.labels(5, LOIHI.nClasses(), 33);
        Distillation distillation = distil ? new Distillation(GradientFixtures.teacherFor(LOIHI, 34), 0.7, 2) : null;
        Map<String, double[]> expected = new LinkedHashMap<>();
        BatchStats want = new ReferenceGradients(LOIHI, 0.2, LabelSmoothing.NONE, distillation, true).compute(p, expected, x, labels, 7);
        for (Kernels kernels : new Kernels[]{Kernels.best(), Kernels.scalar()}) {
            for (int threads : new int[]{1, 2, 3, 7}) {
                String what = kernels.name() + ", " + threads + " threads";
                Parameters grads = GradientFixtures.zeros(LOIHI, true);
                BatchStats got = new FloatGradients(LOIHI, 0.2, LabelSmoothing.NONE, distillation, true, threads, kernels)
                        .compute(GradientFixtures.toFloat(LOIHI, true, p), grads, x, labels, 7);
                assertThat(got.loss()).as(what + " loss").isCloseTo(want.loss(), within(1e-5 * Math.max(1, want.loss())));
                assertThat(got.correct()).as(what + " correct").isEqualTo(want.correct());
                expected.forEach((name, g) -> {
                    float[] actual = grads.get(name).data();
                    if (absorbedBiases(LOIHI).contains(name)) {
                        for (float v : actual) assertThat(Math.abs(v)).as(what + ": " + name).isLessThan(1e-6f);
                    } else {
                        assertThat(FloatGradientsTest.relativeError(actual, g)).as(what + ": " + name).isLessThan(1e-4);
                    }
                });
            }
        }
    }

    @Test
    void sameThreadCountGivesIdenticalResults() {
        Parameters params = GradientFixtures.toFloat(LOIHI, true, GradientFixtures.withBatchNorms(LOIHI, 41));
        float[][] x = GradientFixtures.sequences(6, 20, LOIHI.dInput(), 42);
        int[] labels = GradientFixtures.labels(6, LOIHI.nClasses(), 43);
        FloatGradients source = new FloatGradients(LOIHI, 0.1, LabelSmoothing.NONE, null, true, 2, Kernels.best());
        Parameters first = GradientFixtures.zeros(LOIHI, true);
        BatchStats a = source.compute(params, first, x, labels, 5);
        // a smaller batch of another length in between resizes the workspaces
        source.compute(params, GradientFixtures.zeros(LOIHI, true), GradientFixtures.sequences(2, 7, LOIHI.dInput(), 44), new int[]{0, 1}, 5);
        Parameters second = GradientFixtures.zeros(LOIHI, true);
        BatchStats b = source.compute(params, second, x, labels, 5);
        assertThat(b).isEqualTo(a);
        for (String name : first.names()) assertThat(second.get(name).data()).as(name).containsExactly(first.get(name).data());
    }

    @Test
    void theFoldedModelComputesWhatTrainingComputesWithTheseStatistics() {
        Map<String, double[]> p = GradientFixtures.withBatchNorms(LOIHI, 51);
        float[][] x = GradientFixtures.sequences(4, 15, LOIHI.dInput(), 52);
        int[] labels = GradientFixtures.labels(4, LOIHI.nClasses(), 53);
        ReferenceGradients ref = new ReferenceGradients(LOIHI, 0, LabelSmoothing.NONE, null, true);
        BatchNorms.Statistics stats = ref.statistics(p, x);
        Parameters trained = GradientFixtures.toFloat(LOIHI, true, p);
        BatchNorms.Statistics floats = new FloatGradients(LOIHI, 0, LabelSmoothing.NONE, null, true, 2, Kernels.best()).statistics(trained, x);
        for (int i = 0; i < LOIHI.nLayers(); i++) {
            for (int j = 0; j < LOIHI.dModel(); j++) {
                assertThat(floats.mean()[i][j]).isCloseTo(stats.mean()[i][j], within(1e-5 * (1 + Math.abs(stats.mean()[i][j]))));
                assertThat(floats.var()[i][j]).isCloseTo(stats.var()[i][j], within(1e-4 * stats.var()[i][j]));
            }
        }
        assertThat(floats.tokens()).isEqualTo(4 * 15);

        S4DModel folded = BatchNorms.fold(LOIHI, trained, stats);
        assertThat(folded.parameters().names()).isEqualTo(S4DModel.expectedShapes(LOIHI).keySet());
        ReferenceModel model = new ReferenceModel(folded);
        double expected = 0;
        for (int b = 0; b < x.length; b++) {
            double[] logits = model.logits(x[b], 15, ReferenceModel.Mode.CONVOLUTION);
            expected += DoubleLayers.crossEntropy(logits, labels[b], LabelSmoothing.NONE, new double[logits.length]) / x.length;
        }
        assertThat(ref.loss(p, x, labels, 0)).isCloseTo(expected, within(1e-5));
    }

    @Test
    void pooledStatisticsOfTwoHalvesAreThoseOfTheWhole() {
        Map<String, double[]> p = GradientFixtures.withBatchNorms(LOIHI, 61);
        float[][] x = GradientFixtures.sequences(5, 12, LOIHI.dInput(), 62);
        ReferenceGradients ref = new ReferenceGradients(LOIHI, 0, LabelSmoothing.NONE, null, true);
        BatchNorms.Statistics whole = ref.statistics(p, x);
        BatchNorms.Statistics pooled = ref.statistics(p, Arrays.copyOfRange(x, 0, 2)).pool(ref.statistics(p, Arrays.copyOfRange(x, 2, 5)));
        assertThat(pooled.tokens()).isEqualTo(whole.tokens());
        // the first layer's input does not depend on any batch norm, so pooling is exact there
        for (int j = 0; j < LOIHI.dModel(); j++) {
            assertThat(pooled.mean()[0][j]).isCloseTo(whole.mean()[0][j], within(1e-12));
            assertThat(pooled.var()[0][j]).isCloseTo(whole.var()[0][j], within(1e-12));
        }
    }

    @Test
    void onlyTheLoihiFlavourTakesBatchNorms() {
        ModelConfig ref = LOIHI.withFlavour(BlockFlavour.REFERENCE);
        assertThatThrownBy(() -> new FloatGradients(ref, 0, LabelSmoothing.NONE, null, true, 1, Kernels.best()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loihi flavour");
        assertThatThrownBy(() -> new ReferenceGradients(ref, 0, LabelSmoothing.NONE, null, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LayerNorm");
        FloatGradients plain = new FloatGradients(LOIHI, 0, 1);
        Parameters params = GradientFixtures.toFloat(LOIHI, GradientFixtures.parameters(LOIHI, 1));
        assertThatThrownBy(() -> plain.statistics(params, GradientFixtures.sequences(1, 3, 2, 1)))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("does not batch-normalise");
        // parameters without γ and β are refused with what is missing
        FloatGradients normed = new FloatGradients(LOIHI, 0, LabelSmoothing.NONE, null, true, 1, Kernels.best());
        assertThatThrownBy(() -> normed.compute(params, GradientFixtures.zeros(LOIHI, true), GradientFixtures.sequences(1, 3, 2, 1),
                new int[]{0}, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch_norms.0.weight");
    }
}
