package dev.s4d.train;

import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The AdamW optimiser with parameter groups, with exactly PyTorch's {@code torch.optim.AdamW} update
 * (decoupled weight decay, bias-corrected moments), so a recipe tuned in PyTorch carries over:
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
 *   p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 * Each update is computed in double and rounded to float where PyTorch's float32 tensors round: after
 * the decay, after each moment, after the step. The moments are kept as float arrays, like PyTorch's
 * state, so a checkpoint stores them exactly.
 */
public final class AdamW {

    /**
     * A parameter group: peak learning rate and weight decay shared by its parameters.
     *
     * @param name        for messages
     * @param lr          learning rate before the schedule's factor
     * @param weightDecay decoupled decay per unit of learning rate
     */
    public record Group(String name, double lr, double weightDecay) {
        public Group {
            if (!(lr >= 0 && Double.isFinite(lr))) throw new IllegalArgumentException("group " + name + ": lr must be >= 0, got " + lr);
            if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
                throw new IllegalArgumentException("group " + name + ": weight decay must be >= 0, got " + weightDecay);
            }
        }
    }

    private final String[] names;
    private final int[][] shapes;
    private final Group[] groups;
    private final float[][] m;
    private final float[][] v;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private long steps;

    /**
     * @param params  the parameters to optimise: their names and shapes fix the moment buffers
     * @param groupOf the group of each parameter name
     */
    public AdamW(Parameters params, Function<String, Group> groupOf, double beta1, double beta2, double eps) {
        int n = params.names().size();
        this.names = params.names().toArray(new String[0]);
        this.shapes = new int[n][];
        this.groups = new Group[n];
        this.m = new float[n][];
        this.v = new float[n][];
        for (int i = 0; i < n; i++) {
            groups[i] = groupOf.apply(names[i]);
            shapes[i] = params.get(names[i]).shape();
            int size = params.get(names[i]).size();
            m[i] = new float[size];
            v[i] = new float[size];
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** The optimiser of {@link TrainConfig}: its groups, betas and epsilon. */
    public static AdamW of(Parameters params, TrainConfig c) {
        return new AdamW(params, c::groupOf, c.beta1(), c.beta2(), c.eps());
    }

    /**
     * One update of {@code params} in place.
     *
     * @param grads    gradient of each parameter (same names and shapes)
     * @param lrFactor the schedule's factor for this step; each group's rate is multiplied by it
     */
    public void step(Parameters params, Parameters grads, double lrFactor) {
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double sqrtCorrection2 = Math.sqrt(1 - Math.pow(beta2, steps));
        for (int i = 0; i < names.length; i++) {
            float[] p = params.get(names[i]).data();
            float[] g = grads.get(names[i]).data();
            float[] mi = m[i];
            float[] vi = v[i];
            double lr = groups[i].lr() * lrFactor;
            double decay = 1 - lr * groups[i].weightDecay();
            double stepSize = lr / correction1;
            for (int k = 0; k < p.length; k++) {
                float decayed = (float) (p[k] * decay);
                double gk = g[k];
                mi[k] = (float) (beta1 * mi[k] + (1 - beta1) * gk);
                vi[k] = (float) (beta2 * vi[k] + (1 - beta2) * gk * gk);
                double denominator = Math.sqrt(vi[k]) / sqrtCorrection2 + eps;
                p[k] = (float) (decayed - stepSize * mi[k] / denominator);
            }
        }
    }

    /** Updates taken so far (PyTorch's per-parameter {@code step}, equal for all parameters here). */
    public long steps() {
        return steps;
    }

    /** The group a parameter was put in. */
    public Group group(String name) {
        return groups[indexOf(name)];
    }

    /** The first moments (exp_avg), named like the parameters; the arrays are the optimiser's own. */
    public Parameters firstMoments() {
        return named(m);
    }

    /** The second moments (exp_avg_sq), named like the parameters; the arrays are the optimiser's own. */
    public Parameters secondMoments() {
        return named(v);
    }

    /** Continues from saved moments and step count, as if the saved optimiser had never stopped. */
    public void restore(Parameters firstMoments, Parameters secondMoments, long steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be non-negative, got " + steps);
        copyInto(firstMoments, m, "first moment");
        copyInto(secondMoments, v, "second moment");
        this.steps = steps;
    }

    private void copyInto(Parameters saved, float[][] target, String what) {
        if (!saved.names().equals(Set.of(names))) {
            throw new IllegalArgumentException(what + "s are for parameters " + saved.names() + ", expected " + Arrays.toString(names));
        }
        for (int i = 0; i < names.length; i++) {
            Tensor from = saved.get(names[i]);
            if (!from.hasShape(shapes[i])) {
                throw new IllegalArgumentException(what + " of '" + names[i] + "' has shape " + from.shapeString()
                        + ", expected " + Arrays.toString(shapes[i]));
            }
            System.arraycopy(from.data(), 0, target[i], 0, target[i].length);
        }
    }

    private Parameters named(float[][] buffers) {
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) map.put(names[i], new Tensor(shapes[i], buffers[i]));
        return new Parameters(map);
    }

    private int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) return i;
        }
        throw new IllegalArgumentException("the optimiser has no parameter '" + name + "'");
    }
}
