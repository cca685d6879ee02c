package dev.s4d.loihi.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.loihi.chip.ChipCounters;
import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.cost.CostConstants.Kind;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.model.ModelConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Step time, latency, throughput and energy by hand from known counts and round constants. */
class CostModelTest {
    // H = 2, M = 2: input 1, u1 2, s4d1 4, relu1 2, out 2, classes 2; 5 synapse groups, so 5 steps.
    private final ChipTopology topology = new ChipTopology(ModelConfig.loihi(1, 2, 4, 1, 2));
    private final MemoryModel memory = new MemoryModel(QuantConfig.defaults(), false, ChipLimits.loihi2());
    private final CostModel model = new CostModel(roundConstants());

    private static CostConstants roundConstants() {
        Object[][] values = {
                {CostConstants.SYNOP_NS, 1.0}, {CostConstants.NEURON_UPDATE_NS, 10.0}, {CostConstants.SPIKE_NS, 2.0},
                {CostConstants.S4D_UPDATE_FACTOR, 4.0}, {CostConstants.BARRIER_NS, 100.0}, {CostConstants.SYNOP_PJ, 10.0},
                {CostConstants.NEURON_UPDATE_PJ, 100.0}, {CostConstants.SPIKE_PJ, 20.0}, {CostConstants.HOP_PJ, 5.0},
                {CostConstants.HOPS_PER_MESSAGE, 2.0}, {CostConstants.STATIC_W, 0.5}};
        CostConstants k = CostConstants.loihi2();
        for (Object[] v : values) k = k.with((String) v[0], (Double) v[1], Kind.ASSUMED, "test");
        return k;
    }

    /** Ten tokens: every neuron updated every token; some messages not sent. */
    private ChipCounters counters() {
        ChipCounters c = new ChipCounters(topology);
        c.addTokens(10);
        long[] updates = {10, 20, 40, 20, 20, 20};
        long[] messages = {10, 20, 30, 10, 20, 0};
        for (int g = 0; g < updates.length; g++) {
            c.addUpdates(g, updates[g]);
            c.addMessages(g, messages[g]);
        }
        // encoder, fanout1, fanin1, mix1, decoder: messages of the sender × fan-out (2, 2, 1, 2, 2)
        long[] synops = {20, 40, 30, 20, 40};
        for (int s = 0; s < synops.length; s++) c.addSynops(s, synops[s]);
        c.addSaturations(topology.siteIndex("s4d1.state"), 3);
        return c;
    }

    @Test
    void oneCorePerGroupByHand() {
        CostReport r = model.estimate(CoreMapping.map(topology, memory), counters());
        // Per token, core times (ns): input 1·10 + 0 + 1·2 = 12; u1 2·10 + 2·1 + 2·2 = 26;
        // s4d1 4·(4·10) + 4·1 + 3·2 = 170; relu1 2·10 + 3 + 1·2 = 25; out 20 + 2 + 2·2 = 26; classes 20 + 4 = 24.
        assertThat(r.cores()).isEqualTo(6);
        assertThat(r.busiest()).isEqualTo(new CostReport.BusiestCore(2, "s4d1", 4, 170.0));
        assertThat(r.stepNs()).isEqualTo(270.0);
        assertThat(r.latencySteps()).isEqualTo(5);
        assertThat(r.latencyUs()).isCloseTo(1.35, within(1e-12));
        assertThat(r.tokensPerS()).isCloseTo(1e9 / 270, within(1e-6));
        // Energy (pJ): updates 9·100 + 4·400 = 2500; synops 15·10 = 150; messages 9·20 = 180; hops 9·2·5 = 90.
        // Static: 0.5 W × 270 ns = 135 pJ·1000 = 0.135 µJ.
        assertThat(r.energy().neuronUpdatesUj()).isCloseTo(2500e-6, within(1e-15));
        assertThat(r.energy().synopsUj()).isCloseTo(150e-6, within(1e-15));
        assertThat(r.energy().messagesUj()).isCloseTo(180e-6, within(1e-15));
        assertThat(r.energy().hopsUj()).isCloseTo(90e-6, within(1e-15));
        assertThat(r.energy().dynamicUj()).isCloseTo(2920e-6, within(1e-15));
        assertThat(r.energy().staticUj()).isCloseTo(0.135, within(1e-15));
        assertThat(r.energyUjPerToken()).isCloseTo(0.13792, within(1e-12));
        assertThat(r.updatesPerToken()).isEqualTo(13.0);
        assertThat(r.synopsPerToken()).isEqualTo(15.0);
        assertThat(r.messagesPerToken()).isEqualTo(9.0);
        // Sparsity of the senders (classes sends nothing and is left out).
        assertThat(r.sparsity()).containsExactly(
                Map.entry("input", 0.0), Map.entry("u1", 0.0), Map.entry("s4d1", 0.25),
                Map.entry("relu1", 0.5), Map.entry("out", 0.0));
        assertThat(r.saturations()).containsEntry("s4d1.state", 3L).containsEntry("u1.payload", 0L);
        assertThat(r.totalSaturations()).isEqualTo(3);
    }

    @Test
    void aSplitGroupSharesItsWorkByNeurons() {
        // Two neurons a core: s4d1 goes to cores 2 and 3 with half its 170 ns each.
        CostReport r = model.estimate(CoreMapping.map(topology, memory, 2), counters());
        assertThat(r.cores()).isEqualTo(7);
        assertThat(r.busiest()).isEqualTo(new CostReport.BusiestCore(2, "s4d1", 2, 85.0));
        assertThat(r.stepNs()).isEqualTo(185.0);
        assertThat(r.maxNeuronsPerCore()).isEqualTo(2);
        // Dynamic energy does not depend on the mapping; static follows the step: 0.5 W × 185 ns.
        assertThat(r.energy().dynamicUj()).isCloseTo(2920e-6, within(1e-15));
        assertThat(r.energy().staticUj()).isCloseTo(0.0925, within(1e-15));
    }

    @Test
    void defaultsGiveTheDocumentedRatesForTheSixtyEightKModel() {
        ChipTopology t = new ChipTopology(ModelConfig.loihi(1, 80, 64, 4, 10));
        ChipCounters c = new ChipCounters(t);
        c.addTokens(1);
        for (var g : t.neuronGroups()) {
            c.addUpdates(g.index(), g.size());
            c.addMessages(g.index(), g.size()); // dense activity: every neuron sends
        }
        for (var s : t.synapseGroups()) c.addSynops(s.index(), (long) s.source().size() * s.fanOut());
        CostModel defaults = new CostModel(CostConstants.loihi2());
        CostReport r = defaults.estimate(CoreMapping.map(t, memory), c);
        // The busiest core holds a whole S4D group: 2560 × (4 × 4.85 + 0.8 + 0.76) ns.
        assertThat(r.busiest().group()).isEqualTo("s4d1");
        assertThat(r.busiest().timeNs()).isCloseTo(2560 * (4 * 4.85 + 0.8 + 0.76), within(1e-6));
        assertThat(r.stepNs()).isCloseTo(2560 * (4 * 4.85 + 0.8 + 0.76) + 200, within(1e-6));
        assertThat(r.latencySteps()).isEqualTo(14);
        System.out.print(r.toText());
    }

    @Test
    void countersOfAnotherModelOrWithoutTokensAreRejected() {
        CoreMapping m = CoreMapping.map(topology, memory);
        assertThatThrownBy(() -> model.estimate(m, new ChipCounters(topology)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no tokens");
        ChipCounters other = new ChipCounters(new ChipTopology(ModelConfig.loihi(1, 3, 4, 1, 2)));
        other.addTokens(1);
        assertThatThrownBy(() -> model.estimate(m, other))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counters are of model");
    }

    @Test
    void theReportJsonHasTheRequiredKeys() throws Exception {
        CostReport r = model.estimate(CoreMapping.map(topology, memory), counters());
        JsonNode j = new ObjectMapper().readTree(r.toJson());
        for (String key : List.of("accuracy", "cores", "chips", "latency_steps", "latency_us", "tokens_per_s",
                "energy_uj_per_token", "energy_dynamic_uj_per_token", "energy_static_uj_per_token", "step_ns",
                "busiest_core", "sparsity", "saturations", "synops_per_token", "messages_per_token", "updates_per_token")) {
            assertThat(j.has(key)).as(key).isTrue();
        }
        assertThat(j.get("accuracy").isNull()).isTrue();
        assertThat(j.get("cores").asInt()).isEqualTo(6);
        assertThat(j.get("latency_steps").asInt()).isEqualTo(5);
        assertThat(j.get("sparsity").get("relu1").asDouble()).isEqualTo(0.5);
        assertThat(j.get("saturations").get("s4d1.state").asLong()).isEqualTo(3);
        assertThat(j.get("busiest_core").get("group").asText()).isEqualTo("s4d1");
        assertThat(j.get("cost_constants").get("barrier_ns").asDouble()).isEqualTo(100.0);

        JsonNode withAccuracy = r.withAccuracy(0.975).toJsonNode();
        assertThat(withAccuracy.get("accuracy").asDouble()).isEqualTo(0.975);
        assertThatThrownBy(() -> r.withAccuracy(97.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1]");
        assertThat(r.withAccuracy(0.5).toText()).contains("accuracy      50.00%").contains("s4d1.state 3");
    }

    @Test
    void theComparisonSetsModelledBesideMeasuredAndPublished() {
        CostReport r = model.estimate(CoreMapping.map(topology, memory), counters());
        Comparison c = Comparison.of(r, "a CPU engine", 300, 10);
        // CPU: 300 µs/token, 3333.3 tokens/s, 300 µs × 10 W = 3000 µJ/token.
        assertThat(c.rows()).extracting(Comparison.Row::quantity).containsExactly("latency", "throughput", "energy");
        assertThat(c.rows().get(0).advantage()).isCloseTo(300 / 1.35, within(1e-9));
        assertThat(c.rows().get(1).advantage()).isCloseTo((1e9 / 270) / (1e6 / 300), within(1e-6));
        assertThat(c.rows().get(2).cpu()).isEqualTo(3000.0);
        assertThat(c.rows().get(2).cpuBasis()).isEqualTo(Comparison.Basis.MEASURED_TIME_ASSUMED_POWER);
        assertThat(c.rows().get(2).advantage()).isCloseTo(3000 / 0.13792, within(1e-6));
        assertThat(c.rows()).extracting(Comparison.Row::paperRatio).containsExactly(75.0, 75.0, 1000.0);
        assertThat(c.toMarkdown()).contains("(modelled)").contains("(measured)").contains("measured time × assumed power")
                .contains("(published)").contains("| CPU: a CPU engine |").contains("| latency | 1.35 µs/token | 300 µs/token (measured) | 222.2x | 75x |");
        assertThat(c.toJsonNode().get("rows").get(2).get("cpu_basis").asText()).isEqualTo("measured time × assumed power");
        assertThatThrownBy(() -> Comparison.of(r, "a CPU engine", 0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPU time per token");
    }
}
