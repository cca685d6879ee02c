package dev.s4d.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels with the Vector API at the platform's preferred width (16 floats with AVX-512). Any size
 * and offset works: the element-wise loops and the diagonal step finish with a lane-masked partial
 * vector, and the matrix product writes a partial last panel through a scratch tile.
 *
 * <p>{@code linear} is a register-tiled matrix product: 6 rows × 4 vectors of outputs are accumulated
 * in 24 registers while the weights stream from column panels of wᵀ (see {@link PackedWeights}) and the
 * inputs are broadcast one value at a time. Fewer than 6 remaining rows use 2-row and 1-row tiles; the
 * 1-row tile (a single stream: a matrix-vector product) covers two panels at once for 8 independent sums.
 * With unpacked weights and fewer than {@link #PACK_ROWS} rows the weights are used in place as dot
 * products instead, since packing costs about as much as a dozen such rows.
 *
 * <p>GELU needs Φ(x) without erf, which the Vector API lacks; see {@link #phiLoop}.
 *
 * <p>Vector API code is only fast once C2 has compiled it: before that the interpreter and C1 run the
 * API's Java fallback, one to two orders of magnitude slower. Expect a warm-up of a few thousand calls
 * (up to a few seconds) before steady speed. Vectors are never passed between methods that might not
 * be inlined (that would box them), and the large tiles avoid masked operations, on which C1 gives up.
 */
final class VectorKernels implements Kernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output columns per weight panel: the register tile is 4 vectors wide. */
    static final int PANEL = 4 * L;
    /** With unpacked weights, from this many rows on the weights are packed (into scratch) per call. */
    static final int PACK_ROWS = 16;
    /** Shuffles bringing lane i + k to lane i (k = 16, 8, 4, 2, 1; null where k ≥ L), for {@link #sumLanes}. */
    private static final VectorShuffle<Float> FOLD16 = fold(16);
    private static final VectorShuffle<Float> FOLD8 = fold(8);
    private static final VectorShuffle<Float> FOLD4 = fold(4);
    private static final VectorShuffle<Float> FOLD2 = fold(2);
    private static final VectorShuffle<Float> FOLD1 = fold(1);

    /**
     * Whether the matrix products use 6-row register tiles (24 accumulators of a 4-vector panel, plus 4
     * weight or input vectors and a broadcast: 29 registers) or only 2-row ones (13 registers).
     */
    private final boolean sixRowTiles;

    private VectorKernels(boolean sixRowTiles) {
        this.sixRowTiles = sixRowTiles;
    }

    /**
     * The vector kernels, or the scalar ones when the preferred species is too narrow to be real SIMD
     * or wider than {@link #sumLanes} folds.
     */
    static Kernels create() {
        return L >= 4 && L <= 32 ? new VectorKernels(sixRowTilesFit()) : ScalarKernels.INSTANCE;
    }

    /** The vector kernels with the given row tiling, whatever this machine's registers favour: for tests. */
    static VectorKernels withSixRowTiles(boolean sixRowTiles) {
        return new VectorKernels(sixRowTiles);
    }

    /**
     * 6-row tiles fit where there are 32 vector registers: AVX-512 and the ARM vector extensions. x86
     * with narrower vectors (AVX2) has 16, where C2 spills the accumulators on every step; there the
     * 2-row tiles train the sCIFAR model 1.3–1.5× faster (docs/BENCHMARKS.md).
     */
    private static boolean sixRowTilesFit() {
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86");
        return !x86 || S.vectorBitSize() >= 512;
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
            gemm(sixRowTiles, x, xOff, rows, w.in, w.panels, bias, w.out, y, yOff);
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
        GemmScratch scratch = GEMM_SCRATCH.get();
        if (scratch.panels.length < size) scratch.panels = new float[size];
        float[] panels = scratch.panels;
        packPanels(w, out, in, panels);
        gemm(sixRowTiles, x, xOff, rows, in, panels, bias, out, y, yOff);
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

    /**
     * Per-thread buffers of the matrix product: weights packed per call, the bias padded to whole panels,
     * and one tile of output.
     */
    private static final class GemmScratch {
        float[] panels = new float[0];
        float[] bias = new float[PANEL];
        final float[] tile = new float[6 * 2 * PANEL];
    }

    private static final ThreadLocal<GemmScratch> GEMM_SCRATCH = ThreadLocal.withInitial(GemmScratch::new);

    /**
     * Rows per block of the matrix product: every panel of weights serves all of a block's rows while
     * it is in L1 (24 KB on AVX2, 48 KB with AVX-512), and the block's rows (96 × in floats, 72 KB at
     * in = 192) stay in L2 across the panels. A multiple of 6 and of 2, so only the last block has a
     * leftover row.
     */
    private static final int GEMM_ROWS = 96;

    /**
     * y = x·wᵀ + bias over panels, a block of rows at a time: 6-row tiles (if {@code six}), then 2-row
     * tiles, then one row. The tiles write whole panels without masks (which keeps them small enough
     * for C1 to compile, so that C2 gets to them sooner); a last, partial panel is written to a scratch
     * tile and its existing columns copied out. Every output is summed over its inputs in the same order
     * whatever tile computes it, so neither the blocking nor the tile sizes change any bit.
     */
    private static void gemm(boolean six, float[] x, int xOff, int rows, int in, float[] pk, float[] bias, int out,
                             float[] y, int yOff) {
        int np = panelCount(out);
        int full = out / PANEL;                       // panels whose columns all exist
        int rest = out - full * PANEL;                // columns of the partial panel, if any
        GemmScratch scratch = GEMM_SCRATCH.get();
        if (scratch.bias.length < np * PANEL) scratch.bias = new float[np * PANEL];
        float[] b = scratch.bias;
        if (bias != null) System.arraycopy(bias, 0, b, 0, out);
        java.util.Arrays.fill(b, bias != null ? out : 0, np * PANEL, 0f);
        float[] tile = scratch.tile;
        for (int r0 = 0; r0 < rows; r0 += GEMM_ROWS) {
            int end = Math.min(rows, r0 + GEMM_ROWS);
            int paired = r0;                          // the block's rows before its leftover one
            for (int p = 0; p < np; p++) {
                boolean partial = p == full;
                int r = r0;
                for (; six && r + 6 <= end; r += 6) {
                    int xr = xOff + r * in, yr = yOff + r * out;
                    if (!partial) {
                        tile6(x, xr, in, pk, p, b, y, yr + p * PANEL, out);
                    } else {
                        tile6(x, xr, in, pk, p, b, tile, 0, PANEL);
                        for (int k = 0; k < 6; k++) System.arraycopy(tile, k * PANEL, y, yr + k * out + p * PANEL, rest);
                    }
                }
                for (; r + 2 <= end; r += 2) {
                    int xr = xOff + r * in, yr = yOff + r * out;
                    if (!partial) {
                        tile2(x, xr, in, pk, p, b, y, yr + p * PANEL, out);
                    } else {
                        tile2(x, xr, in, pk, p, b, tile, 0, PANEL);
                        for (int k = 0; k < 2; k++) System.arraycopy(tile, k * PANEL, y, yr + k * out + p * PANEL, rest);
                    }
                }
                paired = r;
            }
            if (paired < end) oneRow(x, xOff + paired * in, in, pk, b, np, full, out, y, yOff + paired * out, tile);
        }
    }

    /** One row × every panel: pairs of panels, then a single one; a partial panel goes through {@code tile}. */
    private static void oneRow(float[] x, int xr, int in, float[] pk, float[] b, int np, int full, int out,
                               float[] y, int yr, float[] tile) {
        int p = 0;
        for (; p + 2 <= full; p += 2) row1Pair(x, xr, in, pk, p, b, y, yr + p * PANEL);
        if (p + 2 <= np) {                            // the pair holding the partial panel
            row1Pair(x, xr, in, pk, p, b, tile, 0);
            System.arraycopy(tile, 0, y, yr + p * PANEL, out - p * PANEL);
        } else if (p < np) {                          // one panel left over, whole or partial
            row1Single(x, xr, in, pk, p, b, tile, 0);
            System.arraycopy(tile, 0, y, yr + p * PANEL, out - p * PANEL);
        }
    }

    // The tiles keep every vector inside one method: a vector passed to or returned from a call that
    // C2 declines to inline is boxed on the heap, which costs more than the tile itself. Each writes
    // whole panels to dst at dOff, rows dStride apart; bias is padded to whole panels.

    /** Rows xr… (6 of them) × panel p. */
    private static void tile6(float[] x, int xr, int in, float[] pk, int p, float[] bias,
                              float[] dst, int dOff, int dStride) {
        int col = p * PANEL;
        FloatVector c00 = FloatVector.fromArray(S, bias, col);
        FloatVector c01 = FloatVector.fromArray(S, bias, col + L);
        FloatVector c02 = FloatVector.fromArray(S, bias, col + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, bias, col + 3 * L);
        FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03;
        FloatVector c20 = c00, c21 = c01, c22 = c02, c23 = c03;
        FloatVector c30 = c00, c31 = c01, c32 = c02, c33 = c03;
        FloatVector c40 = c00, c41 = c01, c42 = c02, c43 = c03;
        FloatVector c50 = c00, c51 = c01, c52 = c02, c53 = c03;
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
        int o = dOff;
        c00.intoArray(dst, o); c01.intoArray(dst, o + L); c02.intoArray(dst, o + 2 * L); c03.intoArray(dst, o + 3 * L);
        o += dStride;
        c10.intoArray(dst, o); c11.intoArray(dst, o + L); c12.intoArray(dst, o + 2 * L); c13.intoArray(dst, o + 3 * L);
        o += dStride;
        c20.intoArray(dst, o); c21.intoArray(dst, o + L); c22.intoArray(dst, o + 2 * L); c23.intoArray(dst, o + 3 * L);
        o += dStride;
        c30.intoArray(dst, o); c31.intoArray(dst, o + L); c32.intoArray(dst, o + 2 * L); c33.intoArray(dst, o + 3 * L);
        o += dStride;
        c40.intoArray(dst, o); c41.intoArray(dst, o + L); c42.intoArray(dst, o + 2 * L); c43.intoArray(dst, o + 3 * L);
        o += dStride;
        c50.intoArray(dst, o); c51.intoArray(dst, o + L); c52.intoArray(dst, o + 2 * L); c53.intoArray(dst, o + 3 * L);
    }

    /** Rows xr, xr + in × panel p. */
    private static void tile2(float[] x, int xr, int in, float[] pk, int p, float[] bias,
                              float[] dst, int dOff, int dStride) {
        int col = p * PANEL;
        FloatVector c00 = FloatVector.fromArray(S, bias, col);
        FloatVector c01 = FloatVector.fromArray(S, bias, col + L);
        FloatVector c02 = FloatVector.fromArray(S, bias, col + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, bias, col + 3 * L);
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
        int o = dOff;
        c00.intoArray(dst, o); c01.intoArray(dst, o + L); c02.intoArray(dst, o + 2 * L); c03.intoArray(dst, o + 3 * L);
        o += dStride;
        c10.intoArray(dst, o); c11.intoArray(dst, o + L); c12.intoArray(dst, o + 2 * L); c13.intoArray(dst, o + 3 * L);
    }

    /**
     * One row × panels p and p + 1 (written contiguously): 8 independent sums hide the FMA latency. A
     * lone row has no other reuse: it is a matrix-vector product, bound by reading the weights.
     */
    private static void row1Pair(float[] x, int xr, int in, float[] pk, int p, float[] bias, float[] dst, int dOff) {
        int col = p * PANEL;
        FloatVector c0 = FloatVector.fromArray(S, bias, col);
        FloatVector c1 = FloatVector.fromArray(S, bias, col + L);
        FloatVector c2 = FloatVector.fromArray(S, bias, col + 2 * L);
        FloatVector c3 = FloatVector.fromArray(S, bias, col + 3 * L);
        FloatVector c4 = FloatVector.fromArray(S, bias, col + 4 * L);
        FloatVector c5 = FloatVector.fromArray(S, bias, col + 5 * L);
        FloatVector c6 = FloatVector.fromArray(S, bias, col + 6 * L);
        FloatVector c7 = FloatVector.fromArray(S, bias, col + 7 * L);
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
        c0.intoArray(dst, dOff); c1.intoArray(dst, dOff + L); c2.intoArray(dst, dOff + 2 * L); c3.intoArray(dst, dOff + 3 * L);
        c4.intoArray(dst, dOff + 4 * L); c5.intoArray(dst, dOff + 5 * L); c6.intoArray(dst, dOff + 6 * L); c7.intoArray(dst, dOff + 7 * L);
    }

    /** One row × panel p, its 8 sums taken over even and odd inputs separately. */
    private static void row1Single(float[] x, int xr, int in, float[] pk, int p, float[] bias, float[] dst, int dOff) {
        int col = p * PANEL;
        FloatVector c0 = FloatVector.fromArray(S, bias, col);
        FloatVector c1 = FloatVector.fromArray(S, bias, col + L);
        FloatVector c2 = FloatVector.fromArray(S, bias, col + 2 * L);
        FloatVector c3 = FloatVector.fromArray(S, bias, col + 3 * L);
        FloatVector e0 = FloatVector.zero(S), e1 = e0, e2 = e0, e3 = e0;
        int wa = p * in * PANEL;
        int i = 0;
        for (; i + 2 <= in; i += 2) {
            FloatVector a = FloatVector.broadcast(S, x[xr + i]);
            FloatVector b = FloatVector.broadcast(S, x[xr + i + 1]);
            int ia = wa + i * PANEL;
            int ib = ia + PANEL;
            c0 = FloatVector.fromArray(S, pk, ia).fma(a, c0);
            c1 = FloatVector.fromArray(S, pk, ia + L).fma(a, c1);
            c2 = FloatVector.fromArray(S, pk, ia + 2 * L).fma(a, c2);
            c3 = FloatVector.fromArray(S, pk, ia + 3 * L).fma(a, c3);
            e0 = FloatVector.fromArray(S, pk, ib).fma(b, e0);
            e1 = FloatVector.fromArray(S, pk, ib + L).fma(b, e1);
            e2 = FloatVector.fromArray(S, pk, ib + 2 * L).fma(b, e2);
            e3 = FloatVector.fromArray(S, pk, ib + 3 * L).fma(b, e3);
        }
        if (i < in) {
            FloatVector a = FloatVector.broadcast(S, x[xr + i]);
            int ia = wa + i * PANEL;
            c0 = FloatVector.fromArray(S, pk, ia).fma(a, c0);
            c1 = FloatVector.fromArray(S, pk, ia + L).fma(a, c1);
            c2 = FloatVector.fromArray(S, pk, ia + 2 * L).fma(a, c2);
            c3 = FloatVector.fromArray(S, pk, ia + 3 * L).fma(a, c3);
        }
        c0.add(e0).intoArray(dst, dOff);
        c1.add(e1).intoArray(dst, dOff + L);
        c2.add(e2).intoArray(dst, dOff + 2 * L);
        c3.add(e3).intoArray(dst, dOff + 3 * L);
    }

    /**
     * Few rows with weights in place: per row, four outputs at a time as dot products over the inputs
     * (one load of x serves four rows of w), each finished by a horizontal sum. Split into small methods
     * on purpose: C1 runs out of registers on large Vector API methods, and a method whose C1 compile
     * fails can stay in slow tiers for a long time instead of reaching C2.
     */
    private static void dotRows(float[] x, int xOff, int rows, int in, float[] w, float[] bias, int out,
                                float[] y, int yOff) {
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * in;
            int yr = yOff + r * out;
            int o = 0;
            for (; o + 4 <= out; o += 4) dot4(x, xr, in, w, o, bias, y, yr);
            for (; o < out; o++) y[yr + o] = biasAt(bias, o) + dot(x, xr, w, o * in, in);
        }
    }

    /** y[yr + o … o+3] = bias + the dot products of x (from xr) with rows o … o+3 of w. */
    private static void dot4(float[] x, int xr, int in, float[] w, int o, float[] bias, float[] y, int yr) {
        int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= in - L; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xr + i);
            a0 = FloatVector.fromArray(S, w, w0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, w1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, w2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, w3 + i).fma(xv, a3);
        }
        if (i < in) {
            VectorMask<Float> m = S.indexInRange(i, in);
            FloatVector xv = FloatVector.fromArray(S, x, xr + i, m);
            a0 = FloatVector.fromArray(S, w, w0 + i, m).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, w1 + i, m).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, w2 + i, m).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, w3 + i, m).fma(xv, a3);
        }
        y[yr + o] = biasAt(bias, o) + sumLanes(a0);
        y[yr + o + 1] = biasAt(bias, o + 1) + sumLanes(a1);
        y[yr + o + 2] = biasAt(bias, o + 2) + sumLanes(a2);
        y[yr + o + 3] = biasAt(bias, o + 3) + sumLanes(a3);
    }

    /** The dot product of x (from xr) and w (from wo) over n values. */
    private static float dot(float[] x, int xr, float[] w, int wo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            acc = FloatVector.fromArray(S, w, wo + i).fma(FloatVector.fromArray(S, x, xr + i), acc);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = FloatVector.fromArray(S, w, wo + i, m).fma(FloatVector.fromArray(S, x, xr + i, m), acc);
        }
        return sumLanes(acc);
    }

    private static VectorShuffle<Float> fold(int k) {
        return k < L ? VectorShuffle.fromOp(S, i -> (i + k) % L) : null;
    }

    /**
     * The sum of v's lanes by one fixed pairwise tree. Not {@code reduceLanes(ADD)}: on floats it may
     * add in any order and does (C2's intrinsic pairwise, the interpreter's fallback lane by lane), so
     * a kernel would answer differently before and after C2 compiles it, and two runs of the same
     * training with the same threads would not be bit-identical (nor a resumed one equal its
     * uninterrupted twin). The folds are static finals, so C2 drops the untaken ones.
     */
    private static float sumLanes(FloatVector v) {
        if (FOLD16 != null) v = v.add(v.rearrange(FOLD16));
        if (FOLD8 != null) v = v.add(v.rearrange(FOLD8));
        if (FOLD4 != null) v = v.add(v.rearrange(FOLD4));
        if (FOLD2 != null) v = v.add(v.rearrange(FOLD2));
        if (FOLD1 != null) v = v.add(v.rearrange(FOLD1));
        return v.lane(0);
    }

    private static float biasAt(float[] bias, int o) {
        return bias == null ? 0f : bias[o];
    }

    // ---------------------------------------------------------------------------------------------
    // diagonal recurrence

    /**
     * Modes outside, channels inside: every array is then read front to back (one mode's H channels
     * after another's), which the prefetchers follow; with thousands of streams the step is bound by
     * moving the states, so access order matters more than keeping the output sum in a register. The
     * sum goes through y instead, which stays in L1.
     */
    @Override
    public void diagonalStep(int streams, int channels, int modes,
                             float[] aRe, float[] aIm, float[] cRe, float[] cIm, float[] d,
                             float[] u, int uOff, float[] sRe, float[] sIm, int sOff, float[] y, int yOff) {
        int hv = channels - channels % L;
        VectorMask<Float> tail = S.indexInRange(hv, channels);
        for (int s = 0; s < streams; s++) {
            int us = uOff + s * channels;
            int ys = yOff + s * channels;
            int sb = sOff + s * modes * channels;
            java.util.Arrays.fill(y, ys, ys + channels, 0f);
            for (int m = 0, cm = 0; m < modes; m++, cm += channels) {
                int sm = sb + cm;
                for (int h = 0; h < hv; h += L) {
                    FloatVector uv = FloatVector.fromArray(S, u, us + h);
                    FloatVector ar = FloatVector.fromArray(S, aRe, cm + h);
                    FloatVector ai = FloatVector.fromArray(S, aIm, cm + h);
                    FloatVector xr = FloatVector.fromArray(S, sRe, sm + h);
                    FloatVector xi = FloatVector.fromArray(S, sIm, sm + h);
                    FloatVector nr = ar.fma(xr, uv.sub(ai.mul(xi)));   // ar·xr − ai·xi + u
                    FloatVector ni = ar.fma(xi, ai.mul(xr));           // ar·xi + ai·xr
                    nr.intoArray(sRe, sm + h);
                    ni.intoArray(sIm, sm + h);
                    FloatVector acc = FloatVector.fromArray(S, y, ys + h);
                    FloatVector.fromArray(S, cRe, cm + h).fma(nr, acc)
                            .sub(FloatVector.fromArray(S, cIm, cm + h).mul(ni)).intoArray(y, ys + h);
                }
                if (hv < channels) {
                    stepTail(us + hv, sm + hv, ys + hv, cm + hv, tail, aRe, aIm, cRe, cIm, u, sRe, sIm, y);
                }
            }
            for (int h = 0; h < hv; h += L) {
                FloatVector acc = FloatVector.fromArray(S, y, ys + h);
                FloatVector.fromArray(S, d, h).fma(FloatVector.fromArray(S, u, us + h), acc.add(acc)).intoArray(y, ys + h);
            }
            for (int h = hv; h < channels; h++) y[ys + h] = 2f * y[ys + h] + d[h] * u[us + h];
        }
    }

    /** One mode of the last channels, fewer than a vector, under a lane mask (kept out of the main loop for C1). */
    private static void stepTail(int ui, int si, int yi, int ci, VectorMask<Float> k,
                                 float[] aRe, float[] aIm, float[] cRe, float[] cIm,
                                 float[] u, float[] sRe, float[] sIm, float[] y) {
        FloatVector uv = FloatVector.fromArray(S, u, ui, k);
        FloatVector ar = FloatVector.fromArray(S, aRe, ci, k);
        FloatVector ai = FloatVector.fromArray(S, aIm, ci, k);
        FloatVector xr = FloatVector.fromArray(S, sRe, si, k);
        FloatVector xi = FloatVector.fromArray(S, sIm, si, k);
        FloatVector nr = ar.fma(xr, uv.sub(ai.mul(xi)));
        FloatVector ni = ar.fma(xi, ai.mul(xr));
        nr.intoArray(sRe, si, k);
        ni.intoArray(sIm, si, k);
        FloatVector acc = FloatVector.fromArray(S, y, yi, k);
        FloatVector.fromArray(S, cRe, ci, k).fma(nr, acc).sub(FloatVector.fromArray(S, cIm, ci, k).mul(ni)).intoArray(y, yi, k);
    }

    // ---------------------------------------------------------------------------------------------
    // element-wise

    /**
     * x·Φ(x) with Φ as in {@link #phiLoop}. gelu(+∞) = +∞, gelu(−∞) = −0 as in
     * {@link Activations#gelu(double)}, NaN stays NaN.
     */
    @Override
    public void gelu(float[] a, int off, int n) {
        phiLoop(a, off, a, off, n, true);
    }

    /** Φ of n values, for the accuracy tests. */
    static void phi(float[] src, float[] dst, int n) {
        phiLoop(src, 0, dst, 0, n, false);
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
     * dst = x·Φ(x) (gelu) or Φ(x) of src. The Vector API has no erf, so Φ, the standard normal
     * distribution function ½·(1 + erf(x/√2)), is approximated here in float: within 1·10⁻⁷ of the true
     * value (the tests check a dense grid; the fits contribute ≤ 1.3·10⁻⁸, the rest is float rounding)
     * and, below 0, within 5·10⁻⁷ of it relatively. Approximating Φ directly rather than erf avoids the
     * cancellation in 1 + erf for negative x, so the negative tail keeps its relative accuracy.
     * <ul>
     *   <li>−0.75 &lt; x &lt; 1.5: Φ = ½ + x·P(x²), an odd polynomial of degree 13 (the interval stops
     *       at −0.75 on the left because ½ + x·P cancels as Φ gets small);</li>
     *   <li>otherwise Φ(−|x|) = ½·exp(−x²/2)·t·R(t) with t = 1/(1 + |x|/4) and R of degree 8, and
     *       Φ(|x|) = 1 − Φ(−|x|). x² is split exactly into fl(x²) + lo with an FMA so that exp(−x²/2)
     *       keeps its relative accuracy where x² is large.</li>
     * </ul>
     * x is first raised to −16 if below (x·Φ(x) has underflowed to −0 long before, so gelu(−∞) = −0
     * rather than −∞·0), and |x| is capped at 16 inside the tail formula (keeping ∞ out of the split).
     * NaN gives NaN. exp(−x²/2) runs first, in a loop of its own over chunks of {@link #PHI_CHUNK}
     * into {@link #GAUSS_SCRATCH} (where {@link #geluBackward} finds the last chunk's), and the rest in
     * {@link #phiChunk}: in one loop body the two exceed C2's
     * node budget, and a vector passed to or returned from a call that C2 declines to inline is
     * boxed, which costs more than the arithmetic.
     */
    private static void phiLoop(float[] src, int srcOff, float[] dst, int dstOff, int n, boolean gelu) {
        float[] gauss = GAUSS_SCRATCH.get();
        for (int c = 0; c < n; c += PHI_CHUNK) {
            int len = Math.min(PHI_CHUNK, n - c);
            for (int k = 0; k < len; k += L) {
                VectorMask<Float> m = S.indexInRange(k, len);
                FloatVector a = FloatVector.fromArray(S, src, srcOff + c + k, m).max(-16f).abs().min(16f);
                exp(a.mul(a).mul(-0.5f)).intoArray(gauss, k, m);
            }
            phiChunk(src, srcOff + c, gauss, dst, dstOff + c, len, gelu);
        }
    }

    /** {@link #phiLoop} for n ≤ {@link #PHI_CHUNK} values whose exp(−a²/2) are in gauss[0, n). */
    private static void phiChunk(float[] src, int srcOff, float[] gauss, float[] dst, int dstOff, int n, boolean gelu) {
        VectorMask<Float> phiOnly = S.maskAll(!gelu);
        for (int k = 0; k < n; k += L) {
            VectorMask<Float> m = S.indexInRange(k, n);
            FloatVector x = FloatVector.fromArray(S, src, srcOff + k, m).max(-16f);

            FloatVector x2 = x.mul(x);
            FloatVector p = mad(mad(mad(mad(mad(x2.fma(P6, P5), x2, P4), x2, P3), x2, P2), x2, P1), x2, P0);
            FloatVector central = mad(x, p, 0.5f);

            FloatVector a = x.abs().min(16f);
            FloatVector t = FloatVector.broadcast(S, 1f).div(a.fma(0.25f, 1f));
            FloatVector r = mad(mad(mad(mad(mad(mad(mad(t.fma(R8, R7), t, R6), t, R5), t, R4), t, R3), t, R2), t, R1), t, R0);
            FloatVector a2 = a.mul(a);
            FloatVector lo = a.fma(a, a2.neg());                   // a² − fl(a²), exact
            FloatVector g = FloatVector.fromArray(S, gauss, k, m).mul(lo.fma(-0.5f, 1f));   // exp(−a²/2)
            FloatVector lower = g.mul(t).mul(r).mul(0.5f);         // Φ(−|x|)
            FloatVector tails = lower.neg().add(1f).blend(lower, x.compare(VectorOperators.LT, 0f));
            VectorMask<Float> inCentre = x.compare(VectorOperators.GT, -0.75f).and(x.compare(VectorOperators.LT, 1.5f));
            FloatVector phi = tails.blend(central, inCentre);

            phi.mul(x.blend(1f, phiOnly)).intoArray(dst, dstOff + k, m);
        }
    }

    private static final float LOG2E = 1.44269504f;
    /** ln 2 in two parts: LN2_HI has 8 trailing zero bits, so k·LN2_HI is exact for |k| ≤ 2⁸. */
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude below 2²² to an integer. */
    private static final float ROUNDER = 12582912f;

    /**
     * e^x lane-wise from IEEE adds, multiplies, fmas and bit operations only, within 2 ulp of the true
     * value. Not {@code lanewise(EXP)}: C2 compiles that to a vector math library whose results differ
     * in the last bit from the Java fallback the interpreter and C1 run (about 1% of floats), so a
     * kernel would answer differently before and after it is compiled and two training runs (or a
     * resumed one and its uninterrupted twin) would not be bit-identical. Here every tier computes the
     * same operations. x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial to degree 7
     * (truncation below 10⁻⁸ relative), then two exponent scalings by 2^(k/2) so that k from −150 to
     * 128 stays representable: the results overflow to infinity and underflow through the subnormals
     * to 0 as e^x does; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-104f).min(89f);
        FloatVector k = xc.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
        FloatVector r = xc.sub(k.mul(LN2_HI));                 // both steps exact: k·LN2_HI fits, and is near x
        r = r.sub(k.mul(LN2_LO));
        FloatVector p = mad(mad(mad(mad(mad(mad(r.fma(1f / 5040, 1f / 720), r, 1f / 120), r, 1f / 24), r, 1f / 6), r, 0.5f), r, 1f), r, 1f);
        IntVector ki = (IntVector) k.convert(VectorOperators.F2I, 0);
        IntVector half = ki.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ki.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** a·b + c (small enough to be inlined always). */
    private static FloatVector mad(FloatVector a, FloatVector b, float c) {
        return a.fma(b, FloatVector.broadcast(S, c));
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

    @Override
    public void reluBackward(float[] y, int yOff, float[] g, int gOff, int n) {
        // C2 leaves the scalar form's conditional store unvectorised; a blend does the same.
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> up = FloatVector.fromArray(S, y, yOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, g, gOff + i), up).intoArray(g, gOff + i);
        }
        for (; i < n; i++) {
            if (!(y[yOff + i] > 0f)) g[gOff + i] = 0f;
        }
    }

    /** z·σ(g) computed as z / (1 + e^(−g)): one rounding fewer than a separate sigmoid. */
    @Override
    public void glu(float[] z, int rows, int width, float[] out) {
        gluRows(z, rows, width, out, null);
    }

    @Override
    public void gluForward(float[] z, int rows, int width, float[] out, float[] gateExp) {
        gluRows(z, rows, width, out, gateExp);
    }

    /** a/(1 + e) with e = exp(−b), also storing e unless gateExp is null (C2 unswitches the test). */
    private static void gluRows(float[] z, int rows, int width, float[] out, float[] gateExp) {
        int jv = width - width % L;
        VectorMask<Float> tail = S.indexInRange(jv, width);
        for (int r = 0; r < rows; r++) {
            int zr = r * 2 * width;
            int or = r * width;
            for (int j = 0; j < jv; j += L) {
                FloatVector v = FloatVector.fromArray(S, z, zr + j);
                FloatVector e = exp(FloatVector.fromArray(S, z, zr + width + j).neg());
                if (gateExp != null) e.intoArray(gateExp, or + j);
                v.div(e.add(1f)).intoArray(out, or + j);
            }
            if (jv < width) {
                FloatVector v = FloatVector.fromArray(S, z, zr + jv, tail);
                FloatVector e = exp(FloatVector.fromArray(S, z, zr + width + jv, tail).neg());
                if (gateExp != null) e.intoArray(gateExp, or + jv, tail);
                v.div(e.add(1f)).intoArray(out, or + jv, tail);
            }
        }
    }

    @Override
    public void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps) {
        int jv = width - width % L;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float mean = rowMean(x, o, width);
            float inv = rowInverseStd(x, o, width, mean, eps);
            for (int j = 0; j < jv; j += L) {
                FloatVector.fromArray(S, x, o + j).sub(mean).mul(inv)
                        .fma(FloatVector.fromArray(S, weight, j), FloatVector.fromArray(S, bias, j))
                        .intoArray(x, o + j);
            }
            for (int j = jv; j < width; j++) x[o + j] = (x[o + j] - mean) * inv * weight[j] + bias[j];
        }
    }

    /** The mean of x[o, o + width). */
    private static float rowMean(float[] x, int o, int width) {
        int jv = width - width % L;
        FloatVector sv = FloatVector.zero(S);
        for (int j = 0; j < jv; j += L) sv = sv.add(FloatVector.fromArray(S, x, o + j));
        float sum = sumLanes(sv);
        for (int j = jv; j < width; j++) sum += x[o + j];
        return sum / width;
    }

    /** 1/√(var + eps) of x[o, o + width) around its mean (the biased variance, as LayerNorm uses). */
    private static float rowInverseStd(float[] x, int o, int width, float mean, float eps) {
        int jv = width - width % L;
        FloatVector qv = FloatVector.zero(S);
        for (int j = 0; j < jv; j += L) {
            FloatVector dlt = FloatVector.fromArray(S, x, o + j).sub(mean);
            qv = dlt.fma(dlt, qv);
        }
        float var = sumLanes(qv);
        for (int j = jv; j < width; j++) {
            float dlt = x[o + j] - mean;
            var += dlt * dlt;
        }
        return (float) (1.0 / Math.sqrt(var / width + eps));
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

    // ---------------------------------------------------------------------------------------------
    // backward passes, for training

    /**
     * Rows per block of the weight gradient, so that a block of x (this many rows × one panel of
     * columns, 32 KB with AVX-512) stays in L1 while every output row passes over it.
     */
    private static final int GRAD_ROWS = 128;

    /** Per-thread copy of one panel of x for the weight gradient's tiles (see linearWeightGradient). */
    private static final ThreadLocal<float[]> GRAD_PANEL = ThreadLocal.withInitial(() -> new float[GRAD_ROWS * PANEL]);

    /**
     * Register tiles as in {@link #gemm}, transposed: 6 (or 2) output rows × one panel of input columns
     * stay in 24 (or 8) registers while the rows of x stream by and dy is broadcast one value at a time.
     * The block's panel of x is first copied into contiguous memory: read in place, its rows lie
     * {@code in} floats apart, and for strides like 192 floats (768 bytes) they and dy's rows fall into
     * a quarter of L1's sets, so they evict each other (on the AVX2 machine the product ran at half the
     * forward product's rate). Columns past the last whole panel go one masked vector at a time.
     */
    @Override
    public void linearWeightGradient(float[] dy, int dyOff, float[] x, int xOff, int rows, int out, int in,
                                     float[] dw, float[] db) {
        if (db != null) columnSums(dy, dyOff, rows, out, db);
        int whole = in - in % PANEL;
        float[] xp = GRAD_PANEL.get();
        for (int r0 = 0; r0 < rows; r0 += GRAD_ROWS) {
            int n = Math.min(GRAD_ROWS, rows - r0);
            int dyr = dyOff + r0 * out;
            int xr = xOff + r0 * in;
            for (int i = 0; i < whole; i += PANEL) {
                for (int r = 0; r < n; r++) System.arraycopy(x, xr + r * in + i, xp, r * PANEL, PANEL);
                int o = 0;
                for (; sixRowTiles && o + 6 <= out; o += 6) gradTile6(dy, dyr + o, out, xp, n, dw, o * in + i, in);
                for (; o + 2 <= out; o += 2) gradTile2(dy, dyr + o, out, xp, n, dw, o * in + i, in);
                for (; o < out; o++) gradTile1(dy, dyr + o, out, xp, n, dw, o * in + i);
            }
            for (int i = whole; i < in; i += L) {
                for (int o = 0; o < out; o++) gradColumns(dy, dyr, out, o, x, xr, in, i, n, dw);
            }
        }
    }

    /**
     * dw rows w0, w0 + ws, … (6 of them), one panel of columns from w0, += Σ over the n rows r of
     * dy[g + r·gs + k] · xp[r·PANEL …].
     */
    private static void gradTile6(float[] dy, int g, int gs, float[] xp, int n, float[] dw, int w0, int ws) {
        int w1 = w0 + ws, w2 = w1 + ws, w3 = w2 + ws, w4 = w3 + ws, w5 = w4 + ws;
        FloatVector c00 = FloatVector.fromArray(S, dw, w0), c01 = FloatVector.fromArray(S, dw, w0 + L);
        FloatVector c02 = FloatVector.fromArray(S, dw, w0 + 2 * L), c03 = FloatVector.fromArray(S, dw, w0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, dw, w1), c11 = FloatVector.fromArray(S, dw, w1 + L);
        FloatVector c12 = FloatVector.fromArray(S, dw, w1 + 2 * L), c13 = FloatVector.fromArray(S, dw, w1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, dw, w2), c21 = FloatVector.fromArray(S, dw, w2 + L);
        FloatVector c22 = FloatVector.fromArray(S, dw, w2 + 2 * L), c23 = FloatVector.fromArray(S, dw, w2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, dw, w3), c31 = FloatVector.fromArray(S, dw, w3 + L);
        FloatVector c32 = FloatVector.fromArray(S, dw, w3 + 2 * L), c33 = FloatVector.fromArray(S, dw, w3 + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, dw, w4), c41 = FloatVector.fromArray(S, dw, w4 + L);
        FloatVector c42 = FloatVector.fromArray(S, dw, w4 + 2 * L), c43 = FloatVector.fromArray(S, dw, w4 + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, dw, w5), c51 = FloatVector.fromArray(S, dw, w5 + L);
        FloatVector c52 = FloatVector.fromArray(S, dw, w5 + 2 * L), c53 = FloatVector.fromArray(S, dw, w5 + 3 * L);
        for (int r = 0; r < n; r++, g += gs) {
            int xi = r * PANEL;
            FloatVector x0 = FloatVector.fromArray(S, xp, xi);
            FloatVector x1 = FloatVector.fromArray(S, xp, xi + L);
            FloatVector x2 = FloatVector.fromArray(S, xp, xi + 2 * L);
            FloatVector x3 = FloatVector.fromArray(S, xp, xi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, dy[g]);
            c00 = x0.fma(a, c00); c01 = x1.fma(a, c01); c02 = x2.fma(a, c02); c03 = x3.fma(a, c03);
            a = FloatVector.broadcast(S, dy[g + 1]);
            c10 = x0.fma(a, c10); c11 = x1.fma(a, c11); c12 = x2.fma(a, c12); c13 = x3.fma(a, c13);
            a = FloatVector.broadcast(S, dy[g + 2]);
            c20 = x0.fma(a, c20); c21 = x1.fma(a, c21); c22 = x2.fma(a, c22); c23 = x3.fma(a, c23);
            a = FloatVector.broadcast(S, dy[g + 3]);
            c30 = x0.fma(a, c30); c31 = x1.fma(a, c31); c32 = x2.fma(a, c32); c33 = x3.fma(a, c33);
            a = FloatVector.broadcast(S, dy[g + 4]);
            c40 = x0.fma(a, c40); c41 = x1.fma(a, c41); c42 = x2.fma(a, c42); c43 = x3.fma(a, c43);
            a = FloatVector.broadcast(S, dy[g + 5]);
            c50 = x0.fma(a, c50); c51 = x1.fma(a, c51); c52 = x2.fma(a, c52); c53 = x3.fma(a, c53);
        }
        c00.intoArray(dw, w0); c01.intoArray(dw, w0 + L); c02.intoArray(dw, w0 + 2 * L); c03.intoArray(dw, w0 + 3 * L);
        c10.intoArray(dw, w1); c11.intoArray(dw, w1 + L); c12.intoArray(dw, w1 + 2 * L); c13.intoArray(dw, w1 + 3 * L);
        c20.intoArray(dw, w2); c21.intoArray(dw, w2 + L); c22.intoArray(dw, w2 + 2 * L); c23.intoArray(dw, w2 + 3 * L);
        c30.intoArray(dw, w3); c31.intoArray(dw, w3 + L); c32.intoArray(dw, w3 + 2 * L); c33.intoArray(dw, w3 + 3 * L);
        c40.intoArray(dw, w4); c41.intoArray(dw, w4 + L); c42.intoArray(dw, w4 + 2 * L); c43.intoArray(dw, w4 + 3 * L);
        c50.intoArray(dw, w5); c51.intoArray(dw, w5 + L); c52.intoArray(dw, w5 + 2 * L); c53.intoArray(dw, w5 + 3 * L);
    }

    /** As {@link #gradTile6} for two rows of dw. */
    private static void gradTile2(float[] dy, int g, int gs, float[] xp, int n, float[] dw, int w0, int ws) {
        int w1 = w0 + ws;
        FloatVector c00 = FloatVector.fromArray(S, dw, w0), c01 = FloatVector.fromArray(S, dw, w0 + L);
        FloatVector c02 = FloatVector.fromArray(S, dw, w0 + 2 * L), c03 = FloatVector.fromArray(S, dw, w0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, dw, w1), c11 = FloatVector.fromArray(S, dw, w1 + L);
        FloatVector c12 = FloatVector.fromArray(S, dw, w1 + 2 * L), c13 = FloatVector.fromArray(S, dw, w1 + 3 * L);
        for (int r = 0; r < n; r++, g += gs) {
            int xi = r * PANEL;
            FloatVector x0 = FloatVector.fromArray(S, xp, xi);
            FloatVector x1 = FloatVector.fromArray(S, xp, xi + L);
            FloatVector x2 = FloatVector.fromArray(S, xp, xi + 2 * L);
            FloatVector x3 = FloatVector.fromArray(S, xp, xi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, dy[g]);
            c00 = x0.fma(a, c00); c01 = x1.fma(a, c01); c02 = x2.fma(a, c02); c03 = x3.fma(a, c03);
            a = FloatVector.broadcast(S, dy[g + 1]);
            c10 = x0.fma(a, c10); c11 = x1.fma(a, c11); c12 = x2.fma(a, c12); c13 = x3.fma(a, c13);
        }
        c00.intoArray(dw, w0); c01.intoArray(dw, w0 + L); c02.intoArray(dw, w0 + 2 * L); c03.intoArray(dw, w0 + 3 * L);
        c10.intoArray(dw, w1); c11.intoArray(dw, w1 + L); c12.intoArray(dw, w1 + 2 * L); c13.intoArray(dw, w1 + 3 * L);
    }

    /** As {@link #gradTile6} for one row of dw. */
    private static void gradTile1(float[] dy, int g, int gs, float[] xp, int n, float[] dw, int w0) {
        FloatVector c0 = FloatVector.fromArray(S, dw, w0), c1 = FloatVector.fromArray(S, dw, w0 + L);
        FloatVector c2 = FloatVector.fromArray(S, dw, w0 + 2 * L), c3 = FloatVector.fromArray(S, dw, w0 + 3 * L);
        for (int r = 0; r < n; r++, g += gs) {
            int xi = r * PANEL;
            FloatVector a = FloatVector.broadcast(S, dy[g]);
            c0 = FloatVector.fromArray(S, xp, xi).fma(a, c0);
            c1 = FloatVector.fromArray(S, xp, xi + L).fma(a, c1);
            c2 = FloatVector.fromArray(S, xp, xi + 2 * L).fma(a, c2);
            c3 = FloatVector.fromArray(S, xp, xi + 3 * L).fma(a, c3);
        }
        c0.intoArray(dw, w0); c1.intoArray(dw, w0 + L); c2.intoArray(dw, w0 + 2 * L); c3.intoArray(dw, w0 + 3 * L);
    }

    /** dw row o, columns i … min(i + L, in) − 1 (one masked vector), += the n rows of dy and x. */
    private static void gradColumns(float[] dy, int dyr, int out, int o, float[] x, int xr, int in, int i, int n,
                                    float[] dw) {
        VectorMask<Float> m = S.indexInRange(i, in);
        int w0 = o * in + i;
        FloatVector c = FloatVector.fromArray(S, dw, w0, m);
        for (int r = 0; r < n; r++) {
            c = FloatVector.fromArray(S, x, xr + r * in + i, m).fma(FloatVector.broadcast(S, dy[dyr + r * out + o]), c);
        }
        c.intoArray(dw, w0, m);
    }

    /** db[o] += Σ_r dy[r][o], a vector of columns at a time. */
    private static void columnSums(float[] dy, int dyOff, int rows, int out, float[] db) {
        for (int o = 0; o < out; o += L) {
            VectorMask<Float> m = S.indexInRange(o, out);
            FloatVector acc = FloatVector.fromArray(S, db, o, m);
            for (int r = 0; r < rows; r++) acc = acc.add(FloatVector.fromArray(S, dy, dyOff + r * out + o, m));
            acc.intoArray(db, o, m);
        }
    }

    /** Values of Φ computed per call of {@link #geluBackward}, a bounded chunk at a time. */
    private static final int PHI_CHUNK = 1024;
    private static final ThreadLocal<float[]> PHI_SCRATCH = ThreadLocal.withInitial(() -> new float[PHI_CHUNK]);
    private static final ThreadLocal<float[]> GAUSS_SCRATCH = ThreadLocal.withInitial(() -> new float[PHI_CHUNK]);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));

    /**
     * Φ from {@link #phiLoop} (so the backward pass uses the same Φ as the forward one), then the
     * density term y·φ(y). y is clamped to ±16 in that term only, where it has long underflowed, so
     * that ±∞ give the limits 1 and 0 instead of ∞·0. φ(y)·√(2π) = exp(−y²/2) of the clamped y is
     * what phiLoop leaves in {@link #GAUSS_SCRATCH} (its |y| is clamped the same way, and the square
     * does not see the sign), so it is read from there rather than computed a second time: exp is
     * the dearest part of the loop on machines without AVX-512.
     */
    @Override
    public void geluBackward(float[] y, int yOff, float[] g, int gOff, int n) {
        float[] phi = PHI_SCRATCH.get();
        float[] gauss = GAUSS_SCRATCH.get();
        for (int c = 0; c < n; c += PHI_CHUNK) {
            int len = Math.min(PHI_CHUNK, n - c);
            phiLoop(y, yOff + c, phi, 0, len, false);
            for (int k = 0; k < len; k += L) {
                VectorMask<Float> m = S.indexInRange(k, len);
                FloatVector v = FloatVector.fromArray(S, y, yOff + c + k, m).max(-16f).min(16f);
                FloatVector density = FloatVector.fromArray(S, gauss, k, m).mul(INV_SQRT_2PI);
                FloatVector d = v.fma(density, FloatVector.fromArray(S, phi, k, m));
                FloatVector.fromArray(S, g, gOff + c + k, m).mul(d).intoArray(g, gOff + c + k, m);
            }
        }
    }

    /**
     * With e = exp(−b) as gluForward kept it: σ = 1/(1 + e), and 1 − σ taken as e·σ where σ ≥ ½ (1 − σ
     * would cancel there; e ≤ 1 so the product is finite), as 1 − σ elsewhere (e may be ∞ there).
     */
    @Override
    public void gluBackward(float[] z, float[] gateExp, float[] dOut, int rows, int width, float[] dz) {
        for (int r = 0; r < rows; r++) {
            int zr = r * 2 * width;
            int or = r * width;
            for (int j = 0; j < width; j += L) {
                VectorMask<Float> m = S.indexInRange(j, width);
                FloatVector a = FloatVector.fromArray(S, z, zr + j, m);
                FloatVector d = FloatVector.fromArray(S, dOut, or + j, m);
                FloatVector e = FloatVector.fromArray(S, gateExp, or + j, m);
                FloatVector s = FloatVector.broadcast(S, 1f).div(e.add(1f));
                FloatVector rest = s.neg().add(1f).blend(e.mul(s), s.compare(VectorOperators.GE, 0.5f));
                FloatVector ds = d.mul(s);
                ds.intoArray(dz, zr + j, m);
                ds.mul(a).mul(rest).intoArray(dz, zr + width + j, m);
            }
        }
    }

    @Override
    public void scaleColumns(float[] a, int rows, int width, float[] factors) {
        int whole = width - width % L;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int j = 0; j < whole; j += L) {
                FloatVector.fromArray(S, a, o + j).mul(FloatVector.fromArray(S, factors, j)).intoArray(a, o + j);
            }
            if (whole < width) ScalarKernels.scaleRow(a, o, factors, whole, width);
        }
    }

    @Override
    public void layerNormForward(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                                 float[] xhat, float[] inv, float[] y) {
        int jv = width - width % L;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float mean = rowMean(x, o, width);
            float s = rowInverseStd(x, o, width, mean, eps);
            inv[r] = s;
            for (int j = 0; j < jv; j += L) {
                FloatVector xh = FloatVector.fromArray(S, x, o + j).sub(mean).mul(s);
                xh.intoArray(xhat, o + j);
                xh.fma(FloatVector.fromArray(S, weight, j), FloatVector.fromArray(S, bias, j)).intoArray(y, o + j);
            }
            for (int j = jv; j < width; j++) {
                float xh = (x[o + j] - mean) * s;
                xhat[o + j] = xh;
                y[o + j] = xh * weight[j] + bias[j];
            }
        }
    }

    @Override
    public void layerNormBackward(float[] xhat, float[] inv, float[] dy, int rows, int width, float[] weight,
                                  float[] dx, float[] dWeight, float[] dBias) {
        int jv = width - width % L;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            FloatVector gs = FloatVector.zero(S);
            FloatVector gx = FloatVector.zero(S);
            for (int j = 0; j < jv; j += L) {
                FloatVector d = FloatVector.fromArray(S, dy, o + j);
                FloatVector xh = FloatVector.fromArray(S, xhat, o + j);
                FloatVector g = d.mul(FloatVector.fromArray(S, weight, j));
                gs = gs.add(g);
                gx = g.fma(xh, gx);
                d.fma(xh, FloatVector.fromArray(S, dWeight, j)).intoArray(dWeight, j);
                d.add(FloatVector.fromArray(S, dBias, j)).intoArray(dBias, j);
            }
            float meanG = sumLanes(gs);
            float meanGx = sumLanes(gx);
            for (int j = jv; j < width; j++) {
                float g = dy[o + j] * weight[j];
                meanG += g;
                meanGx += g * xhat[o + j];
                dWeight[j] += dy[o + j] * xhat[o + j];
                dBias[j] += dy[o + j];
            }
            meanG /= width;
            meanGx /= width;
            float s = inv[r];
            for (int j = 0; j < jv; j += L) {
                FloatVector g = FloatVector.fromArray(S, dy, o + j).mul(FloatVector.fromArray(S, weight, j));
                g.sub(meanG).sub(FloatVector.fromArray(S, xhat, o + j).mul(meanGx)).mul(s).intoArray(dx, o + j);
            }
            for (int j = jv; j < width; j++) dx[o + j] = s * (dy[o + j] * weight[j] - meanG - xhat[o + j] * meanGx);
        }
    }
}
