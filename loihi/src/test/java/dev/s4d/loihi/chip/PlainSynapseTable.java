package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantDense;

import java.util.ArrayList;
import java.util.List;

/**
 * One synapse group as an explicit table of (source neuron, target neuron, weight) entries, grouped by
 * source so that a message walks exactly the synapses it traverses. Zero weights of a dense layer are
 * entries like any other: the chip stores and visits them, so they cost synaptic operations.
 */
final class PlainSynapseTable {

    /** One synapse. */
    record Synapse(int source, int target, long weight) {
    }

    private final ChipTopology.SynapseGroup group;
    private final List<List<Synapse>> bySource = new ArrayList<>();

    private PlainSynapseTable(ChipTopology.SynapseGroup group) {
        this.group = group;
        for (int i = 0; i < group.source().size(); i++) bySource.add(new ArrayList<>());
    }

    /** A dense layer: source j reaches every output i with weight W[i][j] (row-major outputs × inputs). */
    static PlainSynapseTable dense(ChipTopology.SynapseGroup group, QuantDense layer) {
        if (layer.inputs() != group.source().size() || layer.outputs() != group.target().size()) {
            throw new IllegalArgumentException(group.name() + " connects " + group.source().size() + " → " + group.target().size()
                    + " neurons but its layer is " + layer.inputs() + " → " + layer.outputs());
        }
        PlainSynapseTable t = new PlainSynapseTable(group);
        for (int i = 0; i < layer.outputs(); i++) {
            for (int j = 0; j < layer.inputs(); j++) t.add(j, i, layer.weights()[i * layer.inputs() + j]);
        }
        return t;
    }

    /** u_h → s4d neuron (h, n) for every mode n, weight 1. */
    static PlainSynapseTable fanOut(ChipTopology.SynapseGroup group, int modes) {
        PlainSynapseTable t = new PlainSynapseTable(group);
        for (int h = 0; h < group.source().size(); h++) {
            for (int n = 0; n < modes; n++) t.add(h, h * modes + n, 1);
        }
        return t;
    }

    /** s4d neuron (h, n) → relu_h, weight 1. */
    static PlainSynapseTable fanIn(ChipTopology.SynapseGroup group, int modes) {
        PlainSynapseTable t = new PlainSynapseTable(group);
        for (int h = 0; h < group.target().size(); h++) {
            for (int n = 0; n < modes; n++) t.add(h * modes + n, h, 1);
        }
        return t;
    }

    private void add(int source, int target, long weight) {
        bySource.get(source).add(new Synapse(source, target, weight));
    }

    ChipTopology.SynapseGroup group() {
        return group;
    }

    /** Entries in the table; must equal the topology's synapse count. */
    long size() {
        long n = 0;
        for (List<Synapse> s : bySource) n += s.size();
        return n;
    }

    /** Adds weight × payload of every spike into the targets' dendritic sums, counting one synop per synapse walked. */
    void deliver(List<PlainNeurons.Spike> spikes, long[] dendrites, ChipCounters counters) {
        for (PlainNeurons.Spike s : spikes) {
            for (Synapse syn : bySource.get(s.neuron())) {
                dendrites[syn.target()] = Math.addExact(dendrites[syn.target()], Math.multiplyExact(syn.weight(), s.payload()));
                counters.addSynops(group.index(), 1);
            }
        }
    }
}
