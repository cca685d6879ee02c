package dev.s4d.engine;

import dev.s4d.model.Discretization;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.S4DModel;

/**
 * The only place that turns S4D parameters (log Δ, log(−Re A), Im A, C) into discrete coefficients.
 * Every engine compiles from its output, so they cannot disagree on the discretisation.
 */
public final class Discretizer {
    private Discretizer() {
    }

    public static DiscreteLayer discretize(S4DModel model, int layer) {
        var c = model.config();
        int h = c.dModel();
        int m = c.modes();
        float[] logDt = model.get(ParameterNames.logDt(layer)).data();
        float[] logAReal = model.get(ParameterNames.logAReal(layer)).data();
        float[] aImag = model.get(ParameterNames.aImag(layer)).data();
        float[] cc = model.get(ParameterNames.c(layer)).data();
        float[] dd = model.get(ParameterNames.d(layer)).data();
        double[] aRe = new double[h * m];
        double[] aIm = new double[h * m];
        double[] bRe = new double[h * m];
        double[] bIm = new double[h * m];
        double[] cRe = new double[h * m];
        double[] cIm = new double[h * m];
        double[] d = new double[h];
        for (int ch = 0; ch < h; ch++) {
            double dt = Math.exp(logDt[ch]);
            d[ch] = dd[ch];
            for (int n = 0; n < m; n++) {
                int i = ch * m + n;
                double ar = -Math.exp(logAReal[i]);
                double ai = aImag[i];
                double zr = dt * ar; // ΔA
                double zi = dt * ai;
                double abr;
                double abi;
                double bbr;
                double bbi;
                if (c.discretization() == Discretization.ZOH) {
                    double e = Math.exp(zr);
                    abr = e * Math.cos(zi);
                    abi = e * Math.sin(zi);
                    // B̄ = (Ā − 1)/A
                    double[] q = divide(abr - 1.0, abi, ar, ai);
                    bbr = q[0];
                    bbi = q[1];
                } else {
                    // Ā = (1 + ΔA/2)/(1 − ΔA/2), B̄ = Δ/(1 − ΔA/2)
                    double[] q = divide(1.0 + zr / 2, zi / 2, 1.0 - zr / 2, -zi / 2);
                    abr = q[0];
                    abi = q[1];
                    double[] b = divide(dt, 0.0, 1.0 - zr / 2, -zi / 2);
                    bbr = b[0];
                    bbi = b[1];
                }
                double cr = cc[2 * i];
                double ci = cc[2 * i + 1];
                aRe[i] = abr;
                aIm[i] = abi;
                bRe[i] = bbr;
                bIm[i] = bbi;
                cRe[i] = cr * bbr - ci * bbi;
                cIm[i] = cr * bbi + ci * bbr;
            }
        }
        return new DiscreteLayer(h, m, aRe, aIm, bRe, bIm, cRe, cIm, d);
    }

    private static double[] divide(double ar, double ai, double br, double bi) {
        double den = br * br + bi * bi;
        return new double[]{(ar * br + ai * bi) / den, (ai * br - ar * bi) / den};
    }
}
