package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Clipping against torch.nn.utils.clip_grad_norm_ (values from tools/adamw/adamw_reference.py). */
class GradientClippingTest {

    private static Parameters grads() {
        return new Parameters(Map.of(
                "x", new Tensor(new int[]{3}, new float[]{3f, -4f, 0.5f}),
                "y", new Tensor(new int[]{1, 2}, new float[]{12f, 0f})));
    }

    @Test
    void scalesEveryGradientByTheGlobalNormAsPyTorchDoes() {
        Parameters g = grads();
        double norm = GradientClipping.clip(g, 1.0);
        // PyTorch reports the norm as a float32; ours is the double it rounds from.
        assertThat(norm).isCloseTo(1.300961208e+01, within(1e-6));
        assertThat(g.get("x").data()).containsExactly(new float[]{2.305987179e-01f, -3.074649572e-01f, 3.843311965e-02f}, within(1e-8f));
        assertThat(g.get("y").data()).containsExactly(new float[]{9.223948717e-01f, 0f}, within(1e-8f));
        assertThat(GradientClipping.globalNorm(g)).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void leavesGradientsBelowTheLimitUntouched() {
        Parameters g = grads();
        GradientClipping.clip(g, 14.0);
        assertThat(g.asMap()).isEqualTo(grads().asMap());
    }
}
