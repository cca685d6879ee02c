package dev.s4d.loihi.quant;

import dev.s4d.engine.DiscreteLayer;
import dev.s4d.engine.Discretizer;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.S4DModel;

/**
 * One S4D layer in the form the chip computes it (docs/LOIHI_ARITHMETIC.md, step 4), in double and
 * laid out [channel][mode] (index h·modes + n): {@code x = Ā⊙x + B̄·u}, {@code y = 2·Re Σₙ C⊙x + D·u}.
 * Unlike {@link DiscreteLayer}, B̄ stays at the input and C is the layer's raw C, not C̃ = C·B̄.
 */
public record S4DCoefficients(int channels, int modes,
                              double[] aRe, double[] aIm, double[] bRe, double[] bIm,
                              double[] cRe, double[] cIm, double[] d) {

    public S4DCoefficients {
        if (channels <= 0 || modes <= 0) {
            throw new IllegalArgumentException("S4D layer needs positive sizes, got " + channels + " channels × " + modes + " modes");
        }
        int n = channels * modes;
        for (double[] a : new double[][]{aRe, aIm, bRe, bIm, cRe, cIm}) {
            if (a == null || a.length != n) throw new IllegalArgumentException("S4D coefficient arrays need " + n + " values");
        }
        if (d == null || d.length != channels) throw new IllegalArgumentException("D needs " + channels + " values");
    }

    /**
     * Layer {@code layer} of a model: Ā and B̄ from the {@link Discretizer} (the engines' discretisation),
     * C read from the parameters (exact: float to double), D likewise.
     */
    public static S4DCoefficients of(S4DModel model, int layer) {
        DiscreteLayer disc = Discretizer.discretize(model, layer);
        float[] c = model.get(ParameterNames.c(layer)).data(); // (H, N/2, 2), [re, im] last
        int n = disc.channels() * disc.modes();
        double[] cRe = new double[n];
        double[] cIm = new double[n];
        for (int i = 0; i < n; i++) {
            cRe[i] = c[2 * i];
            cIm[i] = c[2 * i + 1];
        }
        return new S4DCoefficients(disc.channels(), disc.modes(), disc.aRe(), disc.aIm(), disc.bRe(), disc.bIm(),
                cRe, cIm, disc.d());
    }
}
