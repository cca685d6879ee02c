package dev.s4d.train.grad;

import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Models, batches and parameter conversions for the gradient tests. */
final class GradientFixtures {
    private GradientFixtures() {
    }

    /**
     * Initialised, then every value moved by a random amount, so that no gradient is trivially zero (a
     * LayerNorm at weight 1, bias 0 would hide a swapped weight and bias gradient).
     */
    static Map<String, double[]> parameters(ModelConfig config, long seed) {
        Parameters init = ModelInitializer.initialise(config, new InitOptions(
                seed % 2 == 0 ? InitOptions.AInit.LIN : InitOptions.AInit.INV, 0.01, 0.1, seed)).parameters();
        SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
        Map<String, double[]> p = new LinkedHashMap<>();
        init.asMap().forEach((name, t) -> {
            double scale = name.contains("log_") ? 0.2 : name.contains("A_imag") ? 0.5 : name.startsWith("norms") ? 0.3 : 0.1;
            double[] v = new double[t.size()];
            // float-representable values, so the float and double paths see the same model
            for (int i = 0; i < v.length; i++) v[i] = (float) (t.data()[i] + rng.nextGaussian() * scale);
            p.put(name, v);
        });
        return p;
    }

    /** As {@link #parameters(ModelConfig, long)}, with batch norms' γ near 1 and β near 0 added. */
    static Map<String, double[]> withBatchNorms(ModelConfig config, long seed) {
        Map<String, double[]> p = parameters(config, seed);
        SplittableRandom rng = new SplittableRandom(seed * 17 + 3);
        for (int i = 0; i < config.nLayers(); i++) {
            double[] gamma = new double[config.dModel()];
            double[] beta = new double[config.dModel()];
            for (int j = 0; j < gamma.length; j++) {
                gamma[j] = (float) (1 + 0.3 * rng.nextGaussian());
                beta[j] = (float) (0.3 * rng.nextGaussian());
            }
            p.put(BatchNorms.weight(i), gamma);
            p.put(BatchNorms.bias(i), beta);
        }
        return p;
    }

    static Parameters toFloat(ModelConfig config, Map<String, double[]> p) {
        return toFloat(config, false, p);
    }

    static Parameters toFloat(ModelConfig config, boolean batchNorm, Map<String, double[]> p) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        BatchNorms.trainedShapes(config, batchNorm).forEach((name, shape) -> {
            double[] d = p.get(name);
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            m.put(name, new Tensor(shape, f));
        });
        return new Parameters(m);
    }

    static Parameters zeros(ModelConfig config) {
        return zeros(config, false);
    }

    static Parameters zeros(ModelConfig config, boolean batchNorm) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        BatchNorms.trainedShapes(config, batchNorm).forEach((name, shape) -> m.put(name, Tensor.zeros(shape)));
        return new Parameters(m);
    }

    static float[][] sequences(int batch, int length, int dInput, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] s = new float[batch][length * dInput];
        for (float[] row : s) {
            for (int i = 0; i < row.length; i++) row[i] = (float) rng.nextGaussian();
        }
        return s;
    }

    static int[] labels(int batch, int classes, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] l = new int[batch];
        for (int i = 0; i < batch; i++) l[i] = rng.nextInt(classes);
        return l;
    }

    static double[] random(SplittableRandom rng, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextGaussian() * scale;
        return a;
    }

    /**
     * A teacher for a student of {@code student}'s tokens and classes, of the other flavour and its own
     * size, so that it cannot share anything with the student by accident; its logits are scaled up so
     * that its probabilities are far from uniform.
     */
    static Teacher teacherFor(ModelConfig student, long seed) {
        dev.s4d.model.BlockFlavour other = student.flavour() == dev.s4d.model.BlockFlavour.LOIHI
                ? dev.s4d.model.BlockFlavour.REFERENCE : dev.s4d.model.BlockFlavour.LOIHI;
        ModelConfig c = new ModelConfig(student.dInput(), 5, 4, 1, student.nClasses(), other, false, dev.s4d.model.Readout.MEAN,
                dev.s4d.model.Discretization.ZOH);
        Map<String, double[]> p = parameters(c, seed);
        for (double[] v : new double[][]{p.get(dev.s4d.model.ParameterNames.DECODER_WEIGHT)}) {
            for (int i = 0; i < v.length; i++) v[i] *= 8;
        }
        return new Teacher(java.util.List.of(new dev.s4d.model.S4DModel(c, toFloat(c, p))), 2);
    }
}
