package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole model's gradient, every parameter element of every flavour and option, against central
 * finite differences of {@link ReferenceGradients#loss} (criterion in {@link FiniteDifferences}), with
 * dropout on: a fixed seed fixes the masks, so the loss is a smooth function of the parameters.
 */
class ModelGradientCheckTest {

    static Stream<Arguments> configs() {
        ModelConfig ref = new ModelConfig(2, 4, 6, 2, 3, BlockFlavour.REFERENCE, false, Readout.MEAN, Discretization.ZOH);
        return Stream.of(
                Arguments.of("reference post-norm", ref, 12, 3),
                Arguments.of("reference pre-norm", ref.withPrenorm(true), 10, 2),
                Arguments.of("reference last-token readout", ref.withReadout(Readout.LAST), 8, 2),
                Arguments.of("reference bilinear", ref.withDiscretization(Discretization.BILINEAR), 9, 3),
                Arguments.of("loihi mean", new ModelConfig(3, 3, 4, 2, 4, BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.ZOH), 16, 3),
                Arguments.of("loihi last", new ModelConfig(1, 4, 4, 3, 2, BlockFlavour.LOIHI, false, Readout.LAST, Discretization.ZOH), 20, 2),
                Arguments.of("loihi bilinear", new ModelConfig(2, 3, 6, 2, 3, BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.BILINEAR), 6, 3),
                Arguments.of("loihi mean, distilled", new ModelConfig(3, 3, 4, 2, 4, BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.ZOH), 12, 3),
                Arguments.of("reference post-norm, distilled", ref, 10, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyParameterMatchesFiniteDifferences(String name, ModelConfig config, int length, int batch) {
        long seed = name.hashCode();
        Map<String, double[]> params = GradientFixtures.parameters(config, seed);
        float[][] x = GradientFixtures.sequences(batch, length, config.dInput(), seed + 1);
        int[] labels = GradientFixtures.labels(batch, config.nClasses(), seed + 2);
        // the distilled cases blend in a teacher of the other flavour at temperature 2, and smooth the label part
        ReferenceGradients ref = name.endsWith("distilled")
                ? new ReferenceGradients(config, 0.3, new LabelSmoothing(0.1), new Distillation(GradientFixtures.teacherFor(config, 5), 0.6, 2.0))
                : new ReferenceGradients(config, 0.3);
        long dropoutSeed = 99;

        Map<String, double[]> analytic = new java.util.LinkedHashMap<>();
        ref.compute(params, analytic, x, labels, dropoutSeed);
        FiniteDifferences.Numeric numeric = FiniteDifferences.numeric(() -> ref.loss(params, x, labels, dropoutSeed), params);

        System.out.printf("%s: worst relative error %.2g of elements above %.2g%n", name,
                FiniteDifferences.worstRelative(analytic, numeric), 1e4 * numeric.tau());
        FiniteDifferences.assertAgree(name, analytic, numeric);
        analytic.forEach((p, g) -> assertThat(java.util.Arrays.stream(g).anyMatch(v -> v != 0))
                .as("gradient of " + p + " is all zero").isTrue());
    }
}
