package dev.s4d.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Draws a fresh model the way the public reference does: S4D-Lin or S4D-Inv for A, log-uniform Δ,
 * complex-normal C (each part N(0, 1/2)), standard-normal D, and PyTorch's default uniform
 * ±1/√fan_in for linear layers; LayerNorm starts at weight 1, bias 0.
 */
public final class ModelInitializer {
    private ModelInitializer() {
    }

    public static S4DModel initialise(ModelConfig config, InitOptions options) {
        SplittableRandom rng = new SplittableRandom(options.seed());
        int h = config.dModel();
        int m = config.modes();
        int n = config.dState();
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put(ParameterNames.ENCODER_WEIGHT, uniform(rng, config.dInput(), h, config.dInput()));
        p.put(ParameterNames.ENCODER_BIAS, uniform(rng, config.dInput(), h));
        for (int i = 0; i < config.nLayers(); i++) {
            p.put(ParameterNames.d(i), normal(rng, 1.0, h));
            float[] logDt = new float[h];
            double lo = Math.log(options.dtMin());
            double hi = Math.log(options.dtMax());
            for (int k = 0; k < h; k++) logDt[k] = (float) (lo + rng.nextDouble() * (hi - lo));
            p.put(ParameterNames.logDt(i), new Tensor(new int[]{h}, logDt));
            p.put(ParameterNames.c(i), normal(rng, Math.sqrt(0.5), h, m, 2));
            float[] logAReal = new float[h * m];
            float[] aImag = new float[h * m];
            for (int k = 0; k < h; k++) {
                for (int j = 0; j < m; j++) {
                    logAReal[k * m + j] = (float) Math.log(0.5);
                    aImag[k * m + j] = (float) switch (options.aInit()) {
                        case LIN -> Math.PI * j;
                        case INV -> (n / Math.PI) * (n / (2.0 * j + 1.0) - 1.0);
                    };
                }
            }
            p.put(ParameterNames.logAReal(i), new Tensor(new int[]{h, m}, logAReal));
            p.put(ParameterNames.aImag(i), new Tensor(new int[]{h, m}, aImag));
            p.put(ParameterNames.mixWeight(i), uniform(rng, h, config.mixerOutputs(), h, 1));
            p.put(ParameterNames.mixBias(i), uniform(rng, h, config.mixerOutputs()));
        }
        if (config.flavour() == BlockFlavour.REFERENCE) {
            for (int i = 0; i < config.nLayers(); i++) {
                float[] ones = new float[h];
                java.util.Arrays.fill(ones, 1f);
                p.put(ParameterNames.normWeight(i), new Tensor(new int[]{h}, ones));
                p.put(ParameterNames.normBias(i), Tensor.zeros(h));
            }
        }
        p.put(ParameterNames.DECODER_WEIGHT, uniform(rng, h, config.nClasses(), h));
        p.put(ParameterNames.DECODER_BIAS, uniform(rng, h, config.nClasses()));
        return new S4DModel(config, new Parameters(p));
    }

    private static Tensor uniform(SplittableRandom rng, int fanIn, int... shape) {
        Tensor t = Tensor.zeros(shape);
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        return t;
    }

    private static Tensor normal(SplittableRandom rng, double std, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (rng.nextGaussian() * std);
        return t;
    }
}
