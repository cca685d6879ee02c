package dev.s4d.loihi.cost;

import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.chip.ChipTopology.NeuronGroup;
import dev.s4d.loihi.chip.ChipTopology.NeuronKind;
import dev.s4d.loihi.chip.ChipTopology.SynapseGroup;
import dev.s4d.loihi.chip.ChipTopology.SynapseKind;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.model.Readout;

import java.util.ArrayList;
import java.util.List;

/**
 * Bytes a neuron and a synapse take in a neurocore's memory. Intel does not publish the layout of a
 * programmable neuron's state, so this layout is ASSUMED: a neuron stores exactly the integers the
 * arithmetic of docs/LOIHI_ARITHMETIC.md reads from one step to the next, each rounded up to whole
 * bytes, at the widths of the {@link QuantConfig}:
 * <ul>
 *   <li>every neuron that receives synapses has a dendritic accumulator ({@code accumulator_bits});
 *   <li>input: the payload the host writes ({@code spike_bits});
 *   <li>relay (u, out): accumulator and bias (the bias is at the accumulator's scale);
 *   <li>S4D: accumulator (for u), the states re and im ({@code state_bits} each) and the coefficients
 *       aRe, aIm, bRe, bIm, cRe, cIm ({@code coefficient_bits} each); mode 0 of a channel also d;
 *   <li>ReLU: accumulator only (the fan-in sum has no bias, spec step 5);
 *   <li>class: accumulator, bias and, with the mean readout, the integrator ({@code state_bits});
 *   <li>with sigma-delta, every sender (all but class) also keeps the last value sent ({@code spike_bits}).
 * </ul>
 * Per-group values (exponents, shifts, thresholds) live once per core and are not counted.
 *
 * <p>Synapses are stored at the receiving core. A dense synapse is its weight mantissa alone (the
 * receiver is implied by its place in the weight matrix); a fan-out or fan-in synapse is a weight plus
 * the index of its target neuron in the core, wide enough to address {@link ChipLimits#neuronsPerCore()}
 * neurons (2 bytes for 8,192). Both are ASSUMED.
 */
public final class MemoryModel {

    /** One stored integer of a neuron. */
    public record Field(String name, int bits) {
        public int bytes() {
            return (bits + 7) / 8;
        }
    }

    private final QuantConfig quant;
    private final boolean sigmaDelta;
    private final ChipLimits limits;

    public MemoryModel(QuantConfig quant, boolean sigmaDelta, ChipLimits limits) {
        if (quant == null) throw new IllegalArgumentException("quant config must not be null");
        if (limits == null) throw new IllegalArgumentException("chip limits must not be null");
        this.quant = quant;
        this.sigmaDelta = sigmaDelta;
        this.limits = limits;
    }

    public QuantConfig quant() {
        return quant;
    }

    public boolean sigmaDelta() {
        return sigmaDelta;
    }

    public ChipLimits limits() {
        return limits;
    }

    /** The integers one neuron of a kind stores, without the d that mode-0 S4D neurons add ({@link #skipBytes()}). */
    public List<Field> fields(NeuronKind kind, Readout readout) {
        int acc = quant.accumulatorBits();
        List<Field> f = new ArrayList<>();
        switch (kind) {
            case INPUT -> f.add(new Field("payload", quant.spikeBits()));
            case RELAY -> {
                f.add(new Field("accumulator", acc));
                f.add(new Field("bias", acc));
            }
            case S4D -> {
                f.add(new Field("accumulator", acc));
                f.add(new Field("re", quant.stateBits()));
                f.add(new Field("im", quant.stateBits()));
                for (String c : new String[]{"aRe", "aIm", "bRe", "bIm", "cRe", "cIm"}) {
                    f.add(new Field(c, quant.coefficientBits()));
                }
            }
            case RELU -> f.add(new Field("accumulator", acc));
            case CLASS -> {
                f.add(new Field("accumulator", acc));
                f.add(new Field("bias", acc));
                if (readout == Readout.MEAN) f.add(new Field("integrator", quant.stateBits()));
            }
        }
        if (sigmaDelta && kind != NeuronKind.CLASS) f.add(new Field("last sent", quant.spikeBits()));
        return f;
    }

    public int bytesPerNeuron(NeuronKind kind, Readout readout) {
        int b = 0;
        for (Field f : fields(kind, readout)) b += f.bytes();
        return b;
    }

    /** The skip coefficient d, stored by mode 0 of each channel only. */
    public int skipBytes() {
        return (quant.coefficientBits() + 7) / 8;
    }

    /** Neuron memory of neurons {@code [first, first + count)} of a group. */
    public long neuronBytes(ChipTopology topology, NeuronGroup group, int first, int count) {
        long bytes = (long) count * bytesPerNeuron(group.kind(), topology.config().readout());
        if (group.kind() == NeuronKind.S4D) {
            // Neuron i is mode i mod M of channel i / M (spec, "The neuron graph").
            int m = topology.config().modes();
            long modeZero = Math.ceilDiv((long) first + count, m) - Math.ceilDiv((long) first, m);
            bytes += modeZero * skipBytes();
        }
        return bytes;
    }

    /** Bytes of one synapse: the weight mantissa, plus a target index for fan-out and fan-in. */
    public int bytesPerSynapse(SynapseKind kind) {
        int weight = (quant.weightBits() + 7) / 8;
        return kind == SynapseKind.DENSE ? weight : weight + indexBytes();
    }

    /** Bytes of a target index that addresses every neuron a core can hold. */
    public int indexBytes() {
        int bits = 32 - Integer.numberOfLeadingZeros(limits.neuronsPerCore() - 1);
        return (bits + 7) / 8;
    }

    /** Synaptic memory that {@code count} neurons of {@code target} need for all their incoming synapses. */
    public long synapseBytes(ChipTopology topology, NeuronGroup target, int count) {
        long bytes = 0;
        for (SynapseGroup s : topology.synapseGroups()) {
            if (s.target().index() == target.index()) bytes += inDegree(s) * count * bytesPerSynapse(s.kind());
        }
        return bytes;
    }

    /** Synapses arriving at each neuron of a synapse group's target; every group of the topology is uniform. */
    private static long inDegree(SynapseGroup s) {
        long n = s.target().size();
        if (s.synapses() % n != 0) {
            throw new IllegalArgumentException("synapse group '" + s.name() + "' has " + s.synapses()
                    + " synapses, not a multiple of its " + n + " target neurons; the mapper needs a uniform in-degree");
        }
        return s.synapses() / n;
    }
}
