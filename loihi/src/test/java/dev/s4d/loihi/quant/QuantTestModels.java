package dev.s4d.loihi.quant;

import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/** Small random loihi models and inputs for the quantisation tests. */
final class QuantTestModels {
    private QuantTestModels() {
    }

    /** Initialised, then every parameter perturbed so no value sits at its initial value. */
    static S4DModel random(ModelConfig config, long seed) {
        S4DModel base = ModelInitializer.initialise(config, new InitOptions(
                seed % 2 == 0 ? InitOptions.AInit.LIN : InitOptions.AInit.INV, 0.001, 0.1, seed));
        SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
        return edit(base, p -> p.replaceAll((name, t) -> {
            float[] v = t.data().clone();
            double scale = name.contains("log_") ? 0.2 : name.contains("A_imag") ? 0.5 : 0.1;
            for (int i = 0; i < v.length; i++) v[i] += (float) (rng.nextGaussian() * scale);
            return new Tensor(t.shape(), v);
        }));
    }

    /** A reference-flavour model, which the chip cannot run. */
    static S4DModel randomReference() {
        return ModelInitializer.initialise(ModelConfig.reference(2, 8, 8, 2, 3), InitOptions.defaults(1));
    }

    /** A copy of {@code model} with its parameter map changed by {@code change}. */
    static S4DModel edit(S4DModel model, Consumer<Map<String, Tensor>> change) {
        Map<String, Tensor> p = new LinkedHashMap<>(model.parameters().copy().asMap());
        change.accept(p);
        return new S4DModel(model.config(), new Parameters(p));
    }

    static float[] sequence(int length, int dInput, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] s = new float[length * dInput];
        for (int i = 0; i < s.length; i++) s[i] = (float) rng.nextGaussian();
        return s;
    }

    static float[][] sequences(int count, int length, int dInput, long seed) {
        float[][] s = new float[count][];
        for (int i = 0; i < count; i++) s[i] = sequence(length, dInput, seed * 1000 + i);
        return s;
    }
}
