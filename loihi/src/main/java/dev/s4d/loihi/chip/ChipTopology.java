package dev.s4d.loihi.chip;

import dev.s4d.model.ModelConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The neuron graph a loihi-flavour model becomes on the chip (docs/LOIHI_ARITHMETIC.md, "The neuron
 * graph"): neuron groups in order, the synapse groups between them (each one step of delay) and the
 * sites where values are bounded. Engines count into arrays indexed like these lists; the mapper and
 * the cost model read sizes and fan-outs from here.
 */
public final class ChipTopology {

    /** What a neuron group does, which sets its memory and update cost. */
    public enum NeuronKind { INPUT, RELAY, S4D, RELU, CLASS }

    /** How a synapse group connects, which sets its memory per synapse. */
    public enum SynapseKind { DENSE, FAN_OUT, FAN_IN }

    public record NeuronGroup(int index, String name, NeuronKind kind, int size) {
    }

    /**
     * @param fanOut synapses per sending neuron (the synaptic operations one message costs)
     */
    public record SynapseGroup(int index, String name, SynapseKind kind, NeuronGroup source, NeuronGroup target,
                               long synapses, int fanOut) {
    }

    private final ModelConfig config;
    private final List<NeuronGroup> neurons = new ArrayList<>();
    private final List<SynapseGroup> synapses = new ArrayList<>();
    private final List<String> sites = new ArrayList<>();

    public ChipTopology(ModelConfig c) {
        this.config = c;
        int h = c.dModel();
        int m = c.modes();
        NeuronGroup prev = neuron("input", NeuronKind.INPUT, c.dInput());
        site("input.payload");
        for (int l = 1; l <= c.nLayers(); l++) {
            NeuronGroup u = neuron("u" + l, NeuronKind.RELAY, h);
            synapse(l == 1 ? "encoder" : "mix" + (l - 1), SynapseKind.DENSE, prev, u, (long) h * prev.size(), h);
            site(u.name() + ".accumulator");
            site(u.name() + ".payload");
            NeuronGroup s = neuron("s4d" + l, NeuronKind.S4D, h * m);
            synapse("fanout" + l, SynapseKind.FAN_OUT, u, s, (long) h * m, m);
            site(s.name() + ".state");
            site(s.name() + ".payload");
            NeuronGroup r = neuron("relu" + l, NeuronKind.RELU, h);
            synapse("fanin" + l, SynapseKind.FAN_IN, s, r, (long) h * m, 1);
            site(r.name() + ".accumulator");
            site(r.name() + ".payload");
            prev = r;
        }
        NeuronGroup out = neuron("out", NeuronKind.RELAY, h);
        synapse("mix" + c.nLayers(), SynapseKind.DENSE, prev, out, (long) h * h, h);
        site("out.accumulator");
        site("out.payload");
        NeuronGroup cls = neuron("classes", NeuronKind.CLASS, c.nClasses());
        synapse("decoder", SynapseKind.DENSE, out, cls, (long) c.nClasses() * h, c.nClasses());
        site("classes.accumulator");
        site("classes.state");
    }

    private NeuronGroup neuron(String name, NeuronKind kind, int size) {
        NeuronGroup g = new NeuronGroup(neurons.size(), name, kind, size);
        neurons.add(g);
        return g;
    }

    private void synapse(String name, SynapseKind kind, NeuronGroup from, NeuronGroup to, long count, int fanOut) {
        synapses.add(new SynapseGroup(synapses.size(), name, kind, from, to, count, fanOut));
    }

    private void site(String name) {
        sites.add(name);
    }

    public ModelConfig config() {
        return config;
    }

    public List<NeuronGroup> neuronGroups() {
        return Collections.unmodifiableList(neurons);
    }

    public List<SynapseGroup> synapseGroups() {
        return Collections.unmodifiableList(synapses);
    }

    /** Names of the bounding sites, "group.quantity", in a fixed order. */
    public List<String> sites() {
        return Collections.unmodifiableList(sites);
    }

    public int siteIndex(String name) {
        int i = sites.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no site '" + name + "'; sites are " + sites);
        return i;
    }

    public NeuronGroup neuronGroup(String name) {
        for (NeuronGroup g : neurons) if (g.name().equals(name)) return g;
        throw new IllegalArgumentException("no neuron group '" + name + "'");
    }

    /** Steps from a token entering the input neurons to its logits at the class neurons: one per synapse group. */
    public int latencySteps() {
        return synapses.size();
    }
}
