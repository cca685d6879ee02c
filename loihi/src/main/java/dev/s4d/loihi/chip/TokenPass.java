package dev.s4d.loihi.chip;

import java.util.Arrays;

/**
 * One worker's way of stepping a stream: feeds one token through every neuron group in order
 * (docs/LOIHI_ARITHMETIC.md, "One token, in integers"), with its own scratch arrays and counters so
 * workers never share anything but the streams' disjoint states.
 */
final class TokenPass {
    private final FixedPointEngine e;
    final ChipCounters counters;
    /** Payloads as the receivers of the current sender group hold them (d_input or H). */
    private final long[] sent;
    /** Indices of the non-zero entries of {@link #sent}. */
    private final int[] nonZero;
    /** Dendritic accumulators of the current receiving group (H or classes). */
    private final long[] acc;
    /** Per mode neuron: the fanned-out u, the skip term (mode 0 only) and the payload y (H·M each). */
    private final int[] uFan;
    private final long[] skip;
    private final long[] y;

    TokenPass(FixedPointEngine engine) {
        this.e = engine;
        this.counters = new ChipCounters(engine.topology());
        int h = engine.config.dModel();
        sent = new long[Math.max(engine.config.dInput(), h)];
        nonZero = new int[sent.length];
        acc = new long[Math.max(engine.config.nClasses(), h)];
        uFan = new int[h * engine.config.modes()];
        skip = new long[uFan.length];
        y = new long[uFan.length];
    }

    /** Feeds token {@code tokens[from, from + d_input)} (finite, checked by the caller) to one stream. */
    void run(ChipStreams s, int stream, float[] tokens, int from) {
        int d = e.config.dInput();
        int h = e.config.dModel();
        long events = 0;
        for (int j = 0; j < d; j++) {
            double r = FixedPointArithmetic.scaled(tokens[from + j], e.inputFraction);
            long q = FixedPointArithmetic.boundIntegral(r, e.payload);
            if (q != r) events++;
            sent[j] = q;
        }
        counters.addSaturations(e.inputSite, events);
        send(s, stream, e.inputGroup, sent, d);

        for (int l = 0; l < e.blocks.length; l++) {
            ChipBlock b = e.blocks[l];
            b.input().accumulate(sent, nonZero, acc, counters);
            relay(b.uShift(), b.uPayloadSite(), h);
            send(s, stream, b.uGroup(), sent, h);
            fanOut(h, e.config.modes());
            S4DNeurons s4d = b.s4d();
            s4d.step(s.re[l], s.im[l], stream * s4d.size(), sent, uFan, skip, y, counters);
            send(s, stream, b.s4dGroup(), y, s4d.size());
            relu(b, h, e.config.modes());
            send(s, stream, b.reluGroup(), sent, h);
        }
        e.output.accumulate(sent, nonZero, acc, counters);
        relay(e.outputShift, e.outPayloadSite, h);
        send(s, stream, e.outGroup, sent, h);
        e.decoder.accumulate(sent, nonZero, acc, counters);
        readout(s, stream);

        for (int g = 0; g < e.groupSize.length; g++) counters.addUpdates(g, e.groupSize[g]);
        counters.addTokens(1);
    }

    /** u- or out-neurons: payload_i = bound_P(shr(acc_i, shift)) into {@link #sent}. */
    private void relay(Shift shift, int site, int n) {
        long events = 0;
        for (int i = 0; i < n; i++) {
            long v = shift.apply(acc[i]);
            long p = e.payload.apply(v);
            events += FixedPointArithmetic.differs(v, p);
            sent[i] = p;
        }
        counters.addSaturations(site, events);
    }

    /** The fan-out synapses: every mode neuron of channel c receives u_c (from {@link #sent}). */
    private void fanOut(int h, int modes) {
        if (e.vector) {
            VectorLoops.fanOut(sent, h, modes, uFan);
        } else {
            for (int c = 0; c < h; c++) Arrays.fill(uFan, c * modes, (c + 1) * modes, (int) sent[c]);
        }
    }

    /** relu-neurons: the fan-in sums the M mode payloads of each channel (step 5), into {@link #sent}. */
    private void relu(ChipBlock b, int h, int modes) {
        if (e.vector) {
            VectorLoops.fanIn(y, h, modes, acc);
        } else {
            for (int c = 0; c < h; c++) {
                long sum = 0;
                for (int n = c * modes; n < (c + 1) * modes; n++) sum += y[n];
                acc[c] = sum;
            }
        }
        long accEvents = 0;
        long payloadEvents = 0;
        for (int c = 0; c < h; c++) {
            long sum = acc[c];
            long accY = e.accumulator.apply(sum);
            accEvents += FixedPointArithmetic.differs(sum, accY);
            long v = b.reluShift().apply(Math.max(accY, 0));
            long p = e.payload.apply(v);
            payloadEvents += FixedPointArithmetic.differs(v, p);
            sent[c] = p;
        }
        counters.addSaturations(b.reluAccumulatorSite(), accEvents);
        counters.addSaturations(b.reluPayloadSite(), payloadEvents);
    }

    /** Class neurons: z = acc (last-token readout) or z = bound_S(z + shr(acc, f_acc − f_z)) (mean). */
    private void readout(ChipStreams s, int stream) {
        int k = e.config.nClasses();
        int off = stream * k;
        if (!e.meanReadout) {
            System.arraycopy(acc, 0, s.z, off, k);
            return;
        }
        long events = 0;
        for (int c = 0; c < k; c++) {
            long v = s.z[off + c] + e.poolShift.apply(acc[c]);
            long b = e.state.apply(v);
            events += FixedPointArithmetic.differs(v, b);
            s.z[off + c] = b;
        }
        counters.addSaturations(e.classStateSite, events);
    }

    /**
     * A sender group's messages. Plain: a neuron sends its payload when it is not 0. Sigma-delta: it
     * sends the change from what its receivers last got, ŝ, when |a − ŝ| ≥ θ (θ ≥ 1, so an unchanged
     * value is never sent), and ŝ becomes a; the receivers then compute with ŝ, which this leaves in
     * {@code a}. Each message costs the group's fan-out in synaptic operations.
     */
    private void send(ChipStreams s, int stream, int group, long[] a, int n) {
        int[] last = s.lastSent[group];
        int off = stream * n;
        long theta = e.threshold[group];
        int done = e.vector ? VectorLoops.loopBound(n) : 0;
        long messages = done > 0 ? VectorLoops.send(a, done, last, off, theta) : 0;
        messages += send(done, n, a, last, off, theta);
        counters.addMessages(group, messages);
        counters.addSynops(e.synapseOf[group], messages * e.fanOut[group]);
    }

    /** The senders [from, to) one at a time: the scalar form, and the vector form's tail; returns the messages. */
    private static long send(int from, int to, long[] a, int[] last, int off, long theta) {
        long messages = 0;
        if (last == null) {
            for (int i = from; i < to; i++) messages += FixedPointArithmetic.differs(a[i], 0);
            return messages;
        }
        for (int i = from; i < to; i++) {
            long delta = a[i] - last[off + i];
            long passes = (theta - 1 - Math.abs(delta)) >> 63; // all ones when |Δ| ≥ θ
            long held = last[off + i] + (delta & passes);
            last[off + i] = (int) held;
            a[i] = held;
            messages -= passes;
        }
        return messages;
    }
}
