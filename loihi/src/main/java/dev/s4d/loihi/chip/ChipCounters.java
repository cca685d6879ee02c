package dev.s4d.loihi.chip;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the chip did, summed over tokens (docs/LOIHI_ARITHMETIC.md, "What is counted"): neuron updates
 * and messages sent per neuron group, synaptic operations per synapse group, bound events per site.
 * Not thread-safe; engines keep one per worker and {@link #add} them.
 */
public final class ChipCounters {
    private final ChipTopology topology;
    private final long[] updates;
    private final long[] messages;
    private final long[] synops;
    private final long[] saturations;
    private long tokens;

    public ChipCounters(ChipTopology topology) {
        this.topology = topology;
        updates = new long[topology.neuronGroups().size()];
        messages = new long[topology.neuronGroups().size()];
        synops = new long[topology.synapseGroups().size()];
        saturations = new long[topology.sites().size()];
    }

    public ChipTopology topology() {
        return topology;
    }

    public void addTokens(long n) {
        tokens += n;
    }

    public void addUpdates(int group, long n) {
        updates[group] += n;
    }

    public void addMessages(int group, long n) {
        messages[group] += n;
    }

    public void addSynops(int synapseGroup, long n) {
        synops[synapseGroup] += n;
    }

    public void addSaturations(int site, long n) {
        saturations[site] += n;
    }

    public long tokens() {
        return tokens;
    }

    public long updates(int group) {
        return updates[group];
    }

    public long messages(int group) {
        return messages[group];
    }

    public long synops(int synapseGroup) {
        return synops[synapseGroup];
    }

    public long saturations(int site) {
        return saturations[site];
    }

    public long totalSynops() {
        return Arrays.stream(synops).sum();
    }

    public long totalMessages() {
        return Arrays.stream(messages).sum();
    }

    public long totalUpdates() {
        return Arrays.stream(updates).sum();
    }

    public long totalSaturations() {
        return Arrays.stream(saturations).sum();
    }

    /** Saturation counts by site name, in the topology's order. */
    public Map<String, Long> saturationsBySite() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < saturations.length; i++) m.put(topology.sites().get(i), saturations[i]);
        return m;
    }

    /** 1 − messages / (neurons × tokens): the share of a sender group's possible messages not sent. */
    public double sparsity(int group) {
        long possible = (long) topology.neuronGroups().get(group).size() * tokens;
        return possible == 0 ? 0.0 : 1.0 - (double) messages[group] / possible;
    }

    /** Adds another counter of the same topology into this one. */
    public void add(ChipCounters o) {
        if (o.topology != topology) throw new IllegalArgumentException("counters of different topologies");
        tokens += o.tokens;
        for (int i = 0; i < updates.length; i++) updates[i] += o.updates[i];
        for (int i = 0; i < messages.length; i++) messages[i] += o.messages[i];
        for (int i = 0; i < synops.length; i++) synops[i] += o.synops[i];
        for (int i = 0; i < saturations.length; i++) saturations[i] += o.saturations[i];
    }

    public void clear() {
        tokens = 0;
        Arrays.fill(updates, 0);
        Arrays.fill(messages, 0);
        Arrays.fill(synops, 0);
        Arrays.fill(saturations, 0);
    }
}
