package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.engine.DiscreteLayer;
import dev.s4d.engine.Discretizer;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.reference.ReferenceModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Ties the reference gradients to core's specification (same kernel as the Discretizer, same loss as
 * ReferenceModel's logits) and checks what finite differences cannot: that the checks would notice a
 * wrong gradient, what dropout does, and the argument checks.
 */
class ReferenceGradientsTest {
    private static final ModelConfig CONFIG = new ModelConfig(2, 4, 6, 2, 3, BlockFlavour.REFERENCE, false,
            Readout.MEAN, Discretization.ZOH);

    @ParameterizedTest
    @EnumSource(Discretization.class)
    void kernelIsTheDiscretizersKernel(Discretization method) {
        ModelConfig config = CONFIG.withDiscretization(method);
        Map<String, double[]> p = GradientFixtures.parameters(config, 5);
        S4DModel model = new S4DModel(config, GradientFixtures.toFloat(config, p));
        int length = 200;   // several blocks of powers
        for (int layer = 0; layer < config.nLayers(); layer++) {
            double[] expected = Discretizer.discretize(model, layer).kernel(length);
            double[] actual = new S4DKernel(method, config.dModel(), config.modes(), p.get(ParameterNames.logDt(layer)),
                    p.get(ParameterNames.logAReal(layer)), p.get(ParameterNames.aImag(layer)), p.get(ParameterNames.c(layer)))
                    .kernel(length);
            double scale = 0;
            for (double v : expected) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < expected.length; i++) assertThat(actual[i]).isCloseTo(expected[i], within(1e-13 * scale));
        }
    }

    static java.util.stream.Stream<ModelConfig> flavours() {
        return java.util.stream.Stream.of(CONFIG, CONFIG.withPrenorm(true), CONFIG.withReadout(Readout.LAST),
                CONFIG.withDiscretization(Discretization.BILINEAR), CONFIG.withFlavour(BlockFlavour.LOIHI));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("flavours")
    void withoutDropoutTheLossIsThatOfReferenceModelsLogits(ModelConfig config) {
        Map<String, double[]> p = GradientFixtures.parameters(config, 8);
        float[][] x = GradientFixtures.sequences(3, 11, config.dInput(), 9);
        int[] labels = {0, 2, 1};
        ReferenceModel model = new ReferenceModel(new S4DModel(config, GradientFixtures.toFloat(config, p)));
        double expected = 0;
        int correct = 0;
        for (int b = 0; b < x.length; b++) {
            double[] logits = model.logits(x[b], 11, ReferenceModel.Mode.CONVOLUTION);
            expected += DoubleLayers.crossEntropy(logits, labels[b], LabelSmoothing.NONE, new double[logits.length]) / x.length;
            if (DoubleLayers.argmax(logits) == labels[b]) correct++;
        }
        var stats = new ReferenceGradients(config, 0).compute(p, new LinkedHashMap<>(), x, labels, 1);
        assertThat(stats.loss()).isCloseTo(expected, within(1e-12));
        assertThat(stats.correct()).isEqualTo(correct);
        assertThat(stats.count()).isEqualTo(3);
    }

    @Test
    void theCriterionRejectsAGradientOffByAPercentInOneElement() {
        Map<String, double[]> p = GradientFixtures.parameters(CONFIG, 3);
        float[][] x = GradientFixtures.sequences(2, 8, CONFIG.dInput(), 4);
        int[] labels = {1, 2};
        ReferenceGradients ref = new ReferenceGradients(CONFIG, 0.2);
        Map<String, double[]> analytic = new LinkedHashMap<>();
        ref.compute(p, analytic, x, labels, 5);
        FiniteDifferences.Numeric numeric = FiniteDifferences.numeric(() -> ref.loss(p, x, labels, 5), p);
        assertThat(FiniteDifferences.mismatches(analytic, numeric)).isEmpty();
        for (String name : new String[]{ParameterNames.logAReal(0), ParameterNames.mixWeight(1), ParameterNames.normBias(0)}) {
            double[] g = analytic.get(name);
            int largest = 0;
            for (int i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[largest])) largest = i;
            double saved = g[largest];
            g[largest] *= 1.01;
            assertThat(FiniteDifferences.mismatches(analytic, numeric)).as(name).hasSize(1);
            g[largest] = saved;
        }
    }

    @Test
    void dropoutChangesTheLossAndDependsOnlyOnTheSeed() {
        Map<String, double[]> p = GradientFixtures.parameters(CONFIG, 6);
        float[][] x = GradientFixtures.sequences(3, 10, CONFIG.dInput(), 7);
        int[] labels = {0, 1, 2};
        double plain = new ReferenceGradients(CONFIG, 0).loss(p, x, labels, 1);
        ReferenceGradients dropped = new ReferenceGradients(CONFIG, 0.5);
        assertThat(dropped.loss(p, x, labels, 1)).isNotCloseTo(plain, within(1e-6))
                .isEqualTo(dropped.loss(p, x, labels, 1))
                .isNotEqualTo(dropped.loss(p, x, labels, 2));
        // the seed is ignored without dropout
        assertThat(new ReferenceGradients(CONFIG, 0).loss(p, x, labels, 2)).isEqualTo(plain);
    }

    @Test
    void floatContractWritesTheDoubleGradientRounded() {
        Map<String, double[]> p = GradientFixtures.parameters(CONFIG, 10);
        float[][] x = GradientFixtures.sequences(2, 7, CONFIG.dInput(), 11);
        int[] labels = {2, 0};
        ReferenceGradients ref = new ReferenceGradients(CONFIG, 0.1);
        Map<String, double[]> expected = new LinkedHashMap<>();
        var doubleStats = ref.compute(p, expected, x, labels, 3);
        Parameters grads = GradientFixtures.zeros(CONFIG);
        var floatStats = ref.compute(GradientFixtures.toFloat(CONFIG, p), grads, x, labels, 3);
        assertThat(floatStats).isEqualTo(doubleStats);
        expected.forEach((name, g) -> {
            float[] actual = grads.get(name).data();
            for (int i = 0; i < g.length; i++) assertThat(actual[i]).isEqualTo((float) g[i]);
        });
    }

    @Test
    void badBatchesAreRejectedWithWhatWasExpected() {
        ReferenceGradients ref = new ReferenceGradients(CONFIG, 0);
        Parameters params = GradientFixtures.toFloat(CONFIG, GradientFixtures.parameters(CONFIG, 1));
        Parameters grads = GradientFixtures.zeros(CONFIG);
        assertThatThrownBy(() -> ref.compute(params, grads, new float[0][], new int[0], 0)).hasMessageContaining("empty batch");
        assertThatThrownBy(() -> ref.compute(params, grads, new float[][]{new float[4], new float[6]}, new int[]{0, 0}, 0))
                .hasMessageContaining("equal lengths");
        assertThatThrownBy(() -> ref.compute(params, grads, new float[][]{new float[5]}, new int[]{0}, 0))
                .hasMessageContaining("multiple of d_input=2");
        assertThatThrownBy(() -> ref.compute(params, grads, new float[][]{new float[4]}, new int[]{3}, 0))
                .hasMessageContaining("label 3");
        assertThatThrownBy(() -> ref.compute(params, grads, new float[][]{new float[4]}, new int[]{0, 1}, 0))
                .hasMessageContaining("1 sequences but 2 labels");
        Parameters other = GradientFixtures.zeros(CONFIG.withFlavour(BlockFlavour.LOIHI));
        assertThatThrownBy(() -> ref.compute(params, other, new float[][]{new float[4]}, new int[]{0}, 0))
                .hasMessageContaining("grads");
        assertThatThrownBy(() -> new ReferenceGradients(CONFIG, 1.0)).hasMessageContaining("dropout");
    }
}
