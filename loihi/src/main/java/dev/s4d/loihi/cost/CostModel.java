package dev.s4d.loihi.cost;

import dev.s4d.loihi.chip.ChipCounters;
import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.chip.ChipTopology.NeuronGroup;
import dev.s4d.loihi.chip.ChipTopology.NeuronKind;
import dev.s4d.loihi.chip.ChipTopology.SynapseGroup;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Time and energy per token of a mapped model, from what an engine counted and the {@link CostConstants}.
 * All counts are first averaged over the counted tokens. Then:
 * <ul>
 *   <li><b>core time</b> = its neurons' updates × the update time of their kind + its incoming synaptic
 *       operations × {@code synop_ns} + the messages its neurons send × {@code spike_ns}. The counters are
 *       per group, so a core gets its group's updates, messages and incoming synaptic operations in
 *       proportion to its share of the group's neurons (exact for updates, an approximation for the
 *       others, which depend on which neurons are active);
 *   <li><b>step time</b> = the busiest core's time + {@code barrier_ns}: cores work in parallel and the
 *       step ends at a barrier;
 *   <li>the pipeline takes one token per step, so <b>throughput</b> = 1 / step time; <b>fall-through
 *       latency</b> = {@link ChipTopology#latencySteps()} × step time;
 *   <li><b>dynamic energy</b> per token = Σ updates × update energy of their kind + synaptic operations ×
 *       {@code synop_pj} + messages × ({@code spike_pj} + {@code hops_per_message} × {@code hop_pj});
 *       <b>static energy</b> per token = {@code static_w} × step time (the board's whole static power
 *       is charged to the model, one token per step).
 * </ul>
 * An S4D neuron's update costs {@code s4d_update_factor} times the simple update in time and energy.
 * Links between chips are not modelled: a mapping over several chips is costed as one chip.
 */
public final class CostModel {
    private final CostConstants constants;

    public CostModel(CostConstants constants) {
        if (constants == null) throw new IllegalArgumentException("cost constants must not be null");
        this.constants = constants;
    }

    public CostConstants constants() {
        return constants;
    }

    /** Time of one update of a neuron of this kind. */
    public double updateNs(NeuronKind kind) {
        return constants.neuronUpdateNs() * updateFactor(kind);
    }

    /** Energy of one update of a neuron of this kind. */
    public double updatePj(NeuronKind kind) {
        return constants.neuronUpdatePj() * updateFactor(kind);
    }

    private double updateFactor(NeuronKind kind) {
        return kind == NeuronKind.S4D ? constants.s4dUpdateFactor() : 1.0;
    }

    /** The cost report of a mapping given counters of the same model over at least one token. */
    public CostReport estimate(CoreMapping mapping, ChipCounters counters) {
        ChipTopology topology = mapping.topology();
        if (!topology.config().equals(counters.topology().config())) {
            throw new IllegalArgumentException("counters are of model " + counters.topology().config()
                    + " but the mapping is of " + topology.config());
        }
        long tokens = counters.tokens();
        if (tokens <= 0) throw new IllegalArgumentException("the counters hold no tokens; run the engine on some input first");
        int groups = topology.neuronGroups().size();
        double[] updates = new double[groups];
        double[] messages = new double[groups];
        double[] synopsIn = new double[groups];
        boolean[] sends = new boolean[groups];
        for (NeuronGroup g : topology.neuronGroups()) {
            updates[g.index()] = (double) counters.updates(g.index()) / tokens;
            messages[g.index()] = (double) counters.messages(g.index()) / tokens;
        }
        double synops = 0;
        for (SynapseGroup s : topology.synapseGroups()) {
            double perToken = (double) counters.synops(s.index()) / tokens;
            synopsIn[s.target().index()] += perToken;
            sends[s.source().index()] = true;
            synops += perToken;
        }

        CostReport.BusiestCore busiest = null;
        for (CoreMapping.Core c : mapping.cores()) {
            NeuronGroup g = c.group();
            double share = (double) c.neurons() / g.size();
            double ns = share * (updates[g.index()] * updateNs(g.kind())
                    + synopsIn[g.index()] * constants.synopNs()
                    + messages[g.index()] * constants.spikeNs());
            if (busiest == null || ns > busiest.timeNs()) busiest = new CostReport.BusiestCore(c.index(), g.name(), c.neurons(), ns);
        }
        double stepNs = busiest.timeNs() + constants.barrierNs();

        double updatesTotal = 0;
        double messagesTotal = 0;
        double updatePj = 0;
        Map<String, Double> sparsity = new LinkedHashMap<>();
        for (NeuronGroup g : topology.neuronGroups()) {
            updatesTotal += updates[g.index()];
            messagesTotal += messages[g.index()];
            updatePj += updates[g.index()] * updatePj(g.kind());
            if (sends[g.index()]) sparsity.put(g.name(), counters.sparsity(g.index()));
        }
        double pjToUj = 1e-6;
        var energy = new CostReport.Energy(
                updatePj * pjToUj,
                synops * constants.synopPj() * pjToUj,
                messagesTotal * constants.spikePj() * pjToUj,
                messagesTotal * constants.hopsPerMessage() * constants.hopPj() * pjToUj,
                constants.staticW() * stepNs * 1e-3); // W × ns = 1e-9 J = 1e-3 µJ

        int steps = topology.latencySteps();
        return new CostReport(null, tokens, mapping.coreCount(), mapping.chips(), mapping.maxNeuronsPerCore(),
                steps, stepNs, constants.barrierNs(), busiest,
                steps * stepNs * 1e-3, 1e9 / stepNs, energy, updatesTotal, synops, messagesTotal,
                sparsity, counters.saturationsBySite(), constants);
    }
}
