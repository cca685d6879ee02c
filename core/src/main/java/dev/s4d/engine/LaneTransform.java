package dev.s4d.engine;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The causal convolution along time of many channels at once, for one sequence length, by an FFT in
 * which every butterfly acts on a vector of V consecutive channels (V = the preferred float vector
 * length): the transform machinery that {@link LaneConvolution} (inference) and the trainer's
 * convolution (forward, backward and kernel gradient) share. Activations are token-major (length × H),
 * so V channels at one time step are one contiguous load: no gather or transposition, every operation
 * full-width, and V channels cost what one costs in a scalar FFT.
 *
 * <p>Layout: the work memory holds n complex points × V lanes as [point][lane], real and imaginary
 * parts apart. Channels go in blocks of V (the last one zero-padded), and two blocks share one complex
 * transform, one as its real part and one as its imaginary part; since both inputs and both outputs
 * are real, the kernel multiply can separate and recombine them (see {@link #multiply}). The forward
 * transform decimates in frequency (natural order in, bit-reversed out) and the inverse in time
 * (bit-reversed in, natural out), so no reordering pass is needed.
 *
 * <p>n is the smallest power of two ≥ max(2L, 4), so L ≥ n/4 and the upper half of the padded input is
 * zero: the first forward pass reads the input straight from the activations and skips the zeros, the
 * last inverse pass computes only the first L outputs, adds D·z and writes them back.
 *
 * <p>Speed comes from memory more than arithmetic. A pass over the whole work memory (n·V·8 bytes, 256
 * KiB for n = 2048) runs at L2 bandwidth, so only the passes with the widest butterflies go over all of
 * it; after them the transform falls apart into independent blocks, and each block is taken through its
 * remaining forward passes, the work between the transforms (a {@link UnitStep}: the kernel multiply,
 * which pairs it with one mirror block, see {@link #units}) and its first inverse passes while it sits
 * in L1. (The work memory is a plain float array although Java arrays are only 8-byte aligned, so most
 * 64-byte vector accesses span two cache lines: 64-byte-aligned off-heap memory does halve the cost of
 * the passes in L1, but its accesses add so many JIT nodes that C2 stops inlining within these
 * butterflies and boxes vectors, which is slower by far.)
 *
 * <p>The butterflies are written out in full, with no helper methods taking or returning vectors: C2
 * boxes a vector whenever one of its operations is left un-inlined, and the radix-4 passes sit close to
 * its per-method inlining budget, which every helper call eats into.
 *
 * <p>Immutable and thread-safe; callers bring the work memory ({@link #workFloats} floats each for re
 * and im) and the staging memory ({@link #stageFloats}).
 */
public final class LaneTransform {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Block size in points such that a block and its mirror block (re + im) fill 32 KiB of a 48 KiB L1. */
    private static final int L1_BLOCK = 32 * 1024 / (2 * 2 * V * Float.BYTES);

    private final int length;
    private final int n;
    /**
     * Per pass size m (indexed by log2 m), for each butterfly j < m/4 and r = 1, 2, 3: cos θ, sin θ, −sin θ
     * with θ = 2π·r·j/m. The forward twiddle is cos − i·sin, the inverse its conjugate; both signs are
     * tabled so that no twiddle is negated in a register before its broadcast, and the table index is
     * linear in j so the JIT drops its bounds checks.
     */
    private final float[][] twiddles;
    /** The sizes of the passes between the first and the last: n/4, n/16, …, down to 4 or 2. */
    private final int[] passSizes;
    /** The index in {@link #passSizes} of the first pass run block by block. */
    private final int firstLocalPass;
    /** Points per block: the sub-transform size when the passes over the whole work memory are done. */
    private final int block;
    /**
     * The blocks, two by two, as (first block's start, mirror block's start, first and end entry of the
     * frequency pairs); a block that is its own mirror appears once with both starts equal.
     */
    private final int[] units;
    /** The positions (p, q) holding frequencies k and n − k, one entry per pair, in the units' order. */
    private final int[] pairs;

    /**
     * The work done on the spectrum between the forward and the inverse transform, one unit at a time
     * while its blocks sit in L1: entries [from, to) of the frequency pairs, whose positions lie in the
     * blocks starting at {@code lo} and {@code mirror} ({@link #block} points each; equal when the block
     * pairs with itself).
     */
    @FunctionalInterface
    public interface UnitStep {
        void run(int from, int to, int lo, int mirror);
    }

    public LaneTransform(int length) {
        if (length < 1) throw new IllegalArgumentException("length must be positive, got " + length);
        this.length = length;
        this.n = sizeFor(length);
        int passes = 0;
        for (int m = n / 4; m >= 2; m /= 4) passes++;
        passSizes = new int[passes];
        int local = passes;
        for (int i = 0, m = n / 4; i < passes; i++, m /= 4) {
            passSizes[i] = m;
            if (m <= L1_BLOCK && local == passes) local = i;
        }
        firstLocalPass = local;
        block = local < passes ? passSizes[local] : n / 4;   // n = 4: the first pass leaves single points
        twiddles = new float[Integer.numberOfTrailingZeros(n) + 1][];
        twiddles[Integer.numberOfTrailingZeros(n)] = twiddleTable(n);
        for (int m : passSizes) twiddles[Integer.numberOfTrailingZeros(m)] = twiddleTable(m);
        pairs = frequencyPairs(n);
        units = units(pairs, block);
    }

    /** The FFT size for sequences of {@code length}: the smallest power of two ≥ max(2·length, 4). */
    public static int sizeFor(int length) {
        int n = 4;
        while (n < 2L * length) n *= 2;
        return n;
    }

    /** Channels per lane block (V); a transform carries two blocks. */
    public static int lanes() {
        return V;
    }

    public int length() {
        return length;
    }

    /** The FFT size n. */
    public int size() {
        return n;
    }

    /** Floats of each of re and im in the work memory: n points × V lanes. */
    public int workFloats() {
        return n * V;
    }

    /** Floats of one block pair's kernel spectrum ({@link #writeSpectrum}) or correlation sums ({@link #correlate}). */
    public int spectrumFloats() {
        return pairs.length / 2 * 4 * V;
    }

    /** Floats of the staging memory {@link #convolve} needs for a block pair cut by the last channel: length × 2V. */
    public int stageFloats() {
        return length * 2 * V;
    }

    /**
     * y = K ∗ z + D·z along time for the block pair of channels [first, first + 2V) (those below h), z and
     * y being length × h row-major: the forward transform of z_A + i·z_B, {@code step} on every unit, the
     * inverse transform and the skip term (d indexed by channel, at least first + 2V long).
     *
     * <p>A block pair that the last channel cuts short is first copied, zero-padded, to {@code stage}
     * ({@link #stageFloats} floats) and its result copied back, so the passes never mask a load: each
     * masked access computes its lane range and checks it, which took about a tenth of the training
     * time when every access was masked.
     */
    public void convolve(float[] z, float[] y, int h, int first, float[] d, float[] re, float[] im, float[] stage, UnitStep step) {
        int used = Math.min(2 * V, h - first);
        boolean staged = used < 2 * V;
        if (staged) {
            for (int t = 0; t < length; t++) {
                System.arraycopy(z, t * h + first, stage, t * 2 * V, used);
                Arrays.fill(stage, t * 2 * V + used, (t + 1) * 2 * V, 0f);
            }
        }
        float[] in = staged ? stage : z;
        float[] out = staged ? stage : y;
        int stride = staged ? 2 * V : h;
        int column = staged ? 0 : first;
        firstForwardPass(in, stride, column, re, im);
        for (int i = 0; i < firstLocalPass; i++) forwardPass(re, im, 0, n, passSizes[i]);
        for (int u = 0; u < units.length; u += 4) {
            int lo = units[u];
            int mirror = units[u + 1];
            forwardBlock(re, im, lo);
            if (mirror != lo) forwardBlock(re, im, mirror);
            step.run(units[u + 2], units[u + 3], lo, mirror);
            inverseBlock(re, im, lo);
            if (mirror != lo) inverseBlock(re, im, mirror);
        }
        for (int i = firstLocalPass - 1; i >= 0; i--) inversePass(re, im, 0, n, passSizes[i]);
        // In place when staged: each output row is written right after the same row of z is read.
        lastInversePass(in, out, stride, column, d, first, re, im);
        if (staged) {
            for (int t = 0; t < length; t++) System.arraycopy(stage, t * 2 * V, y, t * h + first, used);
        }
    }

    /**
     * Writes the spectra of the kernels K_A (channel of lane {@code lane} in the first block) and K_B (in
     * the second) into a block pair's spectrum at {@code offset}, as K/(2n) at the frequency of the first
     * position of each pair (1/n is the inverse transform's normalisation, the 2 comes from {@link
     * #multiply}). The kernels come as JTransforms' packed real spectra of size n; null stands for a
     * missing channel (K = 0).
     */
    public void writeSpectrum(double[] packedA, double[] packedB, float[] out, int offset, int lane) {
        double[] k = new double[2];
        for (int e = 0; e < pairs.length / 2; e++) {
            int f = frequencyAt(pairs[2 * e]);
            for (int part = 0; part < 2; part++) {
                spectrumAt(part == 0 ? packedA : packedB, f, k);
                int at = offset + (4 * e + 2 * part) * V + lane;
                out[at] = (float) (k[0] / (2.0 * n));
                out[at + V] = (float) (k[1] / (2.0 * n));
            }
        }
    }

    /** Frequency f from JTransforms' packed real spectrum (null: zero). */
    private void spectrumAt(double[] a, int f, double[] out) {
        if (a == null) {
            out[0] = 0;
            out[1] = 0;
            return;
        }
        int half = f <= n / 2 ? f : n - f;   // a real sequence's spectrum is conjugate-symmetric
        double sign = f <= n / 2 ? 1 : -1;
        if (half == 0) {
            out[0] = a[0];
            out[1] = 0;
        } else if (half == n / 2) {
            out[0] = a[1];
            out[1] = 0;
        } else {
            out[0] = a[2 * half];
            out[1] = sign * a[2 * half + 1];
        }
    }

    /**
     * Copies the spectrum in the blocks at {@code lo} and {@code mirror} (during a {@link UnitStep}) to
     * the same positions of {@code saved}: re at {@code offset}, im at {@code offset + workFloats()}.
     */
    public void save(int lo, int mirror, float[] re, float[] im, float[] saved, int offset) {
        int floats = block * V;
        int imOffset = offset + n * V;
        System.arraycopy(re, lo * V, saved, offset + lo * V, floats);
        System.arraycopy(im, lo * V, saved, imOffset + lo * V, floats);
        if (mirror != lo) {
            System.arraycopy(re, mirror * V, saved, offset + mirror * V, floats);
            System.arraycopy(im, mirror * V, saved, imOffset + mirror * V, floats);
        }
    }

    /**
     * Adds to {@code acc} (a block pair's sums at {@code accOffset}, laid out as {@link #writeSpectrum}
     * lays out K) 4·conj(Z_A)·G_A and 4·conj(Z_B)·G_B for entries [from, to), at the frequency of each
     * pair's first position: the spectra of the correlations Σ_t g[t + τ]·z[t] of each channel, which
     * are ∂loss/∂K for output gradients g and inputs z. Z is a {@link #save}d spectrum (at {@code zOffset})
     * of z_A + i·z_B, G the current spectrum of g_A + i·g_B. As in {@link #multiply}, u = Z[k] + conj Z[n−k]
     * = 2·Z_A[k] and v = Z[k] − conj Z[n−k] = 2i·Z_B[k], likewise u′, v′ of G, so conj(u)·u′ = 4·conj(Z_A)·G_A
     * and conj(v)·v′ = 4·conj(Z_B)·G_B.
     */
    public void correlate(float[] zSaved, int zOffset, int from, int to, float[] re, float[] im, float[] acc, int accOffset) {
        int zIm = zOffset + n * V;
        for (int e = from; e < to; e++) {
            int p = pairs[2 * e] * V;
            int q = pairs[2 * e + 1] * V;
            int s = accOffset + e * 4 * V;
            FloatVector zpr = FloatVector.fromArray(S, zSaved, zOffset + p);
            FloatVector zpi = FloatVector.fromArray(S, zSaved, zIm + p);
            FloatVector zqr = FloatVector.fromArray(S, zSaved, zOffset + q);
            FloatVector zqi = FloatVector.fromArray(S, zSaved, zIm + q);
            FloatVector gpr = FloatVector.fromArray(S, re, p);
            FloatVector gpi = FloatVector.fromArray(S, im, p);
            FloatVector gqr = FloatVector.fromArray(S, re, q);
            FloatVector gqi = FloatVector.fromArray(S, im, q);
            FloatVector ur = zpr.add(zqr);
            FloatVector ui = zpi.sub(zqi);
            FloatVector vr = zpr.sub(zqr);
            FloatVector vi = zpi.add(zqi);
            FloatVector u2r = gpr.add(gqr);
            FloatVector u2i = gpi.sub(gqi);
            FloatVector v2r = gpr.sub(gqr);
            FloatVector v2i = gpi.add(gqi);
            // conj(a)·b = (ar·br + ai·bi) + i·(ar·bi − ai·br)
            ur.fma(u2r, ui.mul(u2i)).add(FloatVector.fromArray(S, acc, s)).intoArray(acc, s);
            ur.fma(u2i, ui.mul(u2r).neg()).add(FloatVector.fromArray(S, acc, s + V)).intoArray(acc, s + V);
            vr.fma(v2r, vi.mul(v2i)).add(FloatVector.fromArray(S, acc, s + 2 * V)).intoArray(acc, s + 2 * V);
            vr.fma(v2i, vi.mul(v2r).neg()).add(FloatVector.fromArray(S, acc, s + 3 * V)).intoArray(acc, s + 3 * V);
        }
    }

    /**
     * One channel's correlation spectrum from the {@link #correlate} sums of several workers (added in the
     * order given, each a block pair's sums at {@code offset}): lane {@code lane} of block A or B, divided
     * by 4, into JTransforms' packed real-spectrum layout (n doubles; a real inverse then gives the
     * correlation).
     */
    public void packedCorrelation(float[][] parts, int offset, int lane, boolean blockB, double[] packed) {
        Arrays.fill(packed, 0, n, 0.0);
        int partOffset = offset + (blockB ? 2 * V : 0) + lane;
        for (int e = 0; e < pairs.length / 2; e++) {
            int f = frequencyAt(pairs[2 * e]);
            int at = partOffset + e * 4 * V;
            double r = 0;
            double i = 0;
            for (float[] part : parts) {
                r += part[at];
                i += part[at + V];
            }
            r *= 0.25;
            i *= 0.25;
            if (f == 0) {
                packed[0] = r;
            } else if (f == n / 2) {
                packed[1] = r;
            } else if (f < n / 2) {
                packed[2 * f] = r;
                packed[2 * f + 1] = i;
            } else {   // the mirror frequency holds the conjugate
                packed[2 * (n - f)] = r;
                packed[2 * (n - f) + 1] = -i;
            }
        }
    }

    private float[] twiddleTable(int m) {
        float[] t = new float[m / 4 * 9];
        for (int j = 0; j < m / 4; j++) {
            for (int r = 1; r <= 3; r++) {
                double theta = 2 * Math.PI * r * j / m;
                t[9 * j + 3 * (r - 1)] = (float) Math.cos(theta);
                t[9 * j + 3 * (r - 1) + 1] = (float) Math.sin(theta);
                t[9 * j + 3 * (r - 1) + 2] = (float) -Math.sin(theta);
            }
        }
        return t;
    }

    /**
     * Position p of the bit-reversed spectrum holds frequency rev(p). Frequencies 0 and n/2 (positions 0
     * and 1) pair with themselves; in every octave [2^s, 2^(s+1)) of positions, rev(p) + rev(q) = n for
     * the mirror image q = 3·2^s − 1 − p, so the pairs are visited from both ends of each octave.
     */
    private static int[] frequencyPairs(int n) {
        int[] pairs = new int[n + 2];
        int e = 2;   // entry 0 is (0, 0)
        for (int lo = 1; lo < n; lo *= 2) {
            for (int p = lo, q = 2 * lo - 1; p <= q; p++, q--) {
                pairs[e++] = p;
                pairs[e++] = q;
            }
        }
        return pairs;
    }

    /**
     * Groups the multiply's entries by the blocks they touch. Since partners mirror each other within an
     * octave and blocks are aligned powers of two, all partners of one block lie in one mirror block
     * (or in the block itself, for the blocks up to the first octave as wide as a block).
     */
    private static int[] units(int[] pairs, int block) {
        int entries = pairs.length / 2;
        int[] u = new int[4 * entries];
        int count = 0;
        for (int e = 0; e < entries; e++) {
            int start = pairs[2 * e] / block * block;
            if (count == 0 || u[4 * (count - 1)] != start) {
                u[4 * count] = start;
                u[4 * count + 1] = pairs[2 * e + 1] / block * block;
                u[4 * count + 2] = e;
                count++;
            }
            u[4 * (count - 1) + 3] = e + 1;
        }
        return Arrays.copyOf(u, 4 * count);
    }

    /** The frequency held at a position of the bit-reversed spectrum. */
    private int frequencyAt(int position) {
        return Integer.reverse(position) >>> Integer.numberOfLeadingZeros(n) + 1;
    }


    private void forwardBlock(float[] re, float[] im, int start) {
        for (int i = firstLocalPass; i < passSizes.length; i++) forwardPass(re, im, start, start + block, passSizes[i]);
    }

    private void inverseBlock(float[] re, float[] im, int start) {
        for (int i = passSizes.length - 1; i >= firstLocalPass; i--) inversePass(re, im, start, start + block, passSizes[i]);
    }

    /**
     * The first radix-4 decimation-in-frequency pass over all n points, reading x[t] = z_A[t] + i·z_B[t]
     * from rows of {@code stride} floats, z_A at {@code column}. With quarters x0..x3 at t = j, j + n/4,
     * j + n/2, j + 3n/4, x2 = x3 = 0 (t ≥ n/2 ≥ L), x0 is always in range (L ≥ n/4) and x1 is zero from
     * t = L on.
     */
    private void firstForwardPass(float[] z, int stride, int column, float[] re, float[] im) {
        int q = n / 4;
        float[] w = twiddles[Integer.numberOfTrailingZeros(n)];
        int quarter = q * V;
        for (int j = 0; j < q; j++) {
            int t1 = j + q;
            // Past the end, read the last row (always in range) and scale it to zero: no branch, no zero-vector phi.
            float keep = t1 < length ? 1f : 0f;
            int r0 = j * stride + column;
            int r1 = Math.min(t1, length - 1) * stride + column;
            FloatVector ar = FloatVector.fromArray(S, z, r0);
            FloatVector ai = FloatVector.fromArray(S, z, r0 + V);
            FloatVector br = FloatVector.fromArray(S, z, r1).mul(keep);
            FloatVector bi = FloatVector.fromArray(S, z, r1 + V).mul(keep);
            int i0 = j * V;
            int t = 9 * j;
            ar.add(br).intoArray(re, i0);
            ai.add(bi).intoArray(im, i0);
            // y1 = (x0 − x1)·w^2j, y2 = (x0 − i·x1)·w^j, y3 = (x0 + i·x1)·w^3j; w = cos − i·sin
            FloatVector y1r = ar.sub(br);
            FloatVector y1i = ai.sub(bi);
            y1i.fma(FloatVector.broadcast(S, w[t + 4]), y1r.mul(w[t + 3])).intoArray(re, i0 + quarter);
            y1r.fma(FloatVector.broadcast(S, w[t + 5]), y1i.mul(w[t + 3])).intoArray(im, i0 + quarter);
            FloatVector y2r = ar.add(bi);
            FloatVector y2i = ai.sub(br);
            y2i.fma(FloatVector.broadcast(S, w[t + 1]), y2r.mul(w[t])).intoArray(re, i0 + 2 * quarter);
            y2r.fma(FloatVector.broadcast(S, w[t + 2]), y2i.mul(w[t])).intoArray(im, i0 + 2 * quarter);
            FloatVector y3r = ar.sub(bi);
            FloatVector y3i = ai.add(br);
            y3i.fma(FloatVector.broadcast(S, w[t + 7]), y3r.mul(w[t + 6])).intoArray(re, i0 + 3 * quarter);
            y3r.fma(FloatVector.broadcast(S, w[t + 8]), y3i.mul(w[t + 6])).intoArray(im, i0 + 3 * quarter);
        }
    }

    /**
     * One decimation-in-frequency pass over the sub-transforms of size m in [from, to): radix 4 (two
     * radix-2 stages at once), or radix 2 when m = 2. Outputs stay in place, in bit-reversed block order.
     */
    private void forwardPass(float[] re, float[] im, int from, int to, int m) {
        if (m == 2) {
            radix2Pass(re, im, from, to);
            return;
        }
        int q = m / 4;
        int quarter = q * V;
        float[] w = twiddles[Integer.numberOfTrailingZeros(m)];
        for (int base = from; base < to; base += m) {
            for (int j = 0; j < q; j++) {
                int i0 = (base + j) * V;
                int i1 = i0 + quarter;
                int i2 = i1 + quarter;
                int i3 = i2 + quarter;
                FloatVector x0r = FloatVector.fromArray(S, re, i0);
                FloatVector x0i = FloatVector.fromArray(S, im, i0);
                FloatVector x1r = FloatVector.fromArray(S, re, i1);
                FloatVector x1i = FloatVector.fromArray(S, im, i1);
                FloatVector x2r = FloatVector.fromArray(S, re, i2);
                FloatVector x2i = FloatVector.fromArray(S, im, i2);
                FloatVector x3r = FloatVector.fromArray(S, re, i3);
                FloatVector x3i = FloatVector.fromArray(S, im, i3);
                FloatVector ar = x0r.add(x2r);
                FloatVector ai = x0i.add(x2i);
                FloatVector cr = x0r.sub(x2r);
                FloatVector ci = x0i.sub(x2i);
                FloatVector br = x1r.add(x3r);
                FloatVector bi = x1i.add(x3i);
                FloatVector dr = x1r.sub(x3r);
                FloatVector di = x1i.sub(x3i);
                int t = 9 * j;
                // y0 = a + b, y1 = (a − b)·w^2j, y2 = (c − i·d)·w^j, y3 = (c + i·d)·w^3j; w = cos − i·sin
                ar.add(br).intoArray(re, i0);
                ai.add(bi).intoArray(im, i0);
                FloatVector y1r = ar.sub(br);
                FloatVector y1i = ai.sub(bi);
                y1i.fma(FloatVector.broadcast(S, w[t + 4]), y1r.mul(w[t + 3])).intoArray(re, i1);
                y1r.fma(FloatVector.broadcast(S, w[t + 5]), y1i.mul(w[t + 3])).intoArray(im, i1);
                FloatVector y2r = cr.add(di);
                FloatVector y2i = ci.sub(dr);
                y2i.fma(FloatVector.broadcast(S, w[t + 1]), y2r.mul(w[t])).intoArray(re, i2);
                y2r.fma(FloatVector.broadcast(S, w[t + 2]), y2i.mul(w[t])).intoArray(im, i2);
                FloatVector y3r = cr.sub(di);
                FloatVector y3i = ci.add(dr);
                y3i.fma(FloatVector.broadcast(S, w[t + 7]), y3r.mul(w[t + 6])).intoArray(re, i3);
                y3r.fma(FloatVector.broadcast(S, w[t + 8]), y3i.mul(w[t + 6])).intoArray(im, i3);
            }
        }
    }

    /** Size-2 butterflies (no twiddle): the last forward stage and the first inverse one when log2 n is odd. */
    private static void radix2Pass(float[] re, float[] im, int from, int to) {
        for (int p = from; p < to; p += 2) {
            int i0 = p * V;
            int i1 = i0 + V;
            FloatVector x0r = FloatVector.fromArray(S, re, i0);
            FloatVector x0i = FloatVector.fromArray(S, im, i0);
            FloatVector x1r = FloatVector.fromArray(S, re, i1);
            FloatVector x1i = FloatVector.fromArray(S, im, i1);
            x0r.add(x1r).intoArray(re, i0);
            x0i.add(x1i).intoArray(im, i0);
            x0r.sub(x1r).intoArray(re, i1);
            x0i.sub(x1i).intoArray(im, i1);
        }
    }

    /**
     * The kernel multiply on entries [from, to) of the frequency pairs (see {@link #convolve}), with a spectrum laid out as {@link #writeSpectrum} writes it,, on the bit-reversed spectrum Z of
     * x = z_A + i·z_B. For the pair (p, q) holding frequencies k and n − k, u = Z[k] + conj Z[n−k] = 2·X_A[k]
     * and v = Z[k] − conj Z[n−k] = 2i·X_B[k] with X_A, X_B the spectra of the two real inputs. The
     * transform of y_A + i·y_B is K_A·X_A + i·K_B·X_B = (K_A·u + K_B·v)/2 at k and, the kernels being real,
     * conj(K_A·u − K_B·v)/2 at n − k; {@link #writeSpectrum} has folded the 1/2 (and the inverse's 1/n) into
     * K. A self-paired position (frequency 0 or n/2) gets the same value from both formulas.
     *
     * <p>With {@code conjugate}, K is replaced by conj K, the spectrum of the time-reversed kernel, which
     * turns the convolution into the correlation the backward pass needs (conj K is a real signal's
     * spectrum too, so the same formulas hold).
     */
    public void multiply(float[] spectrum, int offset, int from, int to, float[] re, float[] im, boolean conjugate) {
        float sign = conjugate ? -1f : 1f;
        for (int e = from; e < to; e++) {
            int p = pairs[2 * e] * V;
            int q = pairs[2 * e + 1] * V;
            int s = offset + e * 4 * V;
            FloatVector kar = FloatVector.fromArray(S, spectrum, s);
            FloatVector kai = FloatVector.fromArray(S, spectrum, s + V).mul(sign);
            FloatVector kbr = FloatVector.fromArray(S, spectrum, s + 2 * V);
            FloatVector kbi = FloatVector.fromArray(S, spectrum, s + 3 * V).mul(sign);
            FloatVector ar = FloatVector.fromArray(S, re, p);
            FloatVector ai = FloatVector.fromArray(S, im, p);
            FloatVector br = FloatVector.fromArray(S, re, q);
            FloatVector bi = FloatVector.fromArray(S, im, q);
            FloatVector ur = ar.add(br);
            FloatVector ui = ai.sub(bi);
            FloatVector vr = ar.sub(br);
            FloatVector vi = ai.add(bi);
            FloatVector xr = ur.mul(kar).sub(ui.mul(kai));   // K_A·u
            FloatVector xi = ui.fma(kar, ur.mul(kai));
            FloatVector yr = vr.mul(kbr).sub(vi.mul(kbi));   // K_B·v
            FloatVector yi = vi.fma(kbr, vr.mul(kbi));
            xr.add(yr).intoArray(re, p);
            xi.add(yi).intoArray(im, p);
            xr.sub(yr).intoArray(re, q);
            yi.sub(xi).intoArray(im, q);
        }
    }

    /**
     * One radix-4 (or radix-2) decimation-in-time pass with conjugate twiddles, the inverse of {@link
     * #forwardPass} up to a factor m: blocks b0..b3 of the bit-reversed sub-spectra, c1 = b1·conj w^2j,
     * c2 = b2·conj w^j, c3 = b3·conj w^3j, then u = b0 ± c1, v = c2 ± c3, and x0 = u0 + v0, x2 = u0 − v0,
     * x1 = u1 + i·v1, x3 = u1 − i·v1.
     */
    private void inversePass(float[] re, float[] im, int from, int to, int m) {
        if (m == 2) {
            radix2Pass(re, im, from, to);
            return;
        }
        int q = m / 4;
        int quarter = q * V;
        float[] w = twiddles[Integer.numberOfTrailingZeros(m)];
        for (int base = from; base < to; base += m) {
            for (int j = 0; j < q; j++) {
                int i0 = (base + j) * V;
                int i1 = i0 + quarter;
                int i2 = i1 + quarter;
                int i3 = i2 + quarter;
                int t = 9 * j;
                FloatVector b0r = FloatVector.fromArray(S, re, i0);
                FloatVector b0i = FloatVector.fromArray(S, im, i0);
                FloatVector b1r = FloatVector.fromArray(S, re, i1);
                FloatVector b1i = FloatVector.fromArray(S, im, i1);
                FloatVector b2r = FloatVector.fromArray(S, re, i2);
                FloatVector b2i = FloatVector.fromArray(S, im, i2);
                FloatVector b3r = FloatVector.fromArray(S, re, i3);
                FloatVector b3i = FloatVector.fromArray(S, im, i3);
                // conj w = cos + i·sin: Re = x·cos − y·sin, Im = y·cos + x·sin
                FloatVector c1r = b1i.fma(FloatVector.broadcast(S, w[t + 5]), b1r.mul(w[t + 3]));
                FloatVector c1i = b1r.fma(FloatVector.broadcast(S, w[t + 4]), b1i.mul(w[t + 3]));
                FloatVector c2r = b2i.fma(FloatVector.broadcast(S, w[t + 2]), b2r.mul(w[t]));
                FloatVector c2i = b2r.fma(FloatVector.broadcast(S, w[t + 1]), b2i.mul(w[t]));
                FloatVector c3r = b3i.fma(FloatVector.broadcast(S, w[t + 8]), b3r.mul(w[t + 6]));
                FloatVector c3i = b3r.fma(FloatVector.broadcast(S, w[t + 7]), b3i.mul(w[t + 6]));
                FloatVector u0r = b0r.add(c1r);
                FloatVector u0i = b0i.add(c1i);
                FloatVector u1r = b0r.sub(c1r);
                FloatVector u1i = b0i.sub(c1i);
                FloatVector v0r = c2r.add(c3r);
                FloatVector v0i = c2i.add(c3i);
                FloatVector v1r = c2r.sub(c3r);
                FloatVector v1i = c2i.sub(c3i);
                u0r.add(v0r).intoArray(re, i0);
                u0i.add(v0i).intoArray(im, i0);
                u1r.sub(v1i).intoArray(re, i1);
                u1i.add(v1r).intoArray(im, i1);
                u0r.sub(v0r).intoArray(re, i2);
                u0i.sub(v0i).intoArray(im, i2);
                u1r.add(v1i).intoArray(re, i3);
                u1i.sub(v1r).intoArray(im, i3);
            }
        }
    }

    /**
     * The last inverse pass (size n), computing only x0 (t = j) and x1 (t = j + n/4) of each butterfly
     * since outputs from n/2 ≥ L on are discarded, and writing y_A = Re x + D·z_A, y_B = Im x + D·z_B
     * (z and y in rows of {@code stride} floats, channel A at {@code column}; D of A at {@code d[first]}).
     */
    private void lastInversePass(float[] z, float[] y, int stride, int column, float[] d, int first, float[] re, float[] im) {
        int q = n / 4;
        int quarter = q * V;
        float[] w = twiddles[Integer.numberOfTrailingZeros(n)];
        FloatVector da = FloatVector.fromArray(S, d, first);
        FloatVector db = FloatVector.fromArray(S, d, first + V);
        for (int j = 0; j < q; j++) {
            int i0 = j * V;
            int i1 = i0 + quarter;
            int i2 = i1 + quarter;
            int i3 = i2 + quarter;
            int t = 9 * j;
            FloatVector b0r = FloatVector.fromArray(S, re, i0);
            FloatVector b0i = FloatVector.fromArray(S, im, i0);
            FloatVector b1r = FloatVector.fromArray(S, re, i1);
            FloatVector b1i = FloatVector.fromArray(S, im, i1);
            FloatVector b2r = FloatVector.fromArray(S, re, i2);
            FloatVector b2i = FloatVector.fromArray(S, im, i2);
            FloatVector b3r = FloatVector.fromArray(S, re, i3);
            FloatVector b3i = FloatVector.fromArray(S, im, i3);
            FloatVector c1r = b1i.fma(FloatVector.broadcast(S, w[t + 5]), b1r.mul(w[t + 3]));
            FloatVector c1i = b1r.fma(FloatVector.broadcast(S, w[t + 4]), b1i.mul(w[t + 3]));
            FloatVector c2r = b2i.fma(FloatVector.broadcast(S, w[t + 2]), b2r.mul(w[t]));
            FloatVector c2i = b2r.fma(FloatVector.broadcast(S, w[t + 1]), b2i.mul(w[t]));
            FloatVector c3r = b3i.fma(FloatVector.broadcast(S, w[t + 8]), b3r.mul(w[t + 6]));
            FloatVector c3i = b3r.fma(FloatVector.broadcast(S, w[t + 7]), b3i.mul(w[t + 6]));
            int r0 = j * stride + column;
            FloatVector x0r = b0r.add(c1r).add(c2r.add(c3r));
            FloatVector x0i = b0i.add(c1i).add(c2i.add(c3i));
            x0r.add(da.mul(FloatVector.fromArray(S, z, r0))).intoArray(y, r0);
            x0i.add(db.mul(FloatVector.fromArray(S, z, r0 + V))).intoArray(y, r0 + V);
            if (j + q < length) {
                int r1 = r0 + q * stride;
                FloatVector x1r = b0r.sub(c1r).sub(c2i.sub(c3i));
                FloatVector x1i = b0i.sub(c1i).add(c2r.sub(c3r));
                x1r.add(da.mul(FloatVector.fromArray(S, z, r1))).intoArray(y, r1);
                x1i.add(db.mul(FloatVector.fromArray(S, z, r1 + V))).intoArray(y, r1 + V);
            }
        }
    }
}
