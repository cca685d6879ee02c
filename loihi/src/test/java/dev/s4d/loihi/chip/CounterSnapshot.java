package dev.s4d.loihi.chip;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every number a {@link ChipCounters} holds, keyed by neuron group, synapse group and site name, so that
 * two engines' counters (or an engine's and a golden file's) compare with one {@code equals} and a
 * readable difference.
 */
public record CounterSnapshot(long tokens, Map<String, Long> updates, Map<String, Long> messages,
                              Map<String, Long> synops, Map<String, Long> saturations) {

    public static CounterSnapshot of(ChipCounters c) {
        ChipTopology t = c.topology();
        Map<String, Long> updates = new LinkedHashMap<>();
        Map<String, Long> messages = new LinkedHashMap<>();
        for (ChipTopology.NeuronGroup g : t.neuronGroups()) {
            updates.put(g.name(), c.updates(g.index()));
            messages.put(g.name(), c.messages(g.index()));
        }
        Map<String, Long> synops = new LinkedHashMap<>();
        for (ChipTopology.SynapseGroup g : t.synapseGroups()) synops.put(g.name(), c.synops(g.index()));
        return new CounterSnapshot(c.tokens(), updates, messages, synops, c.saturationsBySite());
    }

    public static CounterSnapshot of(GoldenLoihiCases.Sequence s) {
        return new CounterSnapshot(s.tokens(), s.updates(), s.messages(), s.synops(), s.saturations());
    }

    /** The sum of two snapshots of the same topology, for comparing a multi-stream total with single runs. */
    public CounterSnapshot plus(CounterSnapshot o) {
        return new CounterSnapshot(tokens + o.tokens, sum(updates, o.updates), sum(messages, o.messages),
                sum(synops, o.synops), sum(saturations, o.saturations));
    }

    private static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
        if (!a.keySet().equals(b.keySet())) throw new IllegalArgumentException("counters of different topologies: " + a.keySet() + " and " + b.keySet());
        Map<String, Long> m = new LinkedHashMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }
}
