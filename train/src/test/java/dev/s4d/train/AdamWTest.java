package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AdamW against PyTorch's own steps: the expected values are printed by
 * {@code tools/adamw/adamw_reference.py} (torch 1.13, kept in {@code tools/adamw/expected.txt}).
 */
class AdamWTest {

    private static final float[][] GRADS_A = {{0.3f, -0.2f, 1.5f}, {0.1f, 0.4f, -2.0f}, {-0.7f, 0.0f, 0.25f}, {1e-4f, -3.0f, 0.5f}};
    private static final float[][] GRADS_B = {{2.0f, -0.01f}, {-1.0f, 0.02f}, {0.5f, 0.0f}, {0.0f, 1e3f}};
    private static final double[] FACTORS = {1.0, 0.75, 0.5, 0.25};

    private static final float[][] TORCH_A = {
            {4.899500012e-01f, -1.239874959e+00f, 1.989799976e+00f},
            {4.833802879e-01f, -1.242527723e+00f, 1.991102099e+00f},
            {4.848824739e-01f, -1.243880630e+00f, 1.991428733e+00f},
            {4.854953289e-01f, -1.242497921e+00f, 1.991266370e+00f}};
    private static final float[][] TORCH_B = {
            {9.899999946e-02f, -2.990000248e-01f},
            {9.880024940e-02f, -2.992745936e-01f},
            {9.863003343e-02f, -2.994160950e-01f},
            {9.856031835e-02f, -2.995613813e-01f}};
    private static final float[] TORCH_EXP_AVG_A = {-3.302000090e-02f, -2.821800113e-01f, 1.985000819e-02f};
    private static final float[] TORCH_EXP_AVG_SQ_A = {5.892203189e-04f, 9.199560620e-03f, 6.547698285e-03f};
    private static final float[] TORCH_EXP_AVG_B = {1.097999886e-01f, 1.000008926e+02f};
    private static final float[] TORCH_EXP_AVG_SQ_B = {5.235763267e-03f, 1.000000000e+03f};

    private static Parameters params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", new Tensor(new int[]{3}, new float[]{0.5f, -1.25f, 2.0f}));
        m.put("b", new Tensor(new int[]{1, 2}, new float[]{0.1f, -0.3f}));
        return new Parameters(m);
    }

    private static Parameters grads(int step) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", new Tensor(new int[]{3}, GRADS_A[step].clone()));
        m.put("b", new Tensor(new int[]{1, 2}, GRADS_B[step].clone()));
        return new Parameters(m);
    }

    private static AdamW optimizer(Parameters p) {
        return new AdamW(p, name -> name.equals("a") ? new AdamW.Group("main", 1e-2, 1e-2) : new AdamW.Group("ssm", 1e-3, 0),
                0.9, 0.999, 1e-8);
    }

    /** Equal up to a few float ulps: PyTorch rounds after every tensor operation, we once per stored value. */
    private static void assertCloseToTorch(float[] actual, float[] torch) {
        assertThat(actual).hasSameSizeAs(torch);
        for (int i = 0; i < torch.length; i++) {
            assertThat(Math.abs(actual[i] - torch[i])).as("index %d: %s vs torch %s", i, actual[i], torch[i])
                    .isLessThanOrEqualTo(4 * Math.ulp(torch[i]));
        }
    }

    @Test
    void stepsMatchPyTorchAdamWWithTwoGroupsAndAScheduledRate() {
        Parameters p = params();
        AdamW opt = optimizer(p);
        for (int step = 0; step < 4; step++) {
            opt.step(p, grads(step), FACTORS[step]);
            assertCloseToTorch(p.get("a").data(), TORCH_A[step]);
            assertCloseToTorch(p.get("b").data(), TORCH_B[step]);
        }
        assertThat(opt.steps()).isEqualTo(4);
        assertCloseToTorch(opt.firstMoments().get("a").data(), TORCH_EXP_AVG_A);
        assertCloseToTorch(opt.secondMoments().get("a").data(), TORCH_EXP_AVG_SQ_A);
        assertCloseToTorch(opt.firstMoments().get("b").data(), TORCH_EXP_AVG_B);
        assertCloseToTorch(opt.secondMoments().get("b").data(), TORCH_EXP_AVG_SQ_B);
        assertThat(opt.firstMoments().get("b").shape()).containsExactly(1, 2);
    }

    @Test
    void restoredOptimiserContinuesBitForBit() {
        Parameters straight = params();
        AdamW a = optimizer(straight);
        for (int step = 0; step < 4; step++) a.step(straight, grads(step), FACTORS[step]);

        Parameters resumed = params();
        AdamW first = optimizer(resumed);
        for (int step = 0; step < 2; step++) first.step(resumed, grads(step), FACTORS[step]);
        AdamW second = optimizer(resumed);
        second.restore(first.firstMoments().copy(), first.secondMoments().copy(), first.steps());
        for (int step = 2; step < 4; step++) second.step(resumed, grads(step), FACTORS[step]);

        assertThat(resumed.asMap()).isEqualTo(straight.asMap());
    }

    @Test
    void restoreRefusesMomentsOfOtherParameters() {
        Parameters p = params();
        AdamW opt = optimizer(p);
        Map<String, Tensor> wrongShape = new LinkedHashMap<>(opt.firstMoments().asMap());
        wrongShape.put("b", Tensor.zeros(2));
        assertThatThrownBy(() -> opt.restore(new Parameters(wrongShape), opt.secondMoments(), 1))
                .hasMessageContaining("first moment of 'b' has shape [2], expected [1, 2]");
        Map<String, Tensor> missing = new LinkedHashMap<>(opt.firstMoments().asMap());
        missing.remove("b");
        assertThatThrownBy(() -> opt.restore(opt.firstMoments(), new Parameters(missing), 1))
                .hasMessageContaining("second moments are for parameters [a]");
    }

    @Test
    void trainConfigPutsStepSizeAndStateMatrixInTheSlowGroupWithoutDecay() {
        TrainConfig c = TrainConfig.defaults();
        for (String ssm : new String[]{"s4_layers.0.kernel.log_dt", "s4_layers.3.kernel.log_A_real", "s4_layers.1.kernel.A_imag"}) {
            assertThat(c.groupOf(ssm)).as(ssm).isEqualTo(new AdamW.Group("ssm", 0.001, 0.0));
        }
        for (String other : new String[]{"s4_layers.0.kernel.C", "s4_layers.0.D", "encoder.weight", "decoder.bias",
                "s4_layers.0.output_linear.0.weight", "norms.0.weight"}) {
            assertThat(c.groupOf(other)).as(other).isEqualTo(new AdamW.Group("default", 0.01, 0.01));
        }
    }
}
