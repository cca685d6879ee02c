package dev.s4d.loihi.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.cost.CoreMapping.Core;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Group → cores by hand on tiny limits, and the paper-sized models within Loihi 2's limits. */
class CoreMappingTest {
    // H = 4, M = 4: input 2, u1 4, s4d1 16, relu1 4, out 4, classes 3.
    private final ChipTopology small = new ChipTopology(ModelConfig.loihi(2, 4, 8, 1, 3));

    private static MemoryModel memory(ChipLimits limits) {
        return new MemoryModel(QuantConfig.defaults(), false, limits);
    }

    @Test
    void aSmallTopologyByHand() {
        // 4 cores a chip, 16 neurons, 30 B synaptic and 120 B neuron memory a core. A target index for
        // 16 neurons takes 1 byte, so a fan-out or fan-in synapse takes 2 bytes.
        CoreMapping m = CoreMapping.map(small, memory(new ChipLimits(4, 16, 30, 120)));
        // s4d1: 16 × 21 B + 4 × 2 B (d) = 344 B, at least 3 cores; 3 slices (6, 5, 5) fail, the first holding
        // modes 0 at 0 and 4: 6 × 21 + 4 = 130 B > 120. Four slices of 4 take 86 B each.
        // relu1: 4 fan-in synapses of 2 B per neuron, 32 B > 30, so two cores of 2 (16 B each).
        assertThat(m.cores()).containsExactly(
                new Core(0, 0, g("input"), 0, 2, 6, 0),
                new Core(1, 0, g("u1"), 0, 4, 24, 8),
                new Core(2, 0, g("s4d1"), 0, 4, 86, 8),
                new Core(3, 0, g("s4d1"), 4, 4, 86, 8),
                new Core(4, 1, g("s4d1"), 8, 4, 86, 8),
                new Core(5, 1, g("s4d1"), 12, 4, 86, 8),
                new Core(6, 1, g("relu1"), 0, 2, 6, 16),
                new Core(7, 1, g("relu1"), 2, 2, 6, 16),
                new Core(8, 2, g("out"), 0, 4, 24, 16),
                new Core(9, 2, g("classes"), 0, 3, 27, 12));
        assertThat(m.coreCount()).isEqualTo(10);
        assertThat(m.chips()).isEqualTo(3);
        assertThat(m.neuronBytes()).isEqualTo(6 + 24 + 344 + 12 + 24 + 27);
        assertThat(m.synapseBytes()).isEqualTo(8 + 16 * 2 + 16 * 2 + 16 + 12);
        assertThat(m.coresOf(g("s4d1"))).extracting(Core::firstNeuron).containsExactly(0, 4, 8, 12);
    }

    @Test
    void theCapSpreadsGroupsIntoEqualSlices() {
        CoreMapping m = CoreMapping.map(small, memory(ChipLimits.loihi2()), 3);
        assertThat(m.cores().stream().map(c -> c.group().name() + ":" + c.neurons()).toList()).containsExactly(
                "input:2", "u1:2", "u1:2", "s4d1:3", "s4d1:3", "s4d1:3", "s4d1:3", "s4d1:2", "s4d1:2",
                "relu1:2", "relu1:2", "out:2", "out:2", "classes:3");
        assertThat(m.maxNeuronsPerCore()).isEqualTo(3);
        assertThat(CoreMapping.map(small, memory(ChipLimits.loihi2())).coreCount()).isEqualTo(6);
    }

    @Test
    void aNeuronWhoseSynapsesCannotFitACoreIsAClearError() {
        assertThatThrownBy(() -> CoreMapping.map(small, memory(new ChipLimits(4, 16, 7, 120))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'relu1'").hasMessageContaining("8 bytes of synaptic memory").hasMessageContaining("a core's 7");
        assertThatThrownBy(() -> CoreMapping.map(small, memory(new ChipLimits(4, 16, 30, 22))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'s4d1'").hasMessageContaining("23 bytes of neuron memory");
        assertThatThrownBy(() -> CoreMapping.map(small, memory(ChipLimits.loihi2()), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new ChipLimits(128, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neurons per core must be positive");
    }

    @Test
    void paperSizedModelsFitLoihi2Limits() {
        // 68k parameters (H = 80) and 265k (H = 199), N = 64, 4 layers, sMNIST shape.
        for (int h : new int[]{80, 199}) {
            ModelConfig c = ModelConfig.loihi(1, h, 64, 4, 10);
            ChipTopology t = new ChipTopology(c);
            for (boolean sigmaDelta : new boolean[]{false, true}) {
                MemoryModel mem = new MemoryModel(QuantConfig.defaults(), sigmaDelta, ChipLimits.loihi2());
                CoreMapping m = CoreMapping.map(t, mem);
                assertWithinLimits(m);
                // Every group but the S4D ones fits one core; an S4D group of 32·H neurons needs
                // ⌈32·H·(21 or 24 B) / 64 KB⌉ cores: 1 for H = 80, 3 for H = 199.
                int s4dCores = h == 80 ? 1 : 3;
                assertThat(m.coreCount()).as("H=%d sigma-delta=%s", h, sigmaDelta).isEqualTo(11 + 4 * s4dCores);
                assertThat(m.chips()).isEqualTo(1);
                System.out.printf("H=%d (%d parameters), sigma-delta %s: %d cores%n", h, parameters(c), sigmaDelta, m.coreCount());
            }
            for (int cap : new int[]{1024, 512, 256}) {
                CoreMapping m = CoreMapping.map(t, new MemoryModel(QuantConfig.defaults(), false, ChipLimits.loihi2()), cap);
                assertWithinLimits(m);
                assertThat(m.coreCount()).isEqualTo(11 + 4 * (int) Math.ceilDiv(32L * h, cap));
                System.out.printf("H=%d, at most %d neurons per core: %d cores%n", h, cap, m.coreCount());
            }
        }
        assertThat(parameters(ModelConfig.loihi(1, 80, 64, 4, 10))).isEqualTo(68_490);
        assertThat(parameters(ModelConfig.loihi(1, 199, 64, 4, 10))).isEqualTo(265_078);
    }

    private static void assertWithinLimits(CoreMapping m) {
        ChipLimits l = m.memory().limits();
        for (Core c : m.cores()) {
            assertThat(c.neurons()).isBetween(1, Math.min(l.neuronsPerCore(), m.maxNeuronsPerCore()));
            assertThat(c.neuronBytes()).isLessThanOrEqualTo(l.neuronBytesPerCore());
            assertThat(c.synapseBytes()).isLessThanOrEqualTo(l.synapticBytesPerCore());
        }
        // Every neuron of every group is on exactly one core, in order.
        for (var g : m.topology().neuronGroups()) {
            List<Core> of = m.coresOf(g);
            int next = 0;
            for (Core c : of) {
                assertThat(c.firstNeuron()).isEqualTo(next);
                next += c.neurons();
            }
            assertThat(next).isEqualTo(g.size());
            int min = of.stream().mapToInt(Core::neurons).min().orElseThrow();
            int max = of.stream().mapToInt(Core::neurons).max().orElseThrow();
            assertThat(max - min).isLessThanOrEqualTo(1);
        }
    }

    private static long parameters(ModelConfig c) {
        long n = 0;
        for (int[] shape : S4DModel.expectedShapes(c).values()) {
            long p = 1;
            for (int d : shape) p *= d;
            n += p;
        }
        return n;
    }

    private ChipTopology.NeuronGroup g(String name) {
        return small.neuronGroup(name);
    }
}
