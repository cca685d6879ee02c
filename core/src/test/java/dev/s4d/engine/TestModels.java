package dev.s4d.engine;

import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Random models for tests: initialised, then every parameter perturbed so no value sits at its init. */
public final class TestModels {
    private TestModels() {
    }

    public static S4DModel random(ModelConfig config, long seed) {
        S4DModel base = ModelInitializer.initialise(config, new InitOptions(
                seed % 2 == 0 ? InitOptions.AInit.LIN : InitOptions.AInit.INV, 0.001, 0.1, seed));
        SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
        Map<String, Tensor> p = new LinkedHashMap<>();
        base.parameters().asMap().forEach((name, t) -> {
            float[] v = t.data().clone();
            double scale = name.contains("log_") ? 0.2 : name.contains("A_imag") ? 0.5 : 0.1;
            for (int i = 0; i < v.length; i++) v[i] += (float) (rng.nextGaussian() * scale);
            p.put(name, new Tensor(t.shape(), v));
        });
        return new S4DModel(config, new Parameters(p));
    }

    public static float[] sequence(int length, int dInput, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] s = new float[length * dInput];
        for (int i = 0; i < s.length; i++) s[i] = (float) rng.nextGaussian();
        return s;
    }
}
