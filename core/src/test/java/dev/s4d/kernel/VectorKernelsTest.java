package dev.s4d.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels against the scalar specification on random data of many shapes: sizes below, at
 * and above the vector length and not multiples of it, one row, offsets, with and without bias.
 *
 * <p>Tolerances come from float rounding only. Summing n products in float errs by at most about
 * n·u·Σ|terms| (u = 2⁻²⁴) whatever the order, and either implementation may do so, so the two may
 * differ by 2·n·u·Σ|terms| (a few 10⁻⁵ of Σ|terms| for n = 256; typical differences are far smaller).
 * A wrong index or a missed term shows up as an error of the order of the terms themselves.
 */
class VectorKernelsTest {
    private static final double U = Math.ulp(1.0f) / 2;   // unit roundoff of float, 2⁻²⁴

    private static final Kernels SCALAR = Kernels.scalar();
    private static Kernels vector;
    /** Both row tilings of the matrix products, whichever this machine's registers favour. */
    private static final Kernels[] TILINGS = {VectorKernels.withSixRowTiles(true), VectorKernels.withSixRowTiles(false)};

    @BeforeAll
    static void vectorKernels() {
        vector = VectorKernels.create();
        assertThat(vector.name()).as("this machine should have real SIMD").startsWith("vector(");
    }

    private static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }

    // ---------------------------------------------------------------------------------------------
    // linear

    private static final int[] ROWS = {1, 2, 3, 5, 6, 7, 8, 11, 12, 13, 15, 16, 17, 23, 64, 100};
    private static final int[] SIZES = {1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 65, 100, 128, 130, 257};

    @Test
    void linearMatchesScalarOnManyShapes() {
        SplittableRandom rnd = new SplittableRandom(11);
        int cases = 0;
        for (int rows : ROWS) {
            for (int in : SIZES) {
                for (int out : SIZES) {
                    if ((long) rows * in * out > 1_500_000) continue;
                    // all pairs would be slow with the scalar reference: a third of them, chosen at random
                    if (rnd.nextInt(3) != 0 && !(in == 64 || out == 64 || rows == 1)) continue;
                    checkLinear(rnd, rows, in, out, rnd.nextBoolean());
                    cases++;
                }
            }
        }
        assertThat(cases).isGreaterThan(500);
    }

    @Test
    void linearOnEngineShapes() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int[] s : new int[][]{{1, 64, 128}, {1, 128, 256}, {64, 64, 128}, {300, 128, 256}, {1, 256, 512},
                                   {4, 256, 256}, {50, 256, 512}, {97, 64, 64}}) {
            checkLinear(rnd, s[0], s[1], s[2], true);
            checkLinear(rnd, s[0], s[1], s[2], false);
        }
    }

    /** Unpacked, packed by either implementation, used by either: all must agree with the specification. */
    private static void checkLinear(SplittableRandom rnd, int rows, int in, int out, boolean withBias) {
        int xOff = rnd.nextInt(5);
        int yOff = rnd.nextInt(5);
        float[] x = random(rnd, xOff + rows * in + 3, 2.0);
        float[] w = random(rnd, out * in, 1.0 / Math.sqrt(in));
        float[] bias = withBias ? random(rnd, out, 0.5) : null;
        float[] expected = filled(yOff + rows * out + 3, 7f);
        SCALAR.linear(x, xOff, rows, in, w, bias, out, expected, yOff);

        double[] tol = new double[expected.length];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double mag = bias == null ? 0 : Math.abs(bias[o]);
                for (int i = 0; i < in; i++) mag += Math.abs((double) x[xOff + r * in + i] * w[o * in + i]);
                tol[yOff + r * out + o] = (2.0 * in + 4) * U * mag + Float.MIN_NORMAL;
            }
        }
        String shape = rows + "×" + in + "→" + out + (withBias ? " with bias" : "") + " offsets " + xOff + "," + yOff;

        float[] y = filled(expected.length, 7f);
        for (Kernels v : TILINGS) {
            Arrays.fill(y, 7f);
            v.linear(x, xOff, rows, in, w, bias, out, y, yOff);
            assertClose(y, expected, tol, "unpacked " + shape);

            PackedWeights vp = v.pack(w, out, in);
            Arrays.fill(y, 7f);
            v.linear(x, xOff, rows, vp, bias, y, yOff);
            assertClose(y, expected, tol, "vector-packed " + shape);

            Arrays.fill(y, 7f);
            SCALAR.linear(x, xOff, rows, vp, bias, y, yOff);
            assertClose(y, expected, tol, "vector-packed used by scalar " + shape);

            PackedWeights sp = SCALAR.pack(w, out, in);
            Arrays.fill(y, 7f);
            v.linear(x, xOff, rows, sp, bias, y, yOff);
            assertClose(y, expected, tol, "scalar-packed used by vector " + shape);
        }
    }

    /**
     * The tilings differ only in how many rows share a register tile; every sum runs over the same
     * terms in the same order, so the results are the same bits. That is what lets a training run
     * resumed on another machine (or after the tiling changed) repeat its losses exactly.
     */
    @Test
    void bothRowTilingsGiveTheSameBits() {
        SplittableRandom rnd = new SplittableRandom(14);
        int rows = 6 * 3 + 2 + 1, in = 70, out = 45;
        float[] x = random(rnd, rows * in, 1), w = random(rnd, out * in, 0.3), bias = random(rnd, out, 0.5);
        float[] dy = random(rnd, rows * out, 1);
        float[][] y = new float[2][rows * out], dw = new float[2][out * in], db = new float[2][out];
        for (int t = 0; t < 2; t++) {
            TILINGS[t].linear(x, 0, rows, TILINGS[t].pack(w, out, in), bias, y[t], 0);
            TILINGS[t].linearWeightGradient(dy, 0, x, 0, rows, out, in, dw[t], db[t]);
        }
        assertThat(y[1]).containsExactly(y[0]);
        assertThat(dw[1]).containsExactly(dw[0]);
        assertThat(db[1]).containsExactly(db[0]);
    }

    /**
     * Rows are taken in blocks, tiles of 6 and 2 inside each, and a last odd row on its own; each row's
     * sums are the same whichever tile computes it, so the product of many rows is, bit for bit, the
     * products of its pairs of rows taken one pair at a time (and of the odd row alone: a lone row
     * sums its last panel differently). Row counts cross the block size (96) with every remainder kind.
     */
    @Test
    void blocksAndTilesGiveEachRowTheBitsOfItsPairAlone() {
        SplittableRandom rnd = new SplittableRandom(15);
        for (Kernels v : TILINGS) {
            for (int rows : new int[]{95, 96, 97, 191, 200, 1024 + 5}) {
                int in = 70, out = 45 + rows % 3 * 20;
                float[] x = random(rnd, rows * in, 1), w = random(rnd, out * in, 0.3), bias = random(rnd, out, 0.5);
                PackedWeights packed = v.pack(w, out, in);
                float[] all = new float[rows * out];
                v.linear(x, 0, rows, packed, bias, all, 0);
                float[] alone = new float[rows * out];
                for (int r = 0; r < rows; r += 2) v.linear(x, r * in, Math.min(2, rows - r), packed, bias, alone, r * out);
                assertThat(all).as("%d rows → %d", rows, out).containsExactly(alone);
            }
        }
    }

    @Test
    void packCopiesTheWeights() {
        SplittableRandom rnd = new SplittableRandom(13);
        int in = 20, out = 70, rows = 9;
        float[] w = random(rnd, out * in, 0.3);
        float[] x = random(rnd, rows * in, 1);
        PackedWeights p = vector.pack(w, out, in);
        float[] before = new float[rows * out];
        vector.linear(x, 0, rows, p, null, before, 0);
        Arrays.fill(w, 100f);
        float[] after = new float[rows * out];
        vector.linear(x, 0, rows, p, null, after, 0);
        assertThat(after).containsExactly(before);
        assertThat(p.out()).isEqualTo(out);
        assertThat(p.in()).isEqualTo(in);
    }

    @Test
    void linearWithNoInputsGivesTheBias() {
        float[] bias = {1, 2, 3};
        float[] y = new float[6];
        vector.linear(new float[0], 0, 2, 0, new float[0], bias, 3, y, 0);
        assertThat(y).containsExactly(1, 2, 3, 1, 2, 3);
        float[] many = new float[60];
        vector.linear(new float[0], 0, 20, vector.pack(new float[0], 3, 0), bias, many, 0);
        for (int r = 0; r < 20; r++) assertThat(Arrays.copyOfRange(many, 3 * r, 3 * r + 3)).containsExactly(bias);
    }

    // ---------------------------------------------------------------------------------------------
    // diagonalStep

    private record Diag(float[] aRe, float[] aIm, float[] cRe, float[] cIm, float[] d) {
        static Diag random(SplittableRandom rnd, int modes, int channels) {
            int n = modes * channels;
            float[] aRe = new float[n], aIm = new float[n];
            for (int k = 0; k < n; k++) {
                // Ā = exp(dt·A) of a stable diagonal A: magnitude below 1, any phase
                double mag = Math.exp(-rnd.nextDouble() * 0.5);
                double ph = rnd.nextDouble() * 2 * Math.PI;
                aRe[k] = (float) (mag * Math.cos(ph));
                aIm[k] = (float) (mag * Math.sin(ph));
            }
            return new Diag(aRe, aIm, VectorKernelsTest.random(rnd, n, 1), VectorKernelsTest.random(rnd, n, 1),
                    VectorKernelsTest.random(rnd, channels, 1));
        }
    }

    @Test
    void diagonalStepMatchesScalarForOneStep() {
        SplittableRandom rnd = new SplittableRandom(21);
        int cases = 0;
        for (int streams : new int[]{1, 2, 3, 7}) {
            for (int channels : new int[]{1, 2, 3, 8, 15, 16, 17, 31, 33, 64, 100, 128}) {
                for (int modes : new int[]{1, 2, 5, 32}) {
                    checkDiagonalStep(rnd, streams, channels, modes);
                    cases++;
                }
            }
        }
        assertThat(cases).isEqualTo(4 * 12 * 4);
    }

    private static void checkDiagonalStep(SplittableRandom rnd, int streams, int channels, int modes) {
        Diag c = Diag.random(rnd, modes, channels);
        int states = streams * modes * channels;
        float[] sRe = random(rnd, states, 3), sIm = random(rnd, states, 3);
        float[] u = random(rnd, streams * channels, 2);
        float[] sRe2 = sRe.clone(), sIm2 = sIm.clone();
        float[] expected = filled(streams * channels, 9f), y = filled(streams * channels, 9f);

        // bounds before the step: T bounds |new state| and 3u·T its rounding error in either implementation
        double[] tolS = new double[states];
        double[] tolY = new double[streams * channels];
        for (int s = 0; s < streams; s++) {
            for (int h = 0; h < channels; h++) {
                double sum = 0;
                for (int m = 0; m < modes; m++) {
                    int k = m * channels + h, j = s * modes * channels + k;
                    double t = (Math.abs(c.aRe[k]) + Math.abs(c.aIm[k])) * (Math.abs(sRe[j]) + Math.abs(sIm[j]))
                            + Math.abs(u[s * channels + h]);
                    tolS[j] = 8 * U * t;
                    sum += (Math.abs(c.cRe[k]) + Math.abs(c.cIm[k])) * t;
                }
                tolY[s * channels + h] = (8.0 * modes + 16) * U * (2 * sum + Math.abs(c.d[h] * u[s * channels + h]))
                        + Float.MIN_NORMAL;
            }
        }
        SCALAR.diagonalStep(streams, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, 0, sRe, sIm, 0, expected, 0);
        vector.diagonalStep(streams, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, 0, sRe2, sIm2, 0, y, 0);
        String shape = streams + " streams, " + channels + " channels, " + modes + " modes";
        assertClose(sRe2, sRe, tolS, "state (real) " + shape);
        assertClose(sIm2, sIm, tolS, "state (imaginary) " + shape);
        assertClose(y, expected, tolY, "output " + shape);
    }

    @Test
    void diagonalStepHonoursOffsetsAndTouchesNothingOutsideItsRows() {
        SplittableRandom rnd = new SplittableRandom(23);
        int channels = 37, modes = 5, block = channels * modes;
        Diag c = Diag.random(rnd, modes, channels);
        // Two streams at stream positions 2..3 of 5, u/y rows 1..2 of 4.
        float[] sRe = random(rnd, 5 * block, 1), sIm = random(rnd, 5 * block, 1);
        float[] u = random(rnd, 4 * channels, 1);
        float[] sRe2 = sRe.clone(), sIm2 = sIm.clone();
        float[] y = filled(4 * channels, 9f), y2 = filled(4 * channels, 9f);
        SCALAR.diagonalStep(2, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, channels, sRe, sIm, 2 * block, y, channels);
        vector.diagonalStep(2, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, channels, sRe2, sIm2, 2 * block, y2, channels);
        for (int i = 0; i < y.length; i++) {
            boolean inside = i >= channels && i < 3 * channels;
            if (inside) assertThat(y2[i]).isCloseTo(y[i], org.assertj.core.data.Offset.offset(1e-4f));
            else assertThat(y2[i]).isEqualTo(9f);
        }
        for (int i = 0; i < sRe.length; i++) {
            assertThat(sRe2[i]).isCloseTo(sRe[i], org.assertj.core.data.Offset.offset(1e-5f));
            if (i < 2 * block || i >= 4 * block) assertThat(sRe2[i]).isEqualTo(sRe[i]);
        }
    }

    @Test
    void diagonalStepStaysCloseOverManySteps() {
        SplittableRandom rnd = new SplittableRandom(22);
        int streams = 5, channels = 37, modes = 16, steps = 200;
        Diag c = Diag.random(rnd, modes, channels);
        int states = streams * modes * channels;
        float[] sRe = new float[states], sIm = new float[states], sRe2 = new float[states], sIm2 = new float[states];
        float[] y = new float[streams * channels], y2 = new float[streams * channels];
        double worst = 0;
        for (int t = 0; t < steps; t++) {
            float[] u = random(rnd, streams * channels, 1);
            SCALAR.diagonalStep(streams, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, 0, sRe, sIm, 0, y, 0);
            vector.diagonalStep(streams, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, 0, sRe2, sIm2, 0, y2, 0);
            for (int k = 0; k < y.length; k++) worst = Math.max(worst, Math.abs(y[k] - y2[k]));
        }
        // outputs are O(10): rounding differences stay at the level of a few float ulps of that
        assertThat(worst).isLessThan(1e-4);
    }

    // ---------------------------------------------------------------------------------------------
    // element-wise

    @Test
    void geluMatchesScalarWithinTheApproximationBound() {
        SplittableRandom rnd = new SplittableRandom(31);
        for (int n : new int[]{1, 3, 15, 16, 17, 100, 1000, 4099}) {
            int off = rnd.nextInt(4);
            float[] a = new float[off + n + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = switch (rnd.nextInt(3)) {
                    case 0 -> (float) (rnd.nextDouble() * 40 - 20);
                    case 1 -> (float) (rnd.nextDouble() * 6 - 3);
                    default -> (float) (Math.exp(rnd.nextDouble() * 40 - 30) * (rnd.nextBoolean() ? 1 : -1));
                };
            }
            float[] expected = a.clone(), got = a.clone();
            SCALAR.gelu(expected, off, n);
            vector.gelu(got, off, n);
            for (int i = 0; i < a.length; i++) {
                if (i < off || i >= off + n) {
                    assertThat(got[i]).as("outside the range").isEqualTo(a[i]);
                    continue;
                }
                // |Φ error| ≤ 1e-7, then one rounding of the product (and one of the reference)
                double tol = 1e-7 * Math.abs(a[i]) + Math.ulp(expected[i]);
                if (Math.abs(got[i] - expected[i]) > tol) {
                    fail("gelu(" + a[i] + ") = " + got[i] + ", expected " + expected[i]);
                }
            }
        }
    }

    @Test
    void geluSpecialValuesAgree() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
                           Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, -13f, -15f, -16f,
                           -17f, -1e10f, 1e10f, 30f, -0.75f, 1.5f, -1.5f};
        float[] s = special.clone(), v = special.clone();
        SCALAR.gelu(s, 0, s.length);
        vector.gelu(v, 0, v.length);
        assertThat(Float.isNaN(s[0])).isTrue();
        assertThat(Float.isNaN(v[0])).isTrue();
        assertThat(v[1]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(s[1]).isEqualTo(Float.POSITIVE_INFINITY);
        // gelu(−∞) is the limit −0, not −∞·0 = NaN
        assertThat(Float.floatToRawIntBits(v[2])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(Float.floatToRawIntBits(s[2])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(v[5]).isEqualTo(Float.MAX_VALUE);
        assertThat(v[6]).isEqualTo(-0f);
        for (int i = 1; i < special.length; i++) {
            double tol = 1e-7 * Math.abs(special[i]) + Math.ulp(s[i]);
            assertThat((double) v[i]).as("gelu(%s)", special[i]).isCloseTo(s[i], org.assertj.core.data.Offset.offset(tol));
        }
    }

    @Test
    void reluAndAddAreExact() {
        SplittableRandom rnd = new SplittableRandom(41);
        for (int n : new int[]{1, 5, 16, 17, 33, 1000}) {
            int off = rnd.nextInt(4);
            float[] a = random(rnd, off + n + 2, 5);
            a[off] = Float.NaN;
            if (n > 1) a[off + 1] = -0f;
            float[] s = a.clone(), v = a.clone();
            SCALAR.relu(s, off, n);
            vector.relu(v, off, n);
            assertBitwiseEqual(v, s, "relu n=" + n);

            int bOff = rnd.nextInt(4);
            float[] b = random(rnd, bOff + n, 5);
            s = a.clone();
            v = a.clone();
            SCALAR.add(s, off, b, bOff, n);
            vector.add(v, off, b, bOff, n);
            assertBitwiseEqual(v, s, "add n=" + n);
        }
    }

    /** The kernels' own exp: within 2 ulp of Math.exp for normal results, the limits where it leaves the floats. */
    @Test
    void expIsWithinTwoUlpAndKeepsTheLimits() {
        SplittableRandom rnd = new SplittableRandom(61);
        int n = 1 << 16;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 200 - 110);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88.72f, 88.73f, 89f,
                           -87.33f, -87.34f, -103.9f, -104f, -200f, 1e-10f, -1e-10f};
        System.arraycopy(special, 0, x, 0, special.length);
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] got = new float[n];
        for (int i = 0; i < n; i += lanes) VectorKernels.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(got, i);
        assertThat(got[0]).isNaN();
        assertThat(got[1]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(got[2]).isZero();
        assertThat(got[3]).isEqualTo(1f);
        assertThat(got[4]).isEqualTo(1f);
        for (int i = 1; i < n; i++) {
            double expected = Math.exp(x[i]);
            if (expected > Float.MAX_VALUE) {
                assertThat(got[i]).as("exp(%s)", x[i]).isEqualTo(Float.POSITIVE_INFINITY);
            } else if (expected < Float.MIN_NORMAL) {
                assertThat((double) got[i]).as("exp(%s)", x[i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(2.0 * Float.MIN_VALUE));
            } else {
                assertThat((double) got[i]).as("exp(%s)", x[i])
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(2.0 * Math.ulp((float) expected)));
            }
        }
    }

    @Test
    void gluMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(51);
        for (int rows : new int[]{1, 2, 5}) {
            for (int width : new int[]{1, 3, 15, 16, 17, 64, 100, 256}) {
                float[] z = random(rnd, rows * 2 * width, 12);
                z[width] = 200f;                      // gates far out on both sides: σ is 1 or 0 in float
                if (width > 1) z[width + 1] = -200f;
                float[] expected = filled(rows * width + 2, 3f), got = filled(rows * width + 2, 3f);
                SCALAR.glu(z, rows, width, expected);
                vector.glu(z, rows, width, got);
                double[] tol = new double[expected.length];
                // the scalar sigmoid is correctly rounded; exp, add and divide add about 3 roundings more
                for (int i = 0; i < tol.length; i++) tol[i] = 8 * U * Math.abs(expected[i]) + Float.MIN_NORMAL;
                assertClose(got, expected, tol, "glu " + rows + "×" + width);
            }
        }
    }

    @Test
    void layerNormMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(61);
        for (int rows : new int[]{1, 3, 8}) {
            for (int width : new int[]{1, 2, 7, 16, 17, 64, 100, 256}) {
                float[] x = random(rnd, rows * width, 3);
                for (int r = 0; r < rows; r++) {
                    float shift = (float) (rnd.nextDouble() * 4 - 2);
                    for (int j = 0; j < width; j++) x[r * width + j] += shift;
                }
                float[] weight = random(rnd, width, 2), bias = random(rnd, width, 1);
                float[] expected = x.clone(), got = x.clone();
                SCALAR.layerNorm(expected, rows, width, weight, bias, 1e-5f);
                vector.layerNorm(got, rows, width, weight, bias, 1e-5f);
                double[] tol = new double[x.length];
                for (int r = 0; r < rows; r++) {
                    double mean = 0, meanAbs = 0, var = 0;
                    for (int j = 0; j < width; j++) {
                        mean += x[r * width + j];
                        meanAbs += Math.abs(x[r * width + j]);
                    }
                    mean /= width;
                    meanAbs /= width;
                    for (int j = 0; j < width; j++) var += (x[r * width + j] - mean) * (x[r * width + j] - mean);
                    double inv = 1 / Math.sqrt(var / width + 1e-5);
                    // mean and variance each err by ~width·u relative to their magnitudes in either order
                    for (int j = 0; j < width; j++) {
                        double scale = Math.abs(weight[j]) * (Math.abs(x[r * width + j] - mean) + meanAbs) * inv
                                + Math.abs(bias[j]);
                        tol[r * width + j] = (4.0 * width + 16) * U * scale;
                    }
                }
                assertClose(got, expected, tol, "layerNorm " + rows + "×" + width);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * The tests above mostly run the Vector API's Java fallback (interpreter and C1); the intrinsics
     * (masked AVX-512 loads and stores, SVML exp, FMA) only appear once C2 has compiled a kernel. So the
     * same comparisons are repeated here a few thousand times, checking every round, so that the
     * compiled code is checked as well.
     */
    @Test
    void compiledCodeAgreesToo() {
        SplittableRandom rnd = new SplittableRandom(71);
        // linear: 6-row tiles, a 2-row tile and a lone row, a partial panel, an odd input count
        int rows = 9, in = 33, out = 70;
        float[] x = random(rnd, rows * in, 2), w = random(rnd, out * in, 0.2), bias = random(rnd, out, 0.5);
        float[] expected = new float[rows * out];
        SCALAR.linear(x, 0, rows, in, w, bias, out, expected, 0);
        double[] tol = new double[expected.length];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double mag = Math.abs(bias[o]);
                for (int i = 0; i < in; i++) mag += Math.abs((double) x[r * in + i] * w[o * in + i]);
                tol[r * out + o] = (2.0 * in + 4) * U * mag;
            }
        }
        PackedWeights packed = vector.pack(w, out, in);
        // gelu on values spread over both branches and the tails
        float[] g = random(rnd, 1001, 12);
        float[] gExpected = g.clone();
        SCALAR.gelu(gExpected, 0, g.length);
        // diagonal step from a fixed state
        int streams = 3, channels = 37, modes = 5;
        Diag c = Diag.random(rnd, modes, channels);
        float[] sRe = random(rnd, streams * modes * channels, 1), sIm = random(rnd, streams * modes * channels, 1);
        float[] u = random(rnd, streams * channels, 1);
        float[] dRe = sRe.clone(), dIm = sIm.clone(), dy = new float[streams * channels];
        SCALAR.diagonalStep(streams, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, 0, dRe, dIm, 0, dy, 0);
        // glu
        float[] z = random(rnd, 4 * 2 * 45, 10), gluExpected = new float[4 * 45];
        SCALAR.glu(z, 4, 45, gluExpected);

        double[] diagTol = new double[dy.length], stateTol = new double[dRe.length], gluTol = new double[gluExpected.length];
        for (int i = 0; i < dy.length; i++) diagTol[i] = 1e-5 * (1 + Math.abs(dy[i]));
        for (int i = 0; i < dRe.length; i++) stateTol[i] = 1e-6 * (1 + Math.abs(dRe[i]));
        for (int i = 0; i < gluTol.length; i++) gluTol[i] = 8 * U * Math.abs(gluExpected[i]) + Float.MIN_NORMAL;
        float[] y = new float[expected.length], gv = new float[g.length], vRe = new float[sRe.length],
                vIm = new float[sIm.length], vy = new float[dy.length], gluGot = new float[gluExpected.length];
        for (int round = 0; round < 3000; round++) {
            for (Kernels v : TILINGS) {
                v.linear(x, 0, rows, packed, bias, y, 0);
                assertClose(y, expected, tol, "packed linear, round " + round);
                if (round % 4 == 0) {
                    v.linear(x, 0, rows, in, w, bias, out, y, 0);
                    assertClose(y, expected, tol, "unpacked linear, round " + round);
                }
            }
            System.arraycopy(g, 0, gv, 0, g.length);
            vector.gelu(gv, 0, gv.length);
            for (int i = 0; i < g.length; i++) {
                if (Math.abs(gv[i] - gExpected[i]) > 1e-7 * Math.abs(g[i]) + Math.ulp(gExpected[i])) {
                    fail("gelu(" + g[i] + ") = " + gv[i] + ", expected " + gExpected[i] + " in round " + round);
                }
            }
            System.arraycopy(sRe, 0, vRe, 0, sRe.length);
            System.arraycopy(sIm, 0, vIm, 0, sIm.length);
            vector.diagonalStep(streams, channels, modes, c.aRe, c.aIm, c.cRe, c.cIm, c.d, u, 0, vRe, vIm, 0, vy, 0);
            assertClose(vy, dy, diagTol, "diagonal step, round " + round);
            assertClose(vRe, dRe, stateTol, "diagonal state, round " + round);
            vector.glu(z, 4, 45, gluGot);
            assertClose(gluGot, gluExpected, gluTol, "glu, round " + round);
        }
    }

    private static void assertClose(float[] got, float[] expected, double[] tol, String what) {
        assertThat(got).as(what + ": length").hasSameSizeAs(expected);
        for (int i = 0; i < got.length; i++) {
            boolean ok = Float.isNaN(expected[i]) ? Float.isNaN(got[i])
                    : got[i] == expected[i] || Math.abs((double) got[i] - expected[i]) <= tol[i];
            if (!ok) {
                fail(what + ": at " + i + " got " + got[i] + ", expected " + expected[i] + " ± " + tol[i]);
            }
        }
    }

    private static void assertBitwiseEqual(float[] got, float[] expected, String what) {
        for (int i = 0; i < got.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected[i])) {
                fail(what + ": at " + i + " got " + got[i] + ", expected " + expected[i]);
            }
        }
    }

    /**
     * A kernel must give the same bits in every JIT tier, or two training runs with the same threads
     * (and a resumed run and its uninterrupted twin) differ. A child JVM that only interprets runs the
     * Vector API's Java fallback; this JVM, after a few thousand rounds, runs C2's code.
     */
    @Test
    void answersDoNotDependOnTheJit() throws Exception {
        for (int round = 0; round < 3000; round++) JitProbe.checksum();
        long compiled = JitProbe.checksum();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xint", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), JitProbe.class.getName())
                .redirectErrorStream(false).start();
        String out = new String(child.getInputStream().readAllBytes()).strip();
        String err = new String(child.getErrorStream().readAllBytes());
        assertThat(child.waitFor()).as(err).isZero();
        assertThat(Long.parseLong(out)).as("interpreted checksum vs compiled").isEqualTo(compiled);
    }
}
