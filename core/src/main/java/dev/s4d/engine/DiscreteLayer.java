package dev.s4d.engine;

/**
 * One S4D layer after discretisation, in double precision, laid out [channel][mode]:
 * the state transition Ā, the input weights B̄, the output weights C̃ = C·B̄ (B̄ folded in, since
 * B = 1 and u is real), and the skip D. The kernel is K[h][l] = 2·Re Σₙ C̃[h][n]·Ā[h][n]^l, and in
 * recurrent form s_t = Ā⊙s_{t−1} + u_t, y_t = 2·Re Σₙ C̃⊙s_t + D·u_t. The float engines use only the
 * folded form; the fixed-point engine keeps B̄ at the input (x_t = Ā⊙x_{t−1} + B̄·u_t, y_t =
 * 2·Re Σₙ C⊙x_t + D·u_t), so it takes B̄ from here and C back as C̃/B̄.
 */
public record DiscreteLayer(int channels, int modes,
                            double[] aRe, double[] aIm, double[] bRe, double[] bIm,
                            double[] cRe, double[] cIm, double[] d) {

    /** K[h·length + l] for l in [0, length): the causal convolution kernel without the D term. */
    public double[] kernel(int length) {
        double[] k = new double[channels * length];
        for (int h = 0; h < channels; h++) {
            for (int n = 0; n < modes; n++) {
                int i = h * modes + n;
                // Powers by repeated multiplication: in double the error after 10⁴ steps stays ~1e-12.
                double pr = cRe[i];
                double pi = cIm[i];
                for (int l = 0; l < length; l++) {
                    k[h * length + l] += 2.0 * pr;
                    double nr = pr * aRe[i] - pi * aIm[i];
                    pi = pr * aIm[i] + pi * aRe[i];
                    pr = nr;
                }
            }
        }
        return k;
    }

    /** A float copy of one coefficient array transposed to [mode][channel], the recurrent kernels' layout. */
    public static float[] modeMajor(double[] channelMajor, int channels, int modes) {
        float[] out = new float[channels * modes];
        for (int h = 0; h < channels; h++) {
            for (int n = 0; n < modes; n++) out[n * channels + h] = (float) channelMajor[h * modes + n];
        }
        return out;
    }
}
