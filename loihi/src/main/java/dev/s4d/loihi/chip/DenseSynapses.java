package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;

/**
 * A dense synapse group (encoder, mixing layer, decoder) and its receivers' dendritic accumulators
 * (docs/LOIHI_ARITHMETIC.md, step 2): {@code acc_i = bound_Acc(Σ_j W_ij·a_j + β_i)}, the sum exact
 * in 64 bits and only its result bounded.
 */
final class DenseSynapses {
    private final int outputs;
    private final int inputs;
    // Package-private for VectorLoops, the vector form of accumulate().
    /**
     * Column-major (inputs × outputs): one input's synapses to consecutive outputs are contiguous.
     * Ints for the reason the S4D coefficients are (see {@link S4DNeurons}).
     */
    final int[] weights;
    final long[] bias;
    final Bound accumulator;
    final int site;
    private final boolean vector;

    /**
     * @param name   the synapse group ("encoder", "mix1", …, "decoder"), for errors
     * @param target the receiving neuron group, whose accumulator site this bounds
     * @param vector whether to accumulate with {@link VectorLoops} (same integers, faster)
     */
    DenseSynapses(String name, String target, QuantDense layer, QuantConfig q, ChipTopology topology, boolean vector) {
        this.vector = vector;
        outputs = layer.outputs();
        inputs = layer.inputs();
        Bound width = Bound.of(q.weightBits(), q.overflow());
        weights = new int[layer.weights().length];
        for (int i = 0; i < weights.length; i++) {
            int w = layer.weights()[i];
            if (!width.contains(w)) {
                throw new IllegalArgumentException(name + " weight [" + i / inputs + "][" + i % inputs + "] = " + w
                        + " does not fit weight_bits " + q.weightBits());
            }
            weights[(i % inputs) * outputs + i / inputs] = w;
        }
        // Σ_j |W|·|a| + |β| ≤ inputs·2^(w−1)·2^(P−1) + 2^31 must stay inside a long.
        int sumBits = q.weightBits() - 1 + q.spikeBits() - 1 + (64 - Long.numberOfLeadingZeros(inputs));
        if (sumBits > 61) {
            throw new IllegalArgumentException(name + " has " + inputs + " inputs: its sums could leave 64-bit arithmetic");
        }
        bias = new long[outputs];
        for (int i = 0; i < outputs; i++) bias[i] = layer.bias()[i];
        accumulator = Bound.of(q.accumulatorBits(), q.overflow());
        site = topology.siteIndex(target + ".accumulator");
    }

    int outputs() {
        return outputs;
    }

    /**
     * acc[0, outputs) from the payloads the receivers hold, a[0, inputs). Only non-zero payloads
     * are summed: a zero is no message, and after a relu about half the payloads are zero.
     *
     * @param nonZero scratch of {@code inputs} ints
     */
    void accumulate(long[] a, int[] nonZero, long[] acc, ChipCounters counters) {
        int n = 0;
        for (int j = 0; j < inputs; j++) {
            if (a[j] != 0) nonZero[n++] = j;
        }
        int done = vector ? VectorLoops.accumulate(this, a, nonZero, n, acc, counters) : 0;
        accumulate(done, a, nonZero, n, acc, counters);
    }

    /** The outputs [from, outputs) one at a time: the scalar form, and the vector form's tail. */
    private void accumulate(int from, long[] a, int[] nonZero, int n, long[] acc, ChipCounters counters) {
        long events = 0;
        for (int i = from; i < outputs; i++) {
            long s = bias[i];
            for (int k = 0; k < n; k++) s += weights[nonZero[k] * outputs + i] * a[nonZero[k]];
            long b = accumulator.apply(s);
            events += FixedPointArithmetic.differs(s, b);
            acc[i] = b;
        }
        counters.addSaturations(site, events);
    }
}
