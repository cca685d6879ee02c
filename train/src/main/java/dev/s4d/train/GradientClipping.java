package dev.s4d.train;

import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;

/**
 * Global-norm gradient clipping as PyTorch's {@code torch.nn.utils.clip_grad_norm_}: when the L2 norm
 * of all gradients together exceeds the limit, every gradient is scaled by
 * {@code limit / (norm + 1e-6)}, so one exploding batch cannot throw the parameters far.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** PyTorch's guard against dividing by a zero norm; kept so results agree with its clipping. */
    static final double EPSILON = 1e-6;

    /** The global L2 norm of the gradients, summed in double. */
    public static double globalNorm(Parameters grads) {
        double sum = 0;
        for (Tensor t : grads.asMap().values()) {
            for (float g : t.data()) sum += (double) g * g;
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales {@code grads} in place if their global norm exceeds {@code maxNorm}.
     *
     * @return the norm before clipping
     */
    public static double clip(Parameters grads, double maxNorm) {
        double norm = globalNorm(grads);
        double scale = maxNorm / (norm + EPSILON);
        if (scale < 1) {
            for (Tensor t : grads.asMap().values()) {
                float[] g = t.data();
                for (int k = 0; k < g.length; k++) g[k] = (float) (g[k] * scale);
            }
        }
        return norm;
    }
}
