package dev.s4d.loihi.cost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link CostModel} estimates for one mapped model and one run of counters. Cores and chips come
 * from the mapping; the counts per token, sparsity and saturations are what the engine counted; latency,
 * throughput and energy are MODELLED from them with the {@link CostConstants} (docs/COST_MODEL.md).
 * Accuracy is not the cost model's: the caller sets it with {@link #withAccuracy}.
 *
 * @param accuracy          share of correct predictions, or null if not measured
 * @param tokens            tokens the counters were summed over
 * @param maxNeuronsPerCore the neurons-per-core bound the mapping used
 * @param latencySteps      algorithmic steps from a token in to its logits out
 * @param stepNs            busiest core's time plus the barrier
 * @param latencyUs         fall-through latency, latencySteps × step time
 * @param tokensPerS        pipelined throughput, one token per step
 * @param updatesPerToken   neuron updates per token, all groups
 * @param synopsPerToken    synaptic operations per token, all synapse groups
 * @param messagesPerToken  messages sent per token, all groups
 * @param sparsity          1 − messages / possible messages, per sending neuron group
 * @param saturations       bound events by site, over all counted tokens
 */
public record CostReport(Double accuracy, long tokens, int cores, int chips, int maxNeuronsPerCore,
                         int latencySteps, double stepNs, double barrierNs, BusiestCore busiest,
                         double latencyUs, double tokensPerS, Energy energy,
                         double updatesPerToken, double synopsPerToken, double messagesPerToken,
                         Map<String, Double> sparsity, Map<String, Long> saturations, CostConstants constants) {

    /** The core that sets the step time. */
    public record BusiestCore(int index, String group, int neurons, double timeNs) {
    }

    /** Energy per token in µJ, by what spends it. */
    public record Energy(double neuronUpdatesUj, double synopsUj, double messagesUj, double hopsUj, double staticUj) {
        public double dynamicUj() {
            return neuronUpdatesUj + synopsUj + messagesUj + hopsUj;
        }

        public double totalUj() {
            return dynamicUj() + staticUj;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public CostReport {
        sparsity = Collections.unmodifiableMap(new LinkedHashMap<>(sparsity));
        saturations = Collections.unmodifiableMap(new LinkedHashMap<>(saturations));
    }

    public CostReport withAccuracy(Double a) {
        if (a != null && !(a >= 0 && a <= 1)) throw new IllegalArgumentException("accuracy must be in [0, 1] or null, got " + a);
        return new CostReport(a, tokens, cores, chips, maxNeuronsPerCore, latencySteps, stepNs, barrierNs, busiest,
                latencyUs, tokensPerS, energy, updatesPerToken, synopsPerToken, messagesPerToken, sparsity, saturations, constants);
    }

    public double energyUjPerToken() {
        return energy.totalUj();
    }

    public long totalSaturations() {
        long s = 0;
        for (long v : saturations.values()) s += v;
        return s;
    }

    /** The report as a JSON object (snake_case keys; accuracy is null until set). */
    public ObjectNode toJsonNode() {
        ObjectNode n = JSON.createObjectNode();
        if (accuracy == null) n.putNull("accuracy");
        else n.put("accuracy", accuracy);
        n.put("cores", cores);
        n.put("chips", chips);
        n.put("max_neurons_per_core", maxNeuronsPerCore);
        n.put("latency_steps", latencySteps);
        n.put("latency_us", latencyUs);
        n.put("tokens_per_s", tokensPerS);
        n.put("energy_uj_per_token", energy.totalUj());
        n.put("energy_dynamic_uj_per_token", energy.dynamicUj());
        n.put("energy_static_uj_per_token", energy.staticUj());
        ObjectNode e = n.putObject("energy_breakdown_uj_per_token");
        e.put("neuron_updates", energy.neuronUpdatesUj());
        e.put("synops", energy.synopsUj());
        e.put("messages", energy.messagesUj());
        e.put("hops", energy.hopsUj());
        e.put("static", energy.staticUj());
        n.put("step_ns", stepNs);
        n.put("barrier_ns", barrierNs);
        ObjectNode b = n.putObject("busiest_core");
        b.put("index", busiest.index());
        b.put("group", busiest.group());
        b.put("neurons", busiest.neurons());
        b.put("time_ns", busiest.timeNs());
        n.put("tokens", tokens);
        n.put("updates_per_token", updatesPerToken);
        n.put("synops_per_token", synopsPerToken);
        n.put("messages_per_token", messagesPerToken);
        ObjectNode sp = n.putObject("sparsity");
        sparsity.forEach(sp::put);
        ObjectNode sat = n.putObject("saturations");
        saturations.forEach(sat::put);
        ObjectNode k = n.putObject("cost_constants");
        for (CostConstants.Constant c : constants.entries()) k.put(c.key(), c.value());
        n.put("basis", "cores, chips and counts from the mapping and the engine; latency, throughput and energy "
                + "modelled from the counts and cost_constants (docs/COST_MODEL.md)");
        return n;
    }

    /** {@link #toJsonNode()} pretty-printed. */
    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJsonNode());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of plain values always serialises
        }
    }

    /** A few lines for the console. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        if (accuracy != null) sb.append(String.format(Locale.ROOT, "accuracy      %.2f%%%n", 100 * accuracy));
        sb.append(String.format(Locale.ROOT, "cores         %d on %d chip(s), at most %d neurons per core%n", cores, chips, maxNeuronsPerCore));
        sb.append(String.format(Locale.ROOT, "step          %.3f µs (modelled) = busiest core %d (%s, %d neurons) %.3f µs + barrier %.3f µs%n",
                stepNs / 1e3, busiest.index(), busiest.group(), busiest.neurons(), busiest.timeNs() / 1e3, barrierNs / 1e3));
        sb.append(String.format(Locale.ROOT, "latency       %d steps = %.2f µs (modelled)%n", latencySteps, latencyUs));
        sb.append(String.format(Locale.ROOT, "throughput    %.0f tokens/s (modelled, one token per step)%n", tokensPerS));
        sb.append(String.format(Locale.ROOT, "energy        %.3f µJ/token (modelled): dynamic %.3f (updates %.3f, synops %.3f, messages %.3f, hops %.3f) + static %.3f%n",
                energy.totalUj(), energy.dynamicUj(), energy.neuronUpdatesUj(), energy.synopsUj(), energy.messagesUj(),
                energy.hopsUj(), energy.staticUj()));
        sb.append(String.format(Locale.ROOT, "per token     %.0f neuron updates, %.0f synaptic ops, %.0f messages (counted over %d tokens)%n",
                updatesPerToken, synopsPerToken, messagesPerToken, tokens));
        sb.append("sparsity     ");
        sparsity.forEach((g, v) -> sb.append(String.format(Locale.ROOT, " %s %.3f", g, v)));
        sb.append(System.lineSeparator());
        sb.append("saturations  ");
        if (totalSaturations() == 0) sb.append(" none");
        saturations.forEach((site, v) -> {
            if (v > 0) sb.append(' ').append(site).append(' ').append(v);
        });
        sb.append(System.lineSeparator());
        return sb.toString();
    }
}
