package dev.s4d.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels with the Vector API at the platform's preferred width (16 floats with AVX-512). Every
 * loop handles a final partial vector with a lane mask, so any size and offset works.
 *
 * <p>{@code linear} is a register-tiled matrix product: 6 rows × 4 vectors of outputs are accumulated
 * in 24 registers while the weights stream from column panels of wᵀ (see {@link PackedWeights}) and the
 * inputs are broadcast one value at a time. Fewer than 6 remaining rows use 2-row and 1-row tiles; the
 * 1-row tile (a single stream: a matrix-vector product) covers two panels at once for 8 independent sums.
 * With unpacked weights and fewer than {@link #PACK_ROWS} rows the weights are used in place as dot
 * products instead, since packing costs about as much as a dozen such rows.
 *
 * <p>GELU needs Φ(x) without erf, which the Vector API lacks; see {@link #phi(FloatVector)}.
 */
final class VectorKernels implements Kernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output columns per weight panel: the register tile is 4 vectors wide. */
    static final int PANEL = 4 * L;
    /** With unpacked weights, from this many rows on the weights are packed (into scratch) per call. */
    static final int PACK_ROWS = 16;

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private VectorKernels() {
    }

    /** The vector kernels, or the scalar ones when the preferred species is too narrow to be real SIMD. */
    static Kernels create() {
        return L >= 4 ? new VectorKernels() : ScalarKernels.INSTANCE;
    }

    @Override
    public String name() {
        return "vector(" + S.vectorBitSize() + "-bit)";
    }

    // ---------------------------------------------------------------------------------------------
    // linear

    @Override
    public PackedWeights pack(float[] w, int out, int in) {
        float[] rowMajor = PackedWeights.copyRowMajor(w, out, in);
        float[] panels = new float[panelCount(out) * in * PANEL];
        packPanels(rowMajor, out, in, panels);
        return new PackedWeights(out, in, rowMajor, PANEL, panels);
    }

    @Override
    public void linear(float[] x, int xOff, int rows, PackedWeights w, float[] bias, float[] y, int yOff) {
        if (w.panelWidth == PANEL) {
            gemm(x, xOff, rows, w.in, w.panels, bias, w.out, y, yOff);
        } else {
            linear(x, xOff, rows, w.in, w.rowMajor, bias, w.out, y, yOff);
        }
    }

    @Override
    public void linear(float[] x, int xOff, int rows, int in, float[] w, float[] bias, int out, float[] y, int yOff) {
        if (rows <= 0 || out <= 0) return;
        if (rows < PACK_ROWS) {
            dotRows(x, xOff, rows, in, w, bias, out, y, yOff);
            return;
        }
        int size = panelCount(out) * in * PANEL;
        float[] panels = SCRATCH.get();
        if (panels.length < size) {
            panels = new float[size];
            SCRATCH.set(panels);
        }
        packPanels(w, out, in, panels);
        gemm(x, xOff, rows, in, panels, bias, out, y, yOff);
    }

    private static int panelCount(int out) {
        return (out + PANEL - 1) / PANEL;
    }

    /** Writes the panel layout of w (out × in) into {@code dst}, zeroing the columns past {@code out}. */
    static void packPanels(float[] w, int out, int in, float[] dst) {
        int np = panelCount(out);
        for (int p = 0; p < np; p++) {
            int base = p * in * PANEL;
            int col = p * PANEL;
            int valid = Math.min(PANEL, out - col);
            for (int c = 0; c < valid; c++) {
                int wo = (col + c) * in;
                for (int i = 0; i < in; i++) dst[base + i * PANEL + c] = w[wo + i];
            }
            if (valid < PANEL) {
                for (int i = 0; i < in; i++) {
                    java.util.Arrays.fill(dst, base + i * PANEL + valid, base + (i + 1) * PANEL, 0f);
                }
            }
        }
    }

    /** y = x·wᵀ + bias over panels: 6-row tiles, then 2-row tiles, then one row. */
    private static void gemm(float[] x, int xOff, int rows, int in, float[] pk, float[] bias, int out,
                             float[] y, int yOff) {
        int np = panelCount(out);
        int r = 0;
        for (; r + 6 <= rows; r += 6) {
            for (int p = 0; p < np; p++) tile6(x, xOff + r * in, in, pk, p, bias, out, y, yOff + r * out);
        }
        for (; r + 2 <= rows; r += 2) {
            for (int p = 0; p < np; p++) tile2(x, xOff + r * in, in, pk, p, bias, out, y, yOff + r * out);
        }
        if (r < rows) row1(x, xOff + r * in, in, pk, np, bias, out, y, yOff + r * out);
    }

    /** The bias for output columns [col, col + L) of which {@code valid} exist (zero if none or no bias). */
    private static FloatVector biasVector(float[] bias, int col, int valid) {
        if (bias == null || valid <= 0) return FloatVector.zero(S);
        if (valid >= L) return FloatVector.fromArray(S, bias, col);
        return FloatVector.fromArray(S, bias, col, S.indexInRange(0, valid));
    }

    /** Stores the first {@code valid} lanes of v (all of them if valid ≥ L, none if valid ≤ 0). */
    private static void store(FloatVector v, float[] y, int off, int valid) {
        if (valid >= L) {
            v.intoArray(y, off);
        } else if (valid > 0) {
            v.intoArray(y, off, S.indexInRange(0, valid));
        }
    }

    /** Rows xr… (6 of them) × panel p. */
    private static void tile6(float[] x, int xr, int in, float[] pk, int p, float[] bias, int out,
                              float[] y, int yr) {
        int col = p * PANEL;
        int valid = Math.min(PANEL, out - col);
        FloatVector b0 = biasVector(bias, col, valid);
        FloatVector b1 = biasVector(bias, col + L, valid - L);
        FloatVector b2 = biasVector(bias, col + 2 * L, valid - 2 * L);
        FloatVector b3 = biasVector(bias, col + 3 * L, valid - 3 * L);
        FloatVector c00 = b0, c01 = b1, c02 = b2, c03 = b3;
        FloatVector c10 = b0, c11 = b1, c12 = b2, c13 = b3;
        FloatVector c20 = b0, c21 = b1, c22 = b2, c23 = b3;
        FloatVector c30 = b0, c31 = b1, c32 = b2, c33 = b3;
        FloatVector c40 = b0, c41 = b1, c42 = b2, c43 = b3;
        FloatVector c50 = b0, c51 = b1, c52 = b2, c53 = b3;
        int wb = p * in * PANEL;
        for (int i = 0; i < in; i++) {
            int wi = wb + i * PANEL;
            FloatVector w0 = FloatVector.fromArray(S, pk, wi);
            FloatVector w1 = FloatVector.fromArray(S, pk, wi + L);
            FloatVector w2 = FloatVector.fromArray(S, pk, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, pk, wi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, x[xr + i]);
            c00 = w0.fma(a, c00); c01 = w1.fma(a, c01); c02 = w2.fma(a, c02); c03 = w3.fma(a, c03);
            a = FloatVector.broadcast(S, x[xr + in + i]);
            c10 = w0.fma(a, c10); c11 = w1.fma(a, c11); c12 = w2.fma(a, c12); c13 = w3.fma(a, c13);
            a = FloatVector.broadcast(S, x[xr + 2 * in + i]);
            c20 = w0.fma(a, c20); c21 = w1.fma(a, c21); c22 = w2.fma(a, c22); c23 = w3.fma(a, c23);
            a = FloatVector.broadcast(S, x[xr + 3 * in + i]);
            c30 = w0.fma(a, c30); c31 = w1.fma(a, c31); c32 = w2.fma(a, c32); c33 = w3.fma(a, c33);
            a = FloatVector.broadcast(S, x[xr + 4 * in + i]);
            c40 = w0.fma(a, c40); c41 = w1.fma(a, c41); c42 = w2.fma(a, c42); c43 = w3.fma(a, c43);
            a = FloatVector.broadcast(S, x[xr + 5 * in + i]);
            c50 = w0.fma(a, c50); c51 = w1.fma(a, c51); c52 = w2.fma(a, c52); c53 = w3.fma(a, c53);
        }
        int o = yr + col;
        storeRow(c00, c01, c02, c03, y, o, valid);
        storeRow(c10, c11, c12, c13, y, o + out, valid);
        storeRow(c20, c21, c22, c23, y, o + 2 * out, valid);
        storeRow(c30, c31, c32, c33, y, o + 3 * out, valid);
        storeRow(c40, c41, c42, c43, y, o + 4 * out, valid);
        storeRow(c50, c51, c52, c53, y, o + 5 * out, valid);
    }

    private static void storeRow(FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3,
                                 float[] y, int o, int valid) {
        store(v0, y, o, valid);
        store(v1, y, o + L, valid - L);
        store(v2, y, o + 2 * L, valid - 2 * L);
        store(v3, y, o + 3 * L, valid - 3 * L);
    }

    /** Rows xr, xr + in × panel p. */
    private static void tile2(float[] x, int xr, int in, float[] pk, int p, float[] bias, int out,
                              float[] y, int yr) {
        int col = p * PANEL;
        int valid = Math.min(PANEL, out - col);
        FloatVector c00 = biasVector(bias, col, valid);
        FloatVector c01 = biasVector(bias, col + L, valid - L);
        FloatVector c02 = biasVector(bias, col + 2 * L, valid - 2 * L);
        FloatVector c03 = biasVector(bias, col + 3 * L, valid - 3 * L);
        FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03;
        int wb = p * in * PANEL;
        for (int i = 0; i < in; i++) {
            int wi = wb + i * PANEL;
            FloatVector w0 = FloatVector.fromArray(S, pk, wi);
            FloatVector w1 = FloatVector.fromArray(S, pk, wi + L);
            FloatVector w2 = FloatVector.fromArray(S, pk, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, pk, wi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, x[xr + i]);
            c00 = w0.fma(a, c00); c01 = w1.fma(a, c01); c02 = w2.fma(a, c02); c03 = w3.fma(a, c03);
            a = FloatVector.broadcast(S, x[xr + in + i]);
            c10 = w0.fma(a, c10); c11 = w1.fma(a, c11); c12 = w2.fma(a, c12); c13 = w3.fma(a, c13);
        }
        int o = yr + col;
        storeRow(c00, c01, c02, c03, y, o, valid);
        storeRow(c10, c11, c12, c13, y, o + out, valid);
    }

    /** One row against all panels, two panels at a time so that 8 sums are in flight. */
    private static void row1(float[] x, int xr, int in, float[] pk, int np, float[] bias, int out,
                             float[] y, int yr) {
        int p = 0;
        for (; p + 2 <= np; p += 2) {
            int col = p * PANEL;
            int valid = Math.min(2 * PANEL, out - col);
            FloatVector c0 = biasVector(bias, col, valid);
            FloatVector c1 = biasVector(bias, col + L, valid - L);
            FloatVector c2 = biasVector(bias, col + 2 * L, valid - 2 * L);
            FloatVector c3 = biasVector(bias, col + 3 * L, valid - 3 * L);
            FloatVector c4 = biasVector(bias, col + 4 * L, valid - 4 * L);
            FloatVector c5 = biasVector(bias, col + 5 * L, valid - 5 * L);
            FloatVector c6 = biasVector(bias, col + 6 * L, valid - 6 * L);
            FloatVector c7 = biasVector(bias, col + 7 * L, valid - 7 * L);
            int wa = p * in * PANEL;
            int wb = wa + in * PANEL;
            for (int i = 0; i < in; i++) {
                FloatVector a = FloatVector.broadcast(S, x[xr + i]);
                int ia = wa + i * PANEL;
                int ib = wb + i * PANEL;
                c0 = FloatVector.fromArray(S, pk, ia).fma(a, c0);
                c1 = FloatVector.fromArray(S, pk, ia + L).fma(a, c1);
                c2 = FloatVector.fromArray(S, pk, ia + 2 * L).fma(a, c2);
                c3 = FloatVector.fromArray(S, pk, ia + 3 * L).fma(a, c3);
                c4 = FloatVector.fromArray(S, pk, ib).fma(a, c4);
                c5 = FloatVector.fromArray(S, pk, ib + L).fma(a, c5);
                c6 = FloatVector.fromArray(S, pk, ib + 2 * L).fma(a, c6);
                c7 = FloatVector.fromArray(S, pk, ib + 3 * L).fma(a, c7);
            }
            int o = yr + col;
            storeRow(c0, c1, c2, c3, y, o, valid);
            storeRow(c4, c5, c6, c7, y, o + PANEL, valid - PANEL);
        }
        if (p < np) {
            int col = p * PANEL;
            int valid = Math.min(PANEL, out - col);
            FloatVector c0 = biasVector(bias, col, valid);
            FloatVector c1 = biasVector(bias, col + L, valid - L);
            FloatVector c2 = biasVector(bias, col + 2 * L, valid - 2 * L);
            FloatVector c3 = biasVector(bias, col + 3 * L, valid - 3 * L);
            int wa = p * in * PANEL;
            for (int i = 0; i < in; i++) {
                FloatVector a = FloatVector.broadcast(S, x[xr + i]);
                int ia = wa + i * PANEL;
                c0 = FloatVector.fromArray(S, pk, ia).fma(a, c0);
                c1 = FloatVector.fromArray(S, pk, ia + L).fma(a, c1);
                c2 = FloatVector.fromArray(S, pk, ia + 2 * L).fma(a, c2);
                c3 = FloatVector.fromArray(S, pk, ia + 3 * L).fma(a, c3);
            }
            storeRow(c0, c1, c2, c3, y, yr + col, valid);
        }
    }

    /**
     * Few rows with weights in place: per row, four outputs at a time as dot products over the inputs
     * (one load of x serves four rows of w), each finished by a horizontal sum.
     */
    private static void dotRows(float[] x, int xOff, int rows, int in, float[] w, float[] bias, int out,
                                float[] y, int yOff) {
        int iv = in - in % L;
        VectorMask<Float> tail = S.indexInRange(iv, in);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * in;
            int yr = yOff + r * out;
            int o = 0;
            for (; o + 4 <= out; o += 4) {
                int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < iv; i += L) {
                    FloatVector xv = FloatVector.fromArray(S, x, xr + i);
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(xv, a0);
                    a1 = FloatVector.fromArray(S, w, w1 + i).fma(xv, a1);
                    a2 = FloatVector.fromArray(S, w, w2 + i).fma(xv, a2);
                    a3 = FloatVector.fromArray(S, w, w3 + i).fma(xv, a3);
                }
                if (iv < in) {
                    FloatVector xv = FloatVector.fromArray(S, x, xr + iv, tail);
                    a0 = FloatVector.fromArray(S, w, w0 + iv, tail).fma(xv, a0);
                    a1 = FloatVector.fromArray(S, w, w1 + iv, tail).fma(xv, a1);
                    a2 = FloatVector.fromArray(S, w, w2 + iv, tail).fma(xv, a2);
                    a3 = FloatVector.fromArray(S, w, w3 + iv, tail).fma(xv, a3);
                }
                y[yr + o] = biasAt(bias, o) + a0.reduceLanes(VectorOperators.ADD);
                y[yr + o + 1] = biasAt(bias, o + 1) + a1.reduceLanes(VectorOperators.ADD);
                y[yr + o + 2] = biasAt(bias, o + 2) + a2.reduceLanes(VectorOperators.ADD);
                y[yr + o + 3] = biasAt(bias, o + 3) + a3.reduceLanes(VectorOperators.ADD);
            }
            for (; o < out; o++) {
                int w0 = o * in;
                FloatVector a0 = FloatVector.zero(S);
                for (int i = 0; i < iv; i += L) {
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(FloatVector.fromArray(S, x, xr + i), a0);
                }
                if (iv < in) {
                    a0 = FloatVector.fromArray(S, w, w0 + iv, tail).fma(FloatVector.fromArray(S, x, xr + iv, tail), a0);
                }
                y[yr + o] = biasAt(bias, o) + a0.reduceLanes(VectorOperators.ADD);
            }
        }
    }

    private static float biasAt(float[] bias, int o) {
        return bias == null ? 0f : bias[o];
    }

    // ---------------------------------------------------------------------------------------------
    // diagonal recurrence

    @Override
    public void diagonalStep(int streams, int channels, int modes,
                             float[] aRe, float[] aIm, float[] cRe, float[] cIm, float[] d,
                             float[] u, float[] sRe, float[] sIm, float[] y) {
        int block = modes * channels;
        int hv = channels - channels % L;
        VectorMask<Float> tail = S.indexInRange(hv, channels);
        for (int s = 0; s < streams; s++) {
            int us = s * channels;
            int sb = s * block;
            for (int h = 0; h < hv; h += L) {
                FloatVector uv = FloatVector.fromArray(S, u, us + h);
                FloatVector acc = FloatVector.zero(S);
                for (int m = 0, cm = h; m < modes; m++, cm += channels) {
                    int sm = sb + cm;
                    FloatVector ar = FloatVector.fromArray(S, aRe, cm);
                    FloatVector ai = FloatVector.fromArray(S, aIm, cm);
                    FloatVector xr = FloatVector.fromArray(S, sRe, sm);
                    FloatVector xi = FloatVector.fromArray(S, sIm, sm);
                    FloatVector nr = ar.fma(xr, uv.sub(ai.mul(xi)));   // ar·xr − ai·xi + u
                    FloatVector ni = ar.fma(xi, ai.mul(xr));           // ar·xi + ai·xr
                    nr.intoArray(sRe, sm);
                    ni.intoArray(sIm, sm);
                    acc = FloatVector.fromArray(S, cRe, cm).fma(nr, acc)
                            .sub(FloatVector.fromArray(S, cIm, cm).mul(ni));
                }
                FloatVector.fromArray(S, d, h).fma(uv, acc.add(acc)).intoArray(y, us + h);
            }
            if (hv < channels) {
                int h = hv;
                FloatVector uv = FloatVector.fromArray(S, u, us + h, tail);
                FloatVector acc = FloatVector.zero(S);
                for (int m = 0, cm = h; m < modes; m++, cm += channels) {
                    int sm = sb + cm;
                    FloatVector ar = FloatVector.fromArray(S, aRe, cm, tail);
                    FloatVector ai = FloatVector.fromArray(S, aIm, cm, tail);
                    FloatVector xr = FloatVector.fromArray(S, sRe, sm, tail);
                    FloatVector xi = FloatVector.fromArray(S, sIm, sm, tail);
                    FloatVector nr = ar.fma(xr, uv.sub(ai.mul(xi)));
                    FloatVector ni = ar.fma(xi, ai.mul(xr));
                    nr.intoArray(sRe, sm, tail);
                    ni.intoArray(sIm, sm, tail);
                    acc = FloatVector.fromArray(S, cRe, cm, tail).fma(nr, acc)
                            .sub(FloatVector.fromArray(S, cIm, cm, tail).mul(ni));
                }
                FloatVector.fromArray(S, d, h, tail).fma(uv, acc.add(acc)).intoArray(y, us + h, tail);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // element-wise

    @Override
    public void gelu(float[] a, int off, int n) {
        int end = off + n;
        int i = off;
        for (; i <= end - L; i += L) gelu(FloatVector.fromArray(S, a, i)).intoArray(a, i);
        if (i < end) {
            VectorMask<Float> m = S.indexInRange(i, end);
            gelu(FloatVector.fromArray(S, a, i, m)).intoArray(a, i, m);
        }
    }

    /**
     * x·Φ(x). Inputs below −16 are raised to −16, where the product has underflowed to −0 already;
     * so gelu(−∞) = −0 as in {@link Activations#gelu(double)}, and gelu(+∞) = +∞, NaN stays NaN.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector c = x.max(-16f);
        return c.mul(phi(c));
    }

    // Φ(x) − ½ = x·P(x²) on |x| ≤ 1.5; max error of the polynomial 6.6e-10. These and R below were
    // fitted for this class (weighted least squares in double, reweighted towards minimax).
    private static final float P0 = 3.989422738e-01f, P1 = -6.649026825e-02f, P2 = 9.973010007e-03f,
            P3 = -1.186143004e-03f, P4 = 1.141044825e-04f, P5 = -8.629876164e-06f, P6 = 3.995907410e-07f;
    // R(t) = erfc(|x|/√2)·exp(x²/2)/t with t = 1/(1 + |x|/4) on 0.75 ≤ |x| ≤ 14; max relative error
    // of the polynomial 1.3e-8.
    private static final float R0 = 1.995277337e-01f, R1 = 1.982930864e-01f, R2 = 1.975168552e-01f,
            R3 = 1.095119426e-01f, R4 = 2.880142589e-01f, R5 = -2.221413800e-01f, R6 = 4.038947456e-01f,
            R7 = -2.016207121e-01f, R8 = 2.698670684e-02f;

    /**
     * The standard normal distribution function Φ(x) = ½·(1 + erf(x/√2)) in float, within 1·10⁻⁷ of
     * the true value (the tests check a dense grid; the fits contribute ≤ 1.3·10⁻⁸, the rest is float
     * rounding) and, below 0, within 5·10⁻⁷ of it relatively. Approximating Φ directly rather than erf
     * avoids the cancellation in 1 + erf for negative x, so the negative tail keeps its relative accuracy.
     * <ul>
     *   <li>−0.75 &lt; x &lt; 1.5: Φ = ½ + x·P(x²), an odd polynomial of degree 13 (the interval stops
     *       at −0.75 on the left because ½ + x·P cancels as Φ gets small);</li>
     *   <li>otherwise Φ(−|x|) = ½·exp(−x²/2)·t·R(t) with t = 1/(1 + |x|/4) and R of degree 8, and
     *       Φ(|x|) = 1 − Φ(−|x|). x² is split exactly into fl(x²) + lo with an FMA so that exp(−x²/2)
     *       keeps its relative accuracy where x² is large; |x| is capped at 16, beyond which Φ(−|x|)
     *       underflows anyway (this also keeps ∞ away from the split). NaN gives NaN.</li>
     * </ul>
     */
    static FloatVector phi(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector p = mad(mad(mad(mad(mad(x2.fma(P6, P5), x2, P4), x2, P3), x2, P2), x2, P1), x2, P0);
        FloatVector central = mad(x, p, 0.5f);

        FloatVector a = x.abs().min(16f);
        FloatVector t = FloatVector.broadcast(S, 1f).div(a.fma(0.25f, 1f));
        FloatVector r = mad(mad(mad(mad(mad(mad(mad(t.fma(R8, R7), t, R6), t, R5), t, R4), t, R3), t, R2), t, R1), t, R0);
        FloatVector a2 = a.mul(a);
        FloatVector lo = a.fma(a, a2.neg());                   // a² − fl(a²), exact
        FloatVector g = a2.mul(-0.5f).lanewise(VectorOperators.EXP).mul(lo.fma(-0.5f, 1f));   // exp(−a²/2)
        FloatVector lower = g.mul(t).mul(r).mul(0.5f);         // Φ(−|x|)
        FloatVector tails = lower.neg().add(1f).blend(lower, x.compare(VectorOperators.LT, 0f));
        VectorMask<Float> inCentre = x.compare(VectorOperators.GT, -0.75f).and(x.compare(VectorOperators.LT, 1.5f));
        return tails.blend(central, inCentre);
    }

    /** a·b + c. */
    private static FloatVector mad(FloatVector a, FloatVector b, float c) {
        return a.fma(b, FloatVector.broadcast(S, c));
    }

    /** Φ of n values, for the accuracy tests. */
    static void phi(float[] src, float[] dst, int n) {
        int i = 0;
        for (; i <= n - L; i += L) phi(FloatVector.fromArray(S, src, i)).intoArray(dst, i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            phi(FloatVector.fromArray(S, src, i, m)).intoArray(dst, i, m);
        }
    }

    @Override
    public void relu(float[] a, int off, int n) {
        int end = off + n;
        int i = off;
        for (; i <= end - L; i += L) FloatVector.fromArray(S, a, i).max(0f).intoArray(a, i);
        if (i < end) {
            VectorMask<Float> m = S.indexInRange(i, end);
            FloatVector.fromArray(S, a, i, m).max(0f).intoArray(a, i, m);
        }
    }

    /** z·σ(g) computed as z / (1 + e^(−g)): one rounding fewer than a separate sigmoid. */
    @Override
    public void glu(float[] z, int rows, int width, float[] out) {
        int jv = width - width % L;
        VectorMask<Float> tail = S.indexInRange(jv, width);
        for (int r = 0; r < rows; r++) {
            int zr = r * 2 * width;
            int or = r * width;
            for (int j = 0; j < jv; j += L) {
                FloatVector v = FloatVector.fromArray(S, z, zr + j);
                FloatVector g = FloatVector.fromArray(S, z, zr + width + j);
                v.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(out, or + j);
            }
            if (jv < width) {
                FloatVector v = FloatVector.fromArray(S, z, zr + jv, tail);
                FloatVector g = FloatVector.fromArray(S, z, zr + width + jv, tail);
                v.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(out, or + jv, tail);
            }
        }
    }

    @Override
    public void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps) {
        int jv = width - width % L;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            FloatVector sv = FloatVector.zero(S);
            for (int j = 0; j < jv; j += L) sv = sv.add(FloatVector.fromArray(S, x, o + j));
            float sum = sv.reduceLanes(VectorOperators.ADD);
            for (int j = jv; j < width; j++) sum += x[o + j];
            float mean = sum / width;
            FloatVector qv = FloatVector.zero(S);
            for (int j = 0; j < jv; j += L) {
                FloatVector dlt = FloatVector.fromArray(S, x, o + j).sub(mean);
                qv = dlt.fma(dlt, qv);
            }
            float var = qv.reduceLanes(VectorOperators.ADD);
            for (int j = jv; j < width; j++) {
                float dlt = x[o + j] - mean;
                var += dlt * dlt;
            }
            var /= width;
            float inv = (float) (1.0 / Math.sqrt(var + eps));
            for (int j = 0; j < jv; j += L) {
                FloatVector.fromArray(S, x, o + j).sub(mean).mul(inv)
                        .fma(FloatVector.fromArray(S, weight, j), FloatVector.fromArray(S, bias, j))
                        .intoArray(x, o + j);
            }
            for (int j = jv; j < width; j++) x[o + j] = (x[o + j] - mean) * inv * weight[j] + bias[j];
        }
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(a, aOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, aOff + i, m).add(FloatVector.fromArray(S, b, bOff + i, m)).intoArray(a, aOff + i, m);
        }
    }
}
