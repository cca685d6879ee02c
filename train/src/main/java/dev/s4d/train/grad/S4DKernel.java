package dev.s4d.train.grad;

import dev.s4d.model.Discretization;

/**
 * One layer's S4D convolution kernel as a differentiable function of its parameters, in double:
 * K[h][l] = 2·Re Σₙ C̃[h][n]·Ā[h][n]^l with C̃ = C·B̄, where Δ = exp(log_dt[h]),
 * A = −exp(log_A_real[h][n]) + i·A_imag[h][n], and (Ā, B̄) come from ΔA by zero-order hold or the
 * bilinear transform. {@link #backward} maps ∂loss/∂K back to the four parameter arrays.
 *
 * <p>The discretisation is written out here again, next to core's Discretizer (a test holds the two
 * kernels equal), because its derivatives need B̄ on its own and ∂Ā, ∂B̄ with respect to A and Δ, which
 * the engines have no use for.
 *
 * <p>Gradient: with w = C·B̄·Σ_l dK_l·Ā^l, each mode adds 2·Re w to the loss. Everything is holomorphic
 * in C and A (Δ real), so ∂/∂Re = 2·Re w′ and ∂/∂Im = −2·Im w′ with w′ the complex derivative; this
 * needs S = Σ_l dK_l·Ā^l and its derivative T = Σ_l l·dK_l·Ā^(l−1).
 *
 * <p>Both directions take powers of Ā in blocks: a table of Ā^r for r below the block size and a
 * step Ā^b between blocks, so the inner loops over r have no dependency chain and vectorise, where
 * the obvious repeated multiplication would wait for each product before the next.
 */
final class S4DKernel {
    private static final int BLOCK = 64;

    private final Discretization method;
    private final int channels;
    private final int modes;
    private final double[] dt;
    // per mode, [channel][mode]: A, C, Ā, B̄
    private final double[] aRe;
    private final double[] aIm;
    private final double[] cRe;
    private final double[] cIm;
    private final double[] barARe;
    private final double[] barAIm;
    private final double[] barBRe;
    private final double[] barBIm;

    /**
     * @param logDt    H values
     * @param logAReal H × N/2
     * @param aImag    H × N/2
     * @param c        H × N/2 × 2, [re, im] last
     */
    S4DKernel(Discretization method, int channels, int modes, double[] logDt, double[] logAReal, double[] aImag,
              double[] c) {
        this.method = method;
        this.channels = channels;
        this.modes = modes;
        int size = channels * modes;
        dt = new double[channels];
        aRe = new double[size];
        aIm = new double[size];
        cRe = new double[size];
        cIm = new double[size];
        barARe = new double[size];
        barAIm = new double[size];
        barBRe = new double[size];
        barBIm = new double[size];
        for (int h = 0; h < channels; h++) {
            dt[h] = Math.exp(logDt[h]);
            for (int n = 0; n < modes; n++) {
                int i = h * modes + n;
                aRe[i] = -Math.exp(logAReal[i]);
                aIm[i] = aImag[i];
                cRe[i] = c[2 * i];
                cIm[i] = c[2 * i + 1];
                Complex a = new Complex(aRe[i], aIm[i]);
                Complex z = a.scale(dt[h]);
                Complex barA;
                Complex barB;
                if (method == Discretization.ZOH) {
                    barA = z.exp();
                    barB = barA.minus(Complex.ONE).div(a);
                } else {
                    Complex den = Complex.ONE.minus(z.scale(0.5));
                    barA = Complex.ONE.plus(z.scale(0.5)).div(den);
                    barB = new Complex(dt[h], 0).div(den);
                }
                barARe[i] = barA.re();
                barAIm[i] = barA.im();
                barBRe[i] = barB.re();
                barBIm[i] = barB.im();
            }
        }
    }

    /** K of every channel, {@code k[h·length + l]}. */
    double[] kernel(int length) {
        double[] k = new double[channels * length];
        kernel(length, 0, channels, k);
        return k;
    }

    /** K of channels [from, to) into {@code k[h·length + l]}; other channels are not touched. */
    void kernel(int length, int from, int to, double[] k) {
        int b = Math.min(BLOCK, length);
        double[] qr = new double[b];
        double[] qi = new double[b];
        double[] step = new double[2];
        for (int h = from; h < to; h++) {
            int row = h * length;
            java.util.Arrays.fill(k, row, row + length, 0.0);
            for (int n = 0; n < modes; n++) {
                int i = h * modes + n;
                powers(i, qr, qi, b, step);
                // p = C̃·Ā^j at the start of each block, as plain doubles: a Complex carried around the
                // loop would be allocated on every pass
                double pr = cRe[i] * barBRe[i] - cIm[i] * barBIm[i];
                double pi = cRe[i] * barBIm[i] + cIm[i] * barBRe[i];
                for (int j = 0; j < length; j += b) {
                    int end = Math.min(b, length - j);
                    double tr = 2 * pr;
                    double ti = 2 * pi;
                    for (int r = 0; r < end; r++) k[row + j + r] += tr * qr[r] - ti * qi[r];
                    double nr = pr * step[0] - pi * step[1];
                    pi = pr * step[1] + pi * step[0];
                    pr = nr;
                }
            }
        }
    }

    /**
     * Gradients of channels [from, to) from ∂loss/∂K ({@code dK[h·length + l]}), written (not added) to
     * {@code gLogDt[h]}, {@code gLogAReal[h·modes + n]}, {@code gAImag[…]} and {@code gC[2·(h·modes + n) + re/im]}.
     */
    void backward(double[] dK, int length, int from, int to,
                  double[] gLogDt, double[] gLogAReal, double[] gAImag, double[] gC) {
        int b = Math.min(BLOCK, length);
        double[] qr = new double[b];
        double[] qi = new double[b];
        double[] step = new double[2];
        double[] sums = new double[4];
        double[] weighted = new double[length];
        for (int h = from; h < to; h++) {
            int row = h * length;
            // T = Σ_l l·dK_l·Ā^(l−1) = Σ_m (m+1)·dK_(m+1)·Ā^m: a power sum like S
            for (int m = 0; m + 1 < length; m++) weighted[m] = (m + 1) * dK[row + m + 1];
            weighted[length - 1] = 0;
            double gDt = 0;
            for (int n = 0; n < modes; n++) {
                int i = h * modes + n;
                powers(i, qr, qi, b, step);
                powerSums(dK, row, weighted, length, qr, qi, b, step, sums);
                Complex s = new Complex(sums[0], sums[1]);
                Complex t = new Complex(sums[2], sums[3]);
                Complex a = new Complex(aRe[i], aIm[i]);
                Complex barA = new Complex(barARe[i], barAIm[i]);
                Complex barB = new Complex(barBRe[i], barBIm[i]);
                Complex c = new Complex(cRe[i], cIm[i]);
                Complex dBarAdA;
                Complex dBarAdDt;
                Complex dBarBdA;
                Complex dBarBdDt;
                if (method == Discretization.ZOH) {
                    dBarAdA = barA.scale(dt[h]);
                    dBarAdDt = barA.times(a);
                    dBarBdA = barA.scale(dt[h]).minus(barB).div(a);
                    dBarBdDt = barA;
                } else {
                    Complex q = Complex.ONE.div(Complex.ONE.minus(a.scale(dt[h] / 2)));
                    Complex q2 = q.times(q);
                    dBarAdA = q2.scale(dt[h]);
                    dBarAdDt = q2.times(a);
                    dBarBdA = q2.scale(dt[h] * dt[h] / 2);
                    dBarBdDt = q2;
                }
                Complex bs = barB.times(s);
                gC[2 * i] = 2 * bs.re();
                gC[2 * i + 1] = -2 * bs.im();
                Complex bt = barB.times(t);
                Complex dwdA = c.times(dBarBdA.times(s).plus(bt.times(dBarAdA)));
                Complex dwdDt = c.times(dBarBdDt.times(s).plus(bt.times(dBarAdDt)));
                gLogAReal[i] = 2 * dwdA.re() * aRe[i];          // ∂Re A/∂log_A_real = −exp(·) = Re A
                gAImag[i] = -2 * dwdA.im();
                gDt += 2 * dwdDt.re();
            }
            gLogDt[h] = gDt * dt[h];                             // ∂Δ/∂log_dt = Δ
        }
    }

    /** Fills q[r] = Ā^r of mode i for r < b, and step with Ā^b (re, im). */
    private void powers(int i, double[] qr, double[] qi, int b, double[] step) {
        double pr = 1;
        double pi = 0;
        double ar = barARe[i];
        double ai = barAIm[i];
        for (int r = 0; r < b; r++) {
            qr[r] = pr;
            qi[r] = pi;
            double nr = pr * ar - pi * ai;
            pi = pr * ai + pi * ar;
            pr = nr;
        }
        step[0] = pr;
        step[1] = pi;
    }

    /**
     * S = Σ_{l &lt; length} c[cOff + l]·Ā^l and T = Σ e[l]·Ā^l together, from the table q (b powers) and
     * the step Ā^b, into sums (Re S, Im S, Re T, Im T).
     */
    private static void powerSums(double[] c, int cOff, double[] e, int length, double[] qr, double[] qi, int b,
                                  double[] step, double[] sums) {
        double sr = 0;
        double si = 0;
        double tr = 0;
        double ti = 0;
        double pr = 1;
        double pi = 0;
        for (int j = 0; j < length; j += b) {
            int end = Math.min(b, length - j);
            double csr = 0;
            double csi = 0;
            double etr = 0;
            double eti = 0;
            for (int r = 0; r < end; r++) {
                double cv = c[cOff + j + r];
                double ev = e[j + r];
                csr += cv * qr[r];
                csi += cv * qi[r];
                etr += ev * qr[r];
                eti += ev * qi[r];
            }
            sr += pr * csr - pi * csi;
            si += pr * csi + pi * csr;
            tr += pr * etr - pi * eti;
            ti += pr * eti + pi * etr;
            double nr = pr * step[0] - pi * step[1];
            pi = pr * step[1] + pi * step[0];
            pr = nr;
        }
        sums[0] = sr;
        sums[1] = si;
        sums[2] = tr;
        sums[3] = ti;
    }

    /** Just enough complex arithmetic for the per-mode formulas; the long loops use plain doubles. */
    private record Complex(double re, double im) {
        static final Complex ONE = new Complex(1, 0);

        Complex plus(Complex o) {
            return new Complex(re + o.re, im + o.im);
        }

        Complex minus(Complex o) {
            return new Complex(re - o.re, im - o.im);
        }

        Complex times(Complex o) {
            return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
        }

        Complex div(Complex o) {
            double den = o.re * o.re + o.im * o.im;
            return new Complex((re * o.re + im * o.im) / den, (im * o.re - re * o.im) / den);
        }

        Complex scale(double s) {
            return new Complex(re * s, im * s);
        }

        Complex exp() {
            double e = Math.exp(re);
            return new Complex(e * Math.cos(im), e * Math.sin(im));
        }
    }
}
