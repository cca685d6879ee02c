package dev.s4d.train.grad;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Batch normalisation of each S4D layer's input while training a loihi-flavour model, folded away for
 * inference. The loihi block has no normalisation (Meyer et al. 2024 run it without), and without one it
 * trains worse than the reference block; the paper group's public Loihi examples normalise with batch
 * statistics during training instead, which costs nothing on the chip because the normalisation is an
 * affine map per channel that merges into the linear layer before it (the encoder for the first S4D
 * layer, the previous block's pointwise linear for the others).
 *
 * <p>In training, layer i's S4D input is z = γ·(p − μ)/√(σ² + ε) + β per channel, with p the linear
 * layer's output and μ, σ² its mean and biased variance over every token of every sample of the batch.
 * γ and β are training parameters ({@link #weight}, {@link #bias}) that no model file has. For
 * inference the trainer measures μ and σ² over fixed training samples ({@link Statistics}) and
 * {@link #fold}s: the linear layer's row o is scaled by s = γ/√(σ² + ε) and its bias becomes
 * s·(b − μ) + β. The folded model is an ordinary loihi-flavour model.
 */
public final class BatchNorms {
    /** As PyTorch's BatchNorm1d. */
    public static final double EPS = 1e-5;

    private BatchNorms() {
    }

    public static String weight(int layer) {
        return "batch_norms." + layer + ".weight";
    }

    public static String bias(int layer) {
        return "batch_norms." + layer + ".bias";
    }

    /** Refuses configs whose blocks cannot fold a batch norm: only the loihi flavour's S4D inputs follow a bare linear layer. */
    public static void requireFoldable(ModelConfig c) {
        if (c.flavour() != BlockFlavour.LOIHI) {
            throw new IllegalArgumentException("batch normalisation is for the loihi flavour, whose S4D inputs come straight from a"
                    + " linear layer it folds into; the " + c.flavour().id() + " flavour normalises with LayerNorm already");
        }
    }

    /** The parameters training holds: the model's, then γ and β of every layer when {@code batchNorm}. */
    public static Map<String, int[]> trainedShapes(ModelConfig c, boolean batchNorm) {
        Map<String, int[]> s = new LinkedHashMap<>(S4DModel.expectedShapes(c));
        if (batchNorm) {
            for (int i = 0; i < c.nLayers(); i++) {
                s.put(weight(i), new int[]{c.dModel()});
                s.put(bias(i), new int[]{c.dModel()});
            }
        }
        return s;
    }

    /**
     * Checks that {@code p} holds exactly what training a model of {@code c} holds, with those shapes and finite
     * values: the model's parameters (checked as a model) and, with batch norms, their γ and β.
     *
     * @throws IllegalArgumentException saying what is missing, extra, misshapen or not finite
     */
    public static void requireTrained(ModelConfig c, boolean batchNorm, Parameters p) {
        Map<String, int[]> expected = trainedShapes(c, batchNorm);
        for (String name : p.names()) {
            if (!expected.containsKey(name)) {
                throw new IllegalArgumentException("unexpected parameter '" + name + "'" + (batchNorm ? "" : " (a run without batch norms)"));
            }
        }
        Map<String, Tensor> model = new LinkedHashMap<>();
        for (String name : S4DModel.expectedShapes(c).keySet()) {
            if (p.contains(name)) model.put(name, p.get(name));
        }
        new S4DModel(c, new Parameters(model));
        for (int i = 0; batchNorm && i < c.nLayers(); i++) {
            for (String name : new String[]{weight(i), bias(i)}) {
                if (!p.contains(name)) throw new IllegalArgumentException("missing '" + name + "' [" + c.dModel() + "] of a batch-normalised run");
                Tensor t = p.get(name);
                if (!t.hasShape(new int[]{c.dModel()})) {
                    throw new IllegalArgumentException("'" + name + "' has shape " + t.shapeString() + ", expected [" + c.dModel() + "]");
                }
                for (int j = 0; j < t.data().length; j++) {
                    if (!Float.isFinite(t.data()[j])) throw new IllegalArgumentException("'" + name + "' holds " + t.data()[j] + " at flat index " + j);
                }
            }
        }
    }

    /** {@code model}'s parameters with γ = 1 and β = 0 added for every layer: where a batch-normalised run starts. */
    public static Parameters initial(S4DModel model) {
        requireFoldable(model.config());
        Map<String, Tensor> m = new LinkedHashMap<>(model.parameters().copy().asMap());
        int h = model.config().dModel();
        for (int i = 0; i < model.config().nLayers(); i++) {
            float[] ones = new float[h];
            java.util.Arrays.fill(ones, 1f);
            m.put(weight(i), new Tensor(new int[]{h}, ones));
            m.put(bias(i), Tensor.zeros(new int[]{h}));
        }
        return new Parameters(m);
    }

    /**
     * The inference model of a batch-normalised run: {@code trained}'s model parameters with each batch
     * norm merged into the linear layer before it, using the population statistics {@code stats}.
     */
    public static S4DModel fold(ModelConfig c, Parameters trained, Statistics stats) {
        requireFoldable(c);
        int h = c.dModel();
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (String name : S4DModel.expectedShapes(c).keySet()) {
            Tensor t = trained.get(name);
            m.put(name, new Tensor(t.shape(), t.data().clone()));
        }
        for (int i = 0; i < c.nLayers(); i++) {
            String w = i == 0 ? ParameterNames.ENCODER_WEIGHT : ParameterNames.mixWeight(i - 1);
            String b = i == 0 ? ParameterNames.ENCODER_BIAS : ParameterNames.mixBias(i - 1);
            float[] weights = m.get(w).data();
            float[] biases = m.get(b).data();
            float[] gamma = trained.get(weight(i)).data();
            float[] beta = trained.get(bias(i)).data();
            int in = weights.length / h;
            for (int o = 0; o < h; o++) {
                double scale = gamma[o] / Math.sqrt(stats.var[i][o] + EPS);
                for (int j = 0; j < in; j++) weights[o * in + j] = (float) (scale * weights[o * in + j]);
                biases[o] = (float) (scale * (biases[o] - stats.mean[i][o]) + beta[o]);
            }
        }
        return new S4DModel(c, new Parameters(m));
    }

    /**
     * Per layer and channel, the mean and biased variance of the S4D layer's input before normalisation:
     * of one batch as training computes them, or pooled over batches ({@link #pool}) as the population's
     * estimate for {@link #fold}.
     *
     * @param mean   [layer][channel]
     * @param var    [layer][channel]
     * @param tokens how many tokens (samples × length) the moments cover
     */
    public record Statistics(double[][] mean, double[][] var, long tokens) {

        /** The moments of this batch's tokens and {@code other}'s together, as if measured over both at once. */
        public Statistics pool(Statistics other) {
            long n = tokens + other.tokens;
            double wa = (double) tokens / n;
            double wb = (double) other.tokens / n;
            double[][] mu = new double[mean.length][];
            double[][] v = new double[mean.length][];
            for (int i = 0; i < mean.length; i++) {
                mu[i] = new double[mean[i].length];
                v[i] = new double[mean[i].length];
                for (int j = 0; j < mu[i].length; j++) {
                    double a = mean[i][j];
                    double b = other.mean[i][j];
                    mu[i][j] = wa * a + wb * b;
                    // Each part's second moment about the pooled mean: its variance plus its mean's offset squared.
                    v[i][j] = wa * (var[i][j] + (a - mu[i][j]) * (a - mu[i][j])) + wb * (other.var[i][j] + (b - mu[i][j]) * (b - mu[i][j]));
                }
            }
            return new Statistics(mu, v, n);
        }
    }
}
