package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A neuron group of the plain simulator with its own state: the dendritic sums its incoming synapse
 * group filled, the token those sums belong to, and for graded-spike senders the value each receiver
 * last got. A group updates only in a step in which a token's messages reached it (or, for the input
 * group, in which the host fed a token); in every other step it is idle, so each group processes each
 * token exactly once however long the pipeline is drained.
 */
abstract class PlainNeurons {

    /** A graded spike: the sending neuron and its payload. */
    record Spike(int neuron, long payload) {
    }

    /**
     * What a group sent in one step, tagged with the token it computed. A group that processed a token
     * always sends a packet, possibly without spikes: the receivers must still process that token.
     */
    record Packet(int token, List<Spike> spikes) {
    }

    private static final int IDLE = -1;

    final ChipTopology.NeuronGroup group;
    final PlainArithmetic arithmetic;
    final QuantConfig quant;
    final ChipCounters counters;
    /** Exact sums of weight × payload received; sigma-delta receivers keep them across steps. */
    final long[] dendrites;
    private final boolean sigmaDelta;
    private int pendingToken = IDLE;

    PlainNeurons(ChipTopology.NeuronGroup group, PlainArithmetic arithmetic, QuantConfig quant, ChipCounters counters,
                 boolean sigmaDelta) {
        this.group = group;
        this.arithmetic = arithmetic;
        this.quant = quant;
        this.counters = counters;
        this.sigmaDelta = sigmaDelta;
        this.dendrites = new long[group.size()];
    }

    /** Delivers a packet from the group in front of this one through the synapse table between them. */
    final void receive(Packet packet, PlainSynapseTable table) {
        if (table.group().target() != group) throw new IllegalStateException(table.group().name() + " does not lead to " + group.name());
        // Without sigma-delta the accumulator holds this step's messages only; with it, receivers add changes.
        if (!sigmaDelta) Arrays.fill(dendrites, 0);
        table.deliver(packet.spikes(), dendrites, counters);
        pendingToken = packet.token();
    }

    final void expectToken(int token) {
        pendingToken = token;
    }

    /** Updates every neuron if a token is pending; returns what the group sends (null when idle or a sink). */
    final Packet update() {
        if (pendingToken == IDLE) return null;
        int token = pendingToken;
        pendingToken = IDLE;
        counters.addUpdates(group.index(), group.size());
        return compute(token);
    }

    abstract Packet compute(int token);

    String site(String quantity) {
        return group.name() + "." + quantity;
    }

    /**
     * The graded-spike sending rule (spec, "Sigma-delta messages"): without sigma-delta every non-zero
     * payload is sent; with it, the change from the value the receivers last got, when non-zero and at
     * least θ in magnitude.
     */
    static final class Sender {
        private final int groupIndex;
        private final boolean sigmaDelta;
        private final long theta;
        private final long[] lastSent;

        Sender(ChipTopology.NeuronGroup group, boolean sigmaDelta, long theta) {
            this.groupIndex = group.index();
            this.sigmaDelta = sigmaDelta;
            this.theta = theta;
            this.lastSent = new long[group.size()];
        }

        Packet send(int token, long[] payloads, ChipCounters counters) {
            List<Spike> spikes = new ArrayList<>();
            for (int i = 0; i < payloads.length; i++) {
                if (!sigmaDelta) {
                    if (payloads[i] != 0) spikes.add(new Spike(i, payloads[i]));
                    continue;
                }
                long delta = Math.subtractExact(payloads[i], lastSent[i]);
                if (delta != 0 && Math.abs(delta) >= theta) {
                    spikes.add(new Spike(i, delta));
                    lastSent[i] = payloads[i];
                }
            }
            counters.addMessages(groupIndex, spikes.size());
            return new Packet(token, spikes);
        }
    }

    /** The input neurons: quantise the host's features to payloads. */
    static final class Input extends PlainNeurons {
        private final int fraction;
        private final Sender sender;
        private float[] features;

        Input(ChipTopology.NeuronGroup group, PlainArithmetic arithmetic, QuantConfig quant, ChipCounters counters,
              boolean sigmaDelta, long theta, int fraction) {
            super(group, arithmetic, quant, counters, sigmaDelta);
            this.fraction = fraction;
            this.sender = new Sender(group, sigmaDelta, theta);
        }

        void feed(int token, float[] x) {
            features = x;
            expectToken(token);
        }

        @Override
        Packet compute(int token) {
            long[] xq = new long[group.size()];
            for (int i = 0; i < xq.length; i++) {
                xq[i] = arithmetic.bound(PlainArithmetic.quantise(features[i], fraction), quant.spikeBits(), site("payload"));
            }
            return sender.send(token, xq, counters);
        }
    }

    /** u- and out-neurons: a dense layer's accumulator plus bias, rescaled to a payload. */
    static final class Relay extends PlainNeurons {
        private final long[] bias;
        private final int shift;
        private final Sender sender;

        Relay(ChipTopology.NeuronGroup group, PlainArithmetic arithmetic, QuantConfig quant, ChipCounters counters,
              boolean sigmaDelta, long theta, QuantDense layer, int shift) {
            super(group, arithmetic, quant, counters, sigmaDelta);
            this.bias = Arrays.stream(layer.bias()).asLongStream().toArray();
            this.shift = shift;
            this.sender = new Sender(group, sigmaDelta, theta);
        }

        @Override
        Packet compute(int token) {
            long[] payload = new long[group.size()];
            for (int i = 0; i < payload.length; i++) {
                long acc = arithmetic.bound(Math.addExact(dendrites[i], bias[i]), quant.accumulatorBits(), site("accumulator"));
                payload[i] = arithmetic.bound(arithmetic.shr(acc, shift), quant.spikeBits(), site("payload"));
            }
            return sender.send(token, payload, counters);
        }
    }

    /** One neuron per channel and mode with a complex state as two integers (spec step 4). */
    static final class S4D extends PlainNeurons {
        private final QuantS4D c;
        private final long[] re;
        private final long[] im;
        private final Sender sender;

        S4D(ChipTopology.NeuronGroup group, PlainArithmetic arithmetic, QuantConfig quant, ChipCounters counters,
            boolean sigmaDelta, long theta, QuantS4D coefficients) {
            super(group, arithmetic, quant, counters, sigmaDelta);
            this.c = coefficients;
            this.re = new long[group.size()];
            this.im = new long[group.size()];
            this.sender = new Sender(group, sigmaDelta, theta);
        }

        @Override
        Packet compute(int token) {
            long[] y = new long[group.size()];
            for (int i = 0; i < y.length; i++) {
                long u = dendrites[i]; // this neuron's copy of u_h, delivered by its fan-out synapse
                BigInteger reA = arithmetic.shr(Math.subtractExact(Math.multiplyExact(re[i], (long) c.aRe()[i]),
                        Math.multiplyExact(im[i], (long) c.aIm()[i])), c.expA());
                BigInteger imA = arithmetic.shr(Math.addExact(Math.multiplyExact(re[i], (long) c.aIm()[i]),
                        Math.multiplyExact(im[i], (long) c.aRe()[i])), c.expA());
                long newRe = arithmetic.bound(reA.add(arithmetic.shr(Math.multiplyExact(u, (long) c.bRe()[i]), c.expB())),
                        quant.stateBits(), site("state"));
                long newIm = arithmetic.bound(imA.add(arithmetic.shr(Math.multiplyExact(u, (long) c.bIm()[i]), c.expB())),
                        quant.stateBits(), site("state"));
                re[i] = newRe;
                im[i] = newIm;
                BigInteger out = arithmetic.shr(Math.subtractExact(Math.multiplyExact((long) c.cRe()[i], newRe),
                        Math.multiplyExact((long) c.cIm()[i], newIm)), c.expC());
                if (i % c.modes() == 0) {
                    out = out.add(arithmetic.shr(Math.multiplyExact(u, (long) c.d()[i / c.modes()]), c.expD()));
                }
                y[i] = arithmetic.bound(out, quant.spikeBits(), site("payload"));
            }
            return sender.send(token, y, counters);
        }
    }

    /** relu-neurons: the fan-in sum of a channel's mode outputs, rectified and rescaled (spec step 5). */
    static final class Relu extends PlainNeurons {
        private final int shift;
        private final Sender sender;

        Relu(ChipTopology.NeuronGroup group, PlainArithmetic arithmetic, QuantConfig quant, ChipCounters counters,
             boolean sigmaDelta, long theta, int shift) {
            super(group, arithmetic, quant, counters, sigmaDelta);
            this.shift = shift;
            this.sender = new Sender(group, sigmaDelta, theta);
        }

        @Override
        Packet compute(int token) {
            long[] r = new long[group.size()];
            for (int h = 0; h < r.length; h++) {
                long accY = arithmetic.bound(dendrites[h], quant.accumulatorBits(), site("accumulator"));
                r[h] = arithmetic.bound(arithmetic.shr(Math.max(accY, 0), shift), quant.spikeBits(), site("payload"));
            }
            return sender.send(token, r, counters);
        }
    }

    /** Class neurons: the decoder's accumulator as logits (last token) or integrated over time (mean). */
    static final class Classes extends PlainNeurons {
        private final long[] bias;
        private final boolean mean;
        private final int poolShift;
        private final long[] z;
        private final List<long[]> trace = new ArrayList<>();

        Classes(ChipTopology.NeuronGroup group, PlainArithmetic arithmetic, QuantConfig quant, ChipCounters counters,
                boolean sigmaDelta, QuantDense decoder, boolean mean, int poolShift) {
            super(group, arithmetic, quant, counters, sigmaDelta);
            this.bias = Arrays.stream(decoder.bias()).asLongStream().toArray();
            this.mean = mean;
            this.poolShift = poolShift;
            this.z = new long[group.size()];
        }

        @Override
        Packet compute(int token) {
            if (token != trace.size()) throw new IllegalStateException("class neurons got token " + token + " after " + trace.size());
            for (int c = 0; c < z.length; c++) {
                long acc = arithmetic.bound(Math.addExact(dendrites[c], bias[c]), quant.accumulatorBits(), site("accumulator"));
                z[c] = mean
                        ? arithmetic.bound(arithmetic.shr(acc, poolShift).add(BigInteger.valueOf(z[c])), quant.stateBits(), site("state"))
                        : acc;
            }
            trace.add(z.clone());
            return null;
        }

        long[] values() {
            return z.clone();
        }

        /** Tokens the class neurons have processed. */
        int tokens() {
            return trace.size();
        }

        long[][] trace() {
            return trace.toArray(new long[0][]);
        }
    }
}
