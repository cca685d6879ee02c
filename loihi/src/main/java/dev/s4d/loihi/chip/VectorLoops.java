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

    private VectorLoops() {
    }

    /** Long lanes per vector on this platform. */
    static int lanes() {
        return L.length();
    }

    /** Advances the mode neurons [0, n − n mod lanes) of {@code s}; returns where the scalar tail starts. */
    static int advance(S4DNeurons s, int[] re, int[] im, int off, int[] uFan, long[] skip, long[] y, ChipCounters counters) {
        int upper = L.loopBound(s.size());
        // Three short loops, not one long one: C2 stops inlining the Vector API in a loop body this
        // large (its node budget), and then allocates every vector on the heap, several times slower
        // than the scalar loop. The new real parts wait in y until the imaginary parts, which still
        // need the old real parts, are done.
        long stateEvents = realParts(s, upper, re, im, off, uFan, y);
        stateEvents += imaginaryParts(s, upper, re, im, off, uFan);
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

    /** {@link Bound#apply} lane-wise. */
    private static LongVector bound(LongVector x, Bound b) {
        if (b.wrap()) return x.lanewise(VectorOperators.LSHL, 64 - b.bits()).lanewise(VectorOperators.ASHR, 64 - b.bits());
        return x.max(b.min()).min(b.max());
    }
}
