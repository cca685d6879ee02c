package dev.s4d.loihi.chip;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The engine's hot loops with the Vector API, several neurons per instruction: the S4D neurons'
 * update ({@link S4DNeurons#advance}), the dense synapses ({@link DenseSynapses#accumulate}), the
 * fan-out, the fan-in and the senders' messages. Each does its scalar form's integer operations lane
 * by lane, so it gives the same integers (a test holds the two to equality). C2 does not vectorise
 * the scalar S4D loop by itself, since it cannot rule out that the state arrays alias, and the scalar
 * loops are several times slower. The S4D loops hold states, coefficients and the fanned-out input
 * as ints (at most 30 bits, so narrowing states back is exact) and widen them to long lanes for
 * the products: since JDK 24, C2 compiles a product of two widened ints to one signed 32×32→64-bit
 * multiply (vpmuldq) instead of a full 64-bit one.
 *
 * <p>Only touched when {@link FixedPointEngine#vectorLoopsAvailable()}: the incubator module may be
 * missing from the JVM, and this class's initialisation needs it.
 */
final class VectorLoops {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    /** Int lanes as many as L's, for loading and storing the states. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(L.vectorBitSize() / 2));
    /** Full-width int lanes (twice L's), for the state update in split products. */
    private static final VectorSpecies<Integer> W = VectorSpecies.of(int.class, L.vectorShape());
    /** The split of a split product: x = (x >> SPLIT)·2^SPLIT + (x & LOW). */
    private static final int SPLIT = 12;
    private static final int LOW = (1 << SPLIT) - 1;

    private VectorLoops() {
    }

    /** Long lanes per vector on this platform. */
    static int lanes() {
        return L.length();
    }

    /**
     * Whether {@link #advance} may update the states of {@code s} in int lanes with split products:
     * each state × coefficient (or input × coefficient) product, up to 40 bits at the default widths,
     * is taken as two products of at most 28 bits, of the value's upper bits and of its lower
     * {@value #SPLIT} bits, and the rounding shift is carried out on the two halves (see
     * {@link #splitShift}). That gives the same integers as the 64-bit form whenever every partial
     * result fits an int and each shift is a right shift by at least {@value #SPLIT} bits, which the
     * checks below ensure from the widths alone; at the default widths (16-bit coefficients, 24-bit
     * states and payloads) and the exponents calibration chooses, they hold.
     */
    static boolean splitProductsFit(int stateBits, int coefficientBits, int spikeBits, Shift a, Shift b) {
        return coefficientBits + SPLIT <= 30
                && stateBits + coefficientBits - 1 - SPLIT <= 29
                && spikeBits + coefficientBits - 2 - SPLIT <= 29
                && rightShiftAtLeastSplit(a) && rightShiftAtLeastSplit(b)
                && stateBits + coefficientBits - 1 - a.right() <= 29
                && spikeBits + coefficientBits - 2 - b.right() <= 29
                && stateBits <= 31;
    }

    private static boolean rightShiftAtLeastSplit(Shift s) {
        return s.left() == 0 && s.right() >= SPLIT && s.right() <= 30;
    }

    /** Advances the mode neurons [0, n − n mod lanes) of {@code s}; returns where the scalar tail starts. */
    static int advance(S4DNeurons s, int[] re, int[] im, int off, int[] uFan, long[] skip, long[] y, ChipCounters counters) {
        // Three short loops, not one long one: C2 stops inlining the Vector API in a loop body this
        // large (its node budget), and then allocates every vector on the heap, several times slower
        // than the scalar loop. The new real parts wait in y until the imaginary parts, which still
        // need the old real parts, are done.
        int upper;
        long stateEvents;
        if (s.splitProducts) {
            // Twice the lanes of the 64-bit form, and no 64-bit shifts, which AVX2 lacks.
            upper = W.loopBound(s.size());
            stateEvents = realPartsSplit(s, upper, re, im, off, uFan, y);
            stateEvents += imaginaryPartsSplit(s, upper, re, im, off, uFan);
        } else {
            upper = L.loopBound(s.size());
            stateEvents = realParts(s, upper, re, im, off, uFan, y);
            stateEvents += imaginaryParts(s, upper, re, im, off, uFan);
        }
        counters.addSaturations(s.stateSite, stateEvents);
        counters.addSaturations(s.payloadSite, payloads(s, upper, re, im, off, skip, y));
        return upper;
    }

    /** next[i] ← bound_S(shr(re·aRe − im·aIm, e_A) + shr(u·bRe, e_B)); returns the bound events. */
    private static long realParts(S4DNeurons s, int upper, int[] re, int[] im, int off, int[] uFan, long[] next) {
        int[] aRe = s.aRe;
        int[] aIm = s.aIm;
        int[] bRe = s.bRe;
        Shift shiftA = s.shiftA;
        Shift shiftB = s.shiftB;
        Bound state = s.state;
        long events = 0;
        for (int i = 0; i < upper; i += L.length()) {
            LongVector x = shift(widen(re, off + i).mul(widen(aRe, i)).sub(widen(im, off + i).mul(widen(aIm, i))), shiftA)
                    .add(shift(widen(uFan, i).mul(widen(bRe, i)), shiftB));
            LongVector b = bound(x, state);
            events += x.compare(VectorOperators.NE, b).trueCount();
            b.intoArray(next, i);
        }
        return events;
    }

    /** im ← bound_S(shr(re·aIm + im·aRe, e_A) + shr(u·bIm, e_B)) from the old re; returns the bound events. */
    private static long imaginaryParts(S4DNeurons s, int upper, int[] re, int[] im, int off, int[] uFan) {
        int[] aRe = s.aRe;
        int[] aIm = s.aIm;
        int[] bIm = s.bIm;
        Shift shiftA = s.shiftA;
        Shift shiftB = s.shiftB;
        Bound state = s.state;
        long events = 0;
        for (int i = 0; i < upper; i += L.length()) {
            LongVector x = shift(widen(re, off + i).mul(widen(aIm, i)).add(widen(im, off + i).mul(widen(aRe, i))), shiftA)
                    .add(shift(widen(uFan, i).mul(widen(bIm, i)), shiftB));
            LongVector b = bound(x, state);
            events += x.compare(VectorOperators.NE, b).trueCount();
            narrow(b).intoArray(im, off + i);
        }
        return events;
    }

    /** {@link #realParts} in int lanes with split products (see {@link #splitProductsFit}). */
    private static long realPartsSplit(S4DNeurons s, int upper, int[] re, int[] im, int off, int[] uFan, long[] next) {
        int[] aRe = s.aRe;
        int[] aIm = s.aIm;
        int[] bRe = s.bRe;
        Shift shiftA = s.shiftA;
        Shift shiftB = s.shiftB;
        Bound state = s.state;
        long events = 0;
        for (int i = 0; i < upper; i += W.length()) {
            IntVector r = IntVector.fromArray(W, re, off + i);
            IntVector m = IntVector.fromArray(W, im, off + i);
            IntVector ar = IntVector.fromArray(W, aRe, i);
            IntVector ai = IntVector.fromArray(W, aIm, i);
            IntVector u = IntVector.fromArray(W, uFan, i);
            IntVector br = IntVector.fromArray(W, bRe, i);
            IntVector x = splitShift(high(r).mul(ar).sub(high(m).mul(ai)), r.and(LOW).mul(ar).sub(m.and(LOW).mul(ai)), shiftA)
                    .add(splitShift(high(u).mul(br), u.and(LOW).mul(br), shiftB));
            IntVector b = bound(x, state);
            events += x.compare(VectorOperators.NE, b).trueCount();
            ((LongVector) b.convertShape(VectorOperators.I2L, L, 0)).intoArray(next, i);
            ((LongVector) b.convertShape(VectorOperators.I2L, L, 1)).intoArray(next, i + L.length());
        }
        return events;
    }

    /** {@link #imaginaryParts} in int lanes with split products (see {@link #splitProductsFit}). */
    private static long imaginaryPartsSplit(S4DNeurons s, int upper, int[] re, int[] im, int off, int[] uFan) {
        int[] aRe = s.aRe;
        int[] aIm = s.aIm;
        int[] bIm = s.bIm;
        Shift shiftA = s.shiftA;
        Shift shiftB = s.shiftB;
        Bound state = s.state;
        long events = 0;
        for (int i = 0; i < upper; i += W.length()) {
            IntVector r = IntVector.fromArray(W, re, off + i);
            IntVector m = IntVector.fromArray(W, im, off + i);
            IntVector ar = IntVector.fromArray(W, aRe, i);
            IntVector ai = IntVector.fromArray(W, aIm, i);
            IntVector u = IntVector.fromArray(W, uFan, i);
            IntVector bi = IntVector.fromArray(W, bIm, i);
            IntVector x = splitShift(high(r).mul(ai).add(high(m).mul(ar)), r.and(LOW).mul(ai).add(m.and(LOW).mul(ar)), shiftA)
                    .add(splitShift(high(u).mul(bi), u.and(LOW).mul(bi), shiftB));
            IntVector b = bound(x, state);
            events += x.compare(VectorOperators.NE, b).trueCount();
            b.intoArray(im, off + i);
        }
        return events;
    }

    private static IntVector high(IntVector v) {
        return v.lanewise(VectorOperators.ASHR, SPLIT);
    }

    /**
     * {@link Shift#apply} of h·2^SPLIT + lo, from its two parts: with 0 ≤ lo mod 2^SPLIT, the sign of
     * the whole is the sign of h + (lo >> SPLIT), and for a shift by k ≥ SPLIT,
     * floor((h·2^SPLIT + t) / 2^k) = (h + (t >> SPLIT)) >> (k − SPLIT) with t = lo + the rounding terms.
     */
    private static IntVector splitShift(IntVector h, IntVector lo, Shift s) {
        IntVector t = lo.add((int) s.half());
        if (s.negativeBias() != 0) {
            t = t.add(h.add(lo.lanewise(VectorOperators.ASHR, SPLIT)).lanewise(VectorOperators.ASHR, 31).and((int) s.negativeBias()));
        }
        return h.add(t.lanewise(VectorOperators.ASHR, SPLIT)).lanewise(VectorOperators.ASHR, s.right() - SPLIT);
    }

    /**
     * Stores the new real parts (waiting in y) into re, then y ← bound_P(shr(cRe·re − cIm·im, e_C) +
     * skip); returns the bound events.
     */
    private static long payloads(S4DNeurons s, int upper, int[] re, int[] im, int off, long[] skip, long[] y) {
        int[] cRe = s.cRe;
        int[] cIm = s.cIm;
        Shift shiftC = s.shiftC;
        Bound payload = s.payload;
        long events = 0;
        for (int i = 0; i < upper; i += L.length()) {
            narrow(LongVector.fromArray(L, y, i)).intoArray(re, off + i);
            // Reread as ints, so that both factors of each product are widened ints (see S4DNeurons).
            LongVector c = widen(cRe, i).mul(widen(re, off + i)).sub(widen(cIm, i).mul(widen(im, off + i)));
            LongVector v = shift(c, shiftC).add(LongVector.fromArray(L, skip, i));
            LongVector p = bound(v, payload);
            events += v.compare(VectorOperators.NE, p).trueCount();
            p.intoArray(y, i);
        }
        return events;
    }

    /**
     * {@link DenseSynapses#accumulate} for the outputs [0, outputs − outputs mod lanes), a vector of
     * outputs at a time summed over the non-zero inputs; returns where the scalar tail starts.
     */
    static int accumulate(DenseSynapses d, long[] a, int[] nonZero, int n, long[] acc, ChipCounters counters) {
        int outputs = d.outputs();
        int upper = L.loopBound(outputs);
        int[] weights = d.weights;
        long events = 0;
        for (int i = 0; i < upper; i += L.length()) {
            LongVector sum = LongVector.fromArray(L, d.bias, i);
            for (int k = 0; k < n; k++) {
                int j = nonZero[k];
                // a[j] is a payload, so it fits an int; broadcast as one, it is a widened int too.
                sum = sum.add(widen(weights, j * outputs + i).mul(widen(IntVector.broadcast(I, (int) a[j]))));
            }
            LongVector b = bound(sum, d.accumulator);
            events += sum.compare(VectorOperators.NE, b).trueCount();
            b.intoArray(acc, i);
        }
        counters.addSaturations(d.site, events);
        return upper;
    }

    /** n rounded down to whole vectors: where a vector loop over n values hands over to its scalar tail. */
    static int loopBound(int n) {
        return L.loopBound(n);
    }

    /**
     * The sending of payloads a[0, upper) ({@code upper} a multiple of the lanes): counts the
     * non-zero ones, or with sigma-delta ({@code last} not null) sends changes of at least θ, keeps
     * what was sent in last and leaves in a what the receivers hold. Returns the messages.
     */
    static long send(long[] a, int upper, int[] last, int off, long theta) {
        long messages = 0;
        if (last == null) {
            for (int i = 0; i < upper; i += L.length()) {
                messages += LongVector.fromArray(L, a, i).compare(VectorOperators.NE, 0).trueCount();
            }
            return messages;
        }
        for (int i = 0; i < upper; i += L.length()) {
            LongVector value = LongVector.fromArray(L, a, i);
            LongVector held = widen(last, off + i);
            VectorMask<Long> passes = value.sub(held).abs().compare(VectorOperators.GE, theta);
            held = held.blend(value, passes);
            narrow(held).intoArray(last, off + i);
            held.intoArray(a, i);
            messages += passes.trueCount();
        }
        return messages;
    }

    /** The fan-out: uFan[c·modes + n] = u[c] for every channel and mode (payloads fit in ints). */
    static void fanOut(long[] u, int channels, int modes, int[] uFan) {
        int upper = I.loopBound(modes);
        for (int c = 0; c < channels; c++) {
            int base = c * modes;
            int value = (int) u[c];
            IntVector v = IntVector.broadcast(I, value);
            for (int n = 0; n < upper; n += I.length()) v.intoArray(uFan, base + n);
            for (int n = upper; n < modes; n++) uFan[base + n] = value;
        }
    }

    /** The fan-in: sums[c] = Σ_n y[c·modes + n] for every channel (exact: integer sums in any order). */
    static void fanIn(long[] y, int channels, int modes, long[] sums) {
        int upper = L.loopBound(modes);
        for (int c = 0; c < channels; c++) {
            int base = c * modes;
            LongVector v = LongVector.zero(L);
            for (int n = 0; n < upper; n += L.length()) v = v.add(LongVector.fromArray(L, y, base + n));
            long sum = v.reduceLanes(VectorOperators.ADD);
            for (int n = upper; n < modes; n++) sum += y[base + n];
            sums[c] = sum;
        }
    }

    private static LongVector widen(int[] a, int off) {
        return widen(IntVector.fromArray(I, a, off));
    }

    private static LongVector widen(IntVector v) {
        return (LongVector) v.convertShape(VectorOperators.I2L, L, 0);
    }

    private static IntVector narrow(LongVector v) {
        return (IntVector) v.convertShape(VectorOperators.L2I, I, 0);
    }

    /**
     * {@link Shift#apply} lane-wise, with only the operations this shift needs. The branches on the
     * shift's constants are predictable, and C2 compiles only the paths a model's shifts take; the
     * fewer vector operations a loop has, the safer it is from the node budget (see {@link #advance}).
     */
    private static LongVector shift(LongVector x, Shift s) {
        if (s.right() == 0) return s.left() == 0 ? x : x.lanewise(VectorOperators.LSHL, s.left());
        LongVector biased = s.negativeBias() == 0 ? x : x.add(x.lanewise(VectorOperators.ASHR, 63).and(s.negativeBias()));
        return biased.add(s.half()).lanewise(VectorOperators.ASHR, s.right());
    }

    /** {@link Bound#apply} lane-wise, for values that fit an int and widths up to 31 bits. */
    private static IntVector bound(IntVector x, Bound b) {
        if (b.wrap()) return x.lanewise(VectorOperators.LSHL, 32 - b.bits()).lanewise(VectorOperators.ASHR, 32 - b.bits());
        return x.max((int) b.min()).min((int) b.max());
    }

    /** {@link Bound#apply} lane-wise. */
    private static LongVector bound(LongVector x, Bound b) {
        if (b.wrap()) return x.lanewise(VectorOperators.LSHL, 64 - b.bits()).lanewise(VectorOperators.ASHR, 64 - b.bits());
        return x.max(b.min()).min(b.max());
    }
}
