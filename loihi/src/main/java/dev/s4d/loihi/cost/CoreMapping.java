package dev.s4d.loihi.cost;

import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.chip.ChipTopology.NeuronGroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Neurons and their incoming synapses placed on neurocores. The rules:
 * <ol>
 *   <li>A core holds neurons of one neuron group only, as Lava places each process on cores of its own.
 *   <li>Synapses are stored at the receiving core: a core holds every incoming synapse of its neurons.
 *   <li>A group is split into the fewest equal contiguous slices (sizes differing by at most one, in
 *       neuron order) such that every slice fits a core: at most {@link ChipLimits#neuronsPerCore()}
 *       neurons (or the cap, if smaller), its neuron memory within {@link ChipLimits#neuronBytesPerCore()}
 *       and its incoming synapses within {@link ChipLimits#synapticBytesPerCore()}, both by
 *       {@link MemoryModel}.
 *   <li>An optional cap on neurons per core spreads groups over more cores: each core then updates
 *       fewer neurons per step, which shortens the step at the price of cores.
 *   <li>Cores are numbered group by group in the topology's order and filled into chips in that order,
 *       {@link ChipLimits#coresPerChip()} per chip.
 * </ol>
 * A group one of whose neurons alone exceeds a core's neuron or synaptic memory cannot be mapped.
 */
public final class CoreMapping {

    /**
     * One neurocore.
     *
     * @param firstNeuron  index within the group of the core's first neuron
     * @param neurons      how many consecutive neurons of the group it holds
     * @param neuronBytes  their state and parameter memory
     * @param synapseBytes the memory of all their incoming synapses
     */
    public record Core(int index, int chip, NeuronGroup group, int firstNeuron, int neurons,
                       long neuronBytes, long synapseBytes) {
    }

    private final ChipTopology topology;
    private final MemoryModel memory;
    private final int maxNeuronsPerCore;
    private final List<Core> cores;

    private CoreMapping(ChipTopology topology, MemoryModel memory, int maxNeuronsPerCore, List<Core> cores) {
        this.topology = topology;
        this.memory = memory;
        this.maxNeuronsPerCore = maxNeuronsPerCore;
        this.cores = cores;
    }

    /** Maps with no cap beyond the chip's own neurons per core. */
    public static CoreMapping map(ChipTopology topology, MemoryModel memory) {
        return map(topology, memory, memory.limits().neuronsPerCore());
    }

    /** Maps with at most {@code maxNeuronsPerCore} neurons on any core (the chip's limit applies too). */
    public static CoreMapping map(ChipTopology topology, MemoryModel memory, int maxNeuronsPerCore) {
        if (topology == null || memory == null) throw new IllegalArgumentException("topology and memory model must not be null");
        if (maxNeuronsPerCore < 1) {
            throw new IllegalArgumentException("max neurons per core must be at least 1, got " + maxNeuronsPerCore);
        }
        ChipLimits limits = memory.limits();
        int perCore = Math.min(maxNeuronsPerCore, limits.neuronsPerCore());
        List<Core> cores = new ArrayList<>();
        for (NeuronGroup g : topology.neuronGroups()) {
            requireOneNeuronFits(topology, memory, g);
            int slices = fewestSlices(topology, memory, g, perCore);
            int first = 0;
            for (int s = 0; s < slices; s++) {
                int n = sliceSize(g.size(), slices, s);
                int index = cores.size();
                cores.add(new Core(index, index / limits.coresPerChip(), g, first, n,
                        memory.neuronBytes(topology, g, first, n), memory.synapseBytes(topology, g, n)));
                first += n;
            }
        }
        return new CoreMapping(topology, memory, perCore, Collections.unmodifiableList(cores));
    }

    private static void requireOneNeuronFits(ChipTopology t, MemoryModel m, NeuronGroup g) {
        ChipLimits limits = m.limits();
        // Neuron 0 is the largest one: for S4D groups it is a mode 0, which also stores d.
        long neuron = m.neuronBytes(t, g, 0, 1);
        if (neuron > limits.neuronBytesPerCore()) {
            throw new IllegalArgumentException("neuron group '" + g.name() + "': one neuron needs " + neuron
                    + " bytes of neuron memory, more than a core's " + limits.neuronBytesPerCore());
        }
        long synapses = m.synapseBytes(t, g, 1);
        if (synapses > limits.synapticBytesPerCore()) {
            throw new IllegalArgumentException("neuron group '" + g.name() + "': the incoming synapses of one neuron need "
                    + synapses + " bytes of synaptic memory, more than a core's " + limits.synapticBytesPerCore()
                    + "; the sending layer is too wide for one core");
        }
    }

    /** The fewest equal contiguous slices that each fit a core; starts from the bound each limit gives alone. */
    private static int fewestSlices(ChipTopology t, MemoryModel m, NeuronGroup g, int perCore) {
        ChipLimits limits = m.limits();
        int n = g.size();
        long lower = Math.max(Math.ceilDiv(n, perCore), Math.max(
                Math.ceilDiv(m.neuronBytes(t, g, 0, n), limits.neuronBytesPerCore()),
                Math.ceilDiv(m.synapseBytes(t, g, n), limits.synapticBytesPerCore())));
        // Slices differ in size by one and S4D slices in how many mode-0 neurons they hold, so the bound
        // may fall short by a slice; one neuron per core always fits (checked above).
        for (int k = (int) lower; k < n; k++) {
            if (slicesFit(t, m, g, k, perCore)) return k;
        }
        return n;
    }

    private static boolean slicesFit(ChipTopology t, MemoryModel m, NeuronGroup g, int k, int perCore) {
        ChipLimits limits = m.limits();
        int first = 0;
        for (int s = 0; s < k; s++) {
            int n = sliceSize(g.size(), k, s);
            if (n > perCore
                    || m.neuronBytes(t, g, first, n) > limits.neuronBytesPerCore()
                    || m.synapseBytes(t, g, n) > limits.synapticBytesPerCore()) {
                return false;
            }
            first += n;
        }
        return true;
    }

    /** Size of slice {@code s} of {@code k}: the first {@code n mod k} slices take one neuron more. */
    private static int sliceSize(int n, int k, int s) {
        return n / k + (s < n % k ? 1 : 0);
    }

    public ChipTopology topology() {
        return topology;
    }

    public MemoryModel memory() {
        return memory;
    }

    /** The neurons-per-core bound used: the cap, or the chip's limit if that is smaller. */
    public int maxNeuronsPerCore() {
        return maxNeuronsPerCore;
    }

    public List<Core> cores() {
        return cores;
    }

    public int coreCount() {
        return cores.size();
    }

    public int chips() {
        return Math.ceilDiv(cores.size(), memory.limits().coresPerChip());
    }

    /** The cores holding a group's neurons, in neuron order. */
    public List<Core> coresOf(NeuronGroup group) {
        List<Core> out = new ArrayList<>();
        for (Core c : cores) if (c.group().index() == group.index()) out.add(c);
        return out;
    }

    public long neuronBytes() {
        long b = 0;
        for (Core c : cores) b += c.neuronBytes();
        return b;
    }

    public long synapseBytes() {
        long b = 0;
        for (Core c : cores) b += c.synapseBytes();
        return b;
    }

    /** One line per neuron group: neurons, cores, and the largest core's neurons and memory. */
    public String toText() {
        ChipLimits limits = memory.limits();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d cores on %d chip(s); neuron memory %d B, synaptic memory %d B in all%n",
                coreCount(), chips(), neuronBytes(), synapseBytes()));
        for (NeuronGroup g : topology.neuronGroups()) {
            List<Core> of = coresOf(g);
            Core big = of.getFirst();
            for (Core c : of) if (c.neuronBytes() + c.synapseBytes() > big.neuronBytes() + big.synapseBytes()) big = c;
            sb.append(String.format(Locale.ROOT, "  %-8s %6d neurons on %3d core(s); largest: %d neurons, %d/%d B neuron, %d/%d B synaptic%n",
                    g.name(), g.size(), of.size(), big.neurons(), big.neuronBytes(), limits.neuronBytesPerCore(),
                    big.synapseBytes(), limits.synapticBytesPerCore()));
        }
        return sb.toString();
    }
}
