package dev.s4d.reference;

import dev.s4d.engine.DiscreteLayer;
import dev.s4d.engine.Discretizer;
import dev.s4d.kernel.Activations;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;

/**
 * The whole forward pass in double precision with plain loops: the specification the float engines
 * are tested against. It runs the sequence mixing either as a direct causal convolution with the
 * kernel K or as the recurrence, so the two forms can be compared in double (they agree to ~1e-12).
 * Slow on purpose (O(L²) convolution); use the engines for real work.
 */
public final class ReferenceModel {

    /** How the S4D layers mix along time. */
    public enum Mode { CONVOLUTION, RECURRENCE }

    private final ModelConfig c;
    private final S4DModel model;
    private final DiscreteLayer[] layers;

    public ReferenceModel(S4DModel model) {
        this.model = model;
        this.c = model.config();
        this.layers = new DiscreteLayer[c.nLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = Discretizer.discretize(model, i);
    }

    /** Logits after the whole sequence ({@code length × d_input} values, token-major). */
    public double[] logits(float[] sequence, int length, Mode mode) {
        double[][] perToken = perTokenLogits(sequence, length, mode);
        return perToken[length - 1];
    }

    /** Logits the model would give after each token: row t uses tokens 0..t only. */
    public double[][] perTokenLogits(float[] sequence, int length, Mode mode) {
        double[] x = lastLayerOutputs(sequence, length, mode);
        int h = c.dModel();
        double[][] out = new double[length][];
        double[] pooled = new double[h];
        double[] sum = new double[h];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < h; j++) {
                sum[j] += x[t * h + j];
                pooled[j] = c.readout() == Readout.MEAN ? sum[j] / (t + 1) : x[t * h + j];
            }
            out[t] = linear(pooled, 1, h, ParameterNames.DECODER_WEIGHT, ParameterNames.DECODER_BIAS, c.nClasses());
        }
        return out;
    }

    /** Outputs of the last block, {@code length × H}, before pooling. */
    public double[] lastLayerOutputs(float[] sequence, int length, Mode mode) {
        if (sequence.length != length * c.dInput()) {
            throw new IllegalArgumentException("sequence has " + sequence.length + " values, expected "
                    + length + " tokens × " + c.dInput());
        }
        int h = c.dModel();
        double[] u = new double[sequence.length];
        for (int i = 0; i < u.length; i++) u[i] = sequence[i];
        double[] x = linear(u, length, c.dInput(), ParameterNames.ENCODER_WEIGHT, ParameterNames.ENCODER_BIAS, h);
        for (int i = 0; i < c.nLayers(); i++) {
            boolean ref = c.flavour() == BlockFlavour.REFERENCE;
            double[] z = x.clone();
            if (ref && c.prenorm()) layerNorm(z, length, i);
            double[] y = mode == Mode.CONVOLUTION ? convolve(layers[i], z, length) : recur(layers[i], z, length);
            for (int k = 0; k < y.length; k++) {
                y[k] = ref ? Activations.gelu(y[k]) : Math.max(y[k], 0.0);
            }
            double[] v = linear(y, length, h, ParameterNames.mixWeight(i), ParameterNames.mixBias(i), c.mixerOutputs());
            if (ref) {
                double[] g = new double[length * h];
                for (int t = 0; t < length; t++) {
                    for (int j = 0; j < h; j++) {
                        g[t * h + j] = v[t * 2 * h + j] * Activations.sigmoid(v[t * 2 * h + h + j]) + x[t * h + j];
                    }
                }
                if (!c.prenorm()) layerNorm(g, length, i);
                x = g;
            } else {
                x = v;
            }
        }
        return x;
    }

    private static double[] convolve(DiscreteLayer layer, double[] z, int length) {
        int h = layer.channels();
        double[] k = layer.kernel(length);
        double[] y = new double[length * h];
        for (int ch = 0; ch < h; ch++) {
            for (int t = 0; t < length; t++) {
                double acc = layer.d()[ch] * z[t * h + ch];
                for (int s = 0; s <= t; s++) acc += k[ch * length + (t - s)] * z[s * h + ch];
                y[t * h + ch] = acc;
            }
        }
        return y;
    }

    private static double[] recur(DiscreteLayer layer, double[] z, int length) {
        int h = layer.channels();
        int m = layer.modes();
        double[] sr = new double[h * m];
        double[] si = new double[h * m];
        double[] y = new double[length * h];
        for (int t = 0; t < length; t++) {
            for (int ch = 0; ch < h; ch++) {
                double u = z[t * h + ch];
                double acc = 0;
                for (int n = 0; n < m; n++) {
                    int i = ch * m + n;
                    double nr = layer.aRe()[i] * sr[i] - layer.aIm()[i] * si[i] + u;
                    double ni = layer.aRe()[i] * si[i] + layer.aIm()[i] * sr[i];
                    sr[i] = nr;
                    si[i] = ni;
                    acc += layer.cRe()[i] * nr - layer.cIm()[i] * ni;
                }
                y[t * h + ch] = 2 * acc + layer.d()[ch] * u;
            }
        }
        return y;
    }

    private double[] linear(double[] x, int rows, int in, String weight, String bias, int out) {
        float[] w = model.get(weight).data();
        float[] b = model.get(bias).data();
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) acc += x[r * in + i] * (double) w[o * in + i];
                y[r * out + o] = acc;
            }
        }
        return y;
    }

    private void layerNorm(double[] x, int rows, int layer) {
        int h = c.dModel();
        float[] w = model.get(ParameterNames.normWeight(layer)).data();
        float[] b = model.get(ParameterNames.normBias(layer)).data();
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < h; j++) mean += x[r * h + j];
            mean /= h;
            double var = 0;
            for (int j = 0; j < h; j++) var += (x[r * h + j] - mean) * (x[r * h + j] - mean);
            var /= h;
            double inv = 1.0 / Math.sqrt(var + LAYER_NORM_EPS);
            for (int j = 0; j < h; j++) x[r * h + j] = (x[r * h + j] - mean) * inv * w[j] + b[j];
        }
    }

    /** PyTorch's LayerNorm default. */
    public static final double LAYER_NORM_EPS = 1e-5;
}
