package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantS4D;

/**
 * One block's S4D neurons, one per channel and mode (docs/LOIHI_ARITHMETIC.md, step 4): each holds
 * a complex state as two integers and sends y = 2·Re(C·x) (plus D·u at mode 0) as a graded spike.
 * Coefficients and states are laid out [channel][mode] (index h·M + n), so a token runs over
 * contiguous arrays.
 */
final class S4DNeurons {
    private final int channels;
    private final int modes;
    // Package-private for VectorLoops, the vector form of advance().
    // Ints, not longs: half the memory a token streams through, and the vector loops multiply two
    // widened ints, which C2 compiles to one 32×32→64-bit multiply instead of a 64-bit one.
    final int[] aRe;
    final int[] aIm;
    final int[] bRe;
    final int[] bIm;
    final int[] cRe;
    final int[] cIm;
    private final int[] d;
    final Shift shiftA;
    final Shift shiftB;
    final Shift shiftC;
    private final Shift shiftD;
    final Bound state;
    final Bound payload;
    final int stateSite;
    final int payloadSite;
    private final boolean vector;
    /** Whether the vector loops may use split products in int lanes ({@link VectorLoops#splitProductsFit}). */
    final boolean splitProducts;

    /**
     * @param name   the neuron group ("s4d1", …), for errors and its bounding sites
     * @param vector whether to step with {@link VectorLoops} (same integers, faster)
     */
    S4DNeurons(String name, QuantS4D s, QuantConfig q, ChipTopology topology, boolean vector) {
        this.vector = vector;
        channels = s.channels();
        modes = s.modes();
        int cb = q.coefficientBits();
        Bound coefficient = Bound.of(cb, q.overflow());
        aRe = mantissas(name, "a_re", s.aRe(), coefficient);
        aIm = mantissas(name, "a_im", s.aIm(), coefficient);
        bRe = mantissas(name, "b_re", s.bRe(), coefficient);
        bIm = mantissas(name, "b_im", s.bIm(), coefficient);
        cRe = mantissas(name, "c_re", s.cRe(), coefficient);
        cIm = mantissas(name, "c_im", s.cIm(), coefficient);
        d = mantissas(name, "d", s.d(), coefficient);
        // Magnitude bounds of what each exponent shifts: a sum of two state × coefficient products,
        // or one payload × coefficient product.
        int stateProducts = q.stateBits() + cb - 1;
        int inputProducts = q.spikeBits() + cb - 2;
        shiftA = Shift.checked(name + " state update (e_A)", s.expA(), q.rounding(), stateProducts);
        shiftB = Shift.checked(name + " input (e_B)", s.expB(), q.rounding(), inputProducts);
        shiftC = Shift.checked(name + " output (e_C)", s.expC(), q.rounding(), stateProducts);
        shiftD = Shift.checked(name + " skip term (e_D)", s.expD(), q.rounding(), inputProducts);
        state = Bound.of(q.stateBits(), q.overflow());
        payload = Bound.of(q.spikeBits(), q.overflow());
        stateSite = topology.siteIndex(name + ".state");
        payloadSite = topology.siteIndex(name + ".payload");
        splitProducts = vector && VectorLoops.splitProductsFit(q.stateBits(), cb, q.spikeBits(), shiftA, shiftB);
    }

    private static int[] mantissas(String group, String what, int[] values, Bound width) {
        for (int i = 0; i < values.length; i++) {
            if (!width.contains(values[i])) {
                throw new IllegalArgumentException(group + " coefficient " + what + "[" + i + "] = " + values[i]
                        + " does not fit coefficient_bits " + width.bits());
            }
        }
        return values.clone();
    }

    /** Neurons in the group: H·M. */
    int size() {
        return channels * modes;
    }

    /**
     * Advances the states {@code re, im [off, off + H·M)} by one token and writes the bounded payloads
     * into {@code y[0, H·M)}.
     *
     * @param u    u_h as the s4d neurons received it (H values)
     * @param uFan the fan-out's copy of u_h at every mode of channel h (H·M values)
     * @param skip scratch of H·M values, zero except at mode 0 of each channel (where this writes D·u)
     */
    void step(int[] re, int[] im, int off, long[] u, int[] uFan, long[] skip, long[] y, ChipCounters counters) {
        // Mode 0 of each channel adds the skip term D·u before its payload is bounded.
        for (int h = 0; h < channels; h++) skip[h * modes] = shiftD.apply(u[h] * (long) d[h]);
        int done = vector ? VectorLoops.advance(this, re, im, off, uFan, skip, y, counters) : 0;
        advance(done, size(), re, im, off, uFan, skip, y, counters);
    }

    /** The mode neurons [from, to), one at a time: the specification's order, and the vector kernel's tail. */
    void advance(int from, int to, int[] re, int[] im, int off, int[] uFan, long[] skip, long[] y, ChipCounters counters) {
        long stateEvents = 0;
        long payloadEvents = 0;
        for (int i = from; i < to; i++) {
            long r = re[off + i];
            long m = im[off + i];
            long ar = aRe[i];
            long ai = aIm[i];
            long ui = uFan[i];
            long nr = shiftA.apply(r * ar - m * ai) + shiftB.apply(ui * (long) bRe[i]);
            long ni = shiftA.apply(r * ai + m * ar) + shiftB.apply(ui * (long) bIm[i]);
            long br = state.apply(nr);
            long bi = state.apply(ni);
            stateEvents += FixedPointArithmetic.differs(nr, br) + FixedPointArithmetic.differs(ni, bi);
            re[off + i] = (int) br;
            im[off + i] = (int) bi;
            long v = shiftC.apply((long) cRe[i] * br - (long) cIm[i] * bi) + skip[i];
            long p = payload.apply(v);
            payloadEvents += FixedPointArithmetic.differs(v, p);
            y[i] = p;
        }
        counters.addSaturations(stateSite, stateEvents);
        counters.addSaturations(payloadSite, payloadEvents);
    }
}
