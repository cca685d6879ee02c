package dev.s4d.loihi.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.chip.ChipTopology.NeuronKind;
import dev.s4d.loihi.chip.ChipTopology.SynapseKind;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import org.junit.jupiter.api.Test;

/** Bytes per neuron kind and per synapse kind, by hand from the widths. */
class MemoryModelTest {
    private final MemoryModel plain = new MemoryModel(QuantConfig.defaults(), false, ChipLimits.loihi2());
    private final MemoryModel delta = new MemoryModel(QuantConfig.defaults(), true, ChipLimits.loihi2());

    @Test
    void neuronBytesAtTheDefaultWidths() {
        // 24-bit accumulators, states and payloads take 3 bytes; 16-bit coefficients 2.
        assertThat(plain.bytesPerNeuron(NeuronKind.INPUT, Readout.MEAN)).isEqualTo(3);
        assertThat(plain.bytesPerNeuron(NeuronKind.RELAY, Readout.MEAN)).isEqualTo(3 + 3);
        assertThat(plain.bytesPerNeuron(NeuronKind.S4D, Readout.MEAN)).isEqualTo(3 + 2 * 3 + 6 * 2);
        assertThat(plain.bytesPerNeuron(NeuronKind.RELU, Readout.MEAN)).isEqualTo(3);
        assertThat(plain.bytesPerNeuron(NeuronKind.CLASS, Readout.MEAN)).isEqualTo(3 + 3 + 3);
        assertThat(plain.bytesPerNeuron(NeuronKind.CLASS, Readout.LAST)).isEqualTo(3 + 3);
        assertThat(plain.skipBytes()).isEqualTo(2);
    }

    @Test
    void sigmaDeltaAddsTheLastSentValueToEverySender() {
        for (NeuronKind k : NeuronKind.values()) {
            int extra = k == NeuronKind.CLASS ? 0 : 3;
            assertThat(delta.bytesPerNeuron(k, Readout.MEAN)).as(k.name()).isEqualTo(plain.bytesPerNeuron(k, Readout.MEAN) + extra);
        }
    }

    @Test
    void oddWidthsRoundUpToWholeBytes() {
        MemoryModel m = new MemoryModel(QuantConfig.defaults().withCoefficientBits(9).withStateBits(17).withWeightBits(12),
                false, ChipLimits.loihi2());
        // accumulator 17 → 3, re/im 17 → 3 each, six coefficients of 9 bits → 2 each
        assertThat(m.bytesPerNeuron(NeuronKind.S4D, Readout.MEAN)).isEqualTo(3 + 6 + 12);
        assertThat(m.bytesPerSynapse(SynapseKind.DENSE)).isEqualTo(2);
        assertThat(m.bytesPerSynapse(SynapseKind.FAN_OUT)).isEqualTo(2 + 2);
    }

    @Test
    void synapseBytesAreTheWeightPlusAnIndexWideEnoughForACore() {
        assertThat(plain.bytesPerSynapse(SynapseKind.DENSE)).isEqualTo(1);
        assertThat(plain.bytesPerSynapse(SynapseKind.FAN_OUT)).isEqualTo(1 + 2);
        assertThat(plain.bytesPerSynapse(SynapseKind.FAN_IN)).isEqualTo(1 + 2);
        assertThat(withNeuronsPerCore(256).indexBytes()).isEqualTo(1);
        assertThat(withNeuronsPerCore(257).indexBytes()).isEqualTo(2);
        assertThat(withNeuronsPerCore(1).indexBytes()).isZero();
    }

    private static MemoryModel withNeuronsPerCore(int n) {
        return new MemoryModel(QuantConfig.defaults(), false, new ChipLimits(128, n, 1024, 1024));
    }

    @Test
    void onlyModeZeroNeuronsOfARangeStoreD() {
        ChipTopology t = new ChipTopology(ModelConfig.loihi(1, 3, 8, 1, 2)); // 4 modes per channel
        var s4d = t.neuronGroup("s4d1");
        // Neurons 2..8 hold modes 0 at 4 and 8.
        assertThat(plain.neuronBytes(t, s4d, 2, 7)).isEqualTo(7 * 21 + 2 * 2);
        assertThat(plain.neuronBytes(t, s4d, 0, 12)).isEqualTo(12 * 21 + 3 * 2);
        assertThat(plain.neuronBytes(t, s4d, 1, 3)).isEqualTo(3 * 21);
        // The fan-in brings 4 synapses of 3 bytes to each relu neuron.
        assertThat(plain.synapseBytes(t, t.neuronGroup("relu1"), 2)).isEqualTo(2 * 4 * 3);
        // The encoder brings d_input = 1 dense synapse to each u neuron.
        assertThat(plain.synapseBytes(t, t.neuronGroup("u1"), 3)).isEqualTo(3);
        assertThat(plain.synapseBytes(t, t.neuronGroup("input"), 1)).isZero();
    }
}
