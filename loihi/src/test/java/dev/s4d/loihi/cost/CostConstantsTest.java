package dev.s4d.loihi.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.s4d.io.ModelFileException;
import dev.s4d.loihi.cost.CostConstants.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The defaults' derivations, JSON overrides and their errors, and the docs table staying in step. */
class CostConstantsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsFollowTheStatedRules() {
        CostConstants k = CostConstants.loihi2();
        // Loihi 1 times, the larger of Davies and SANA-FE, over the Loihi 2 speed-ups.
        assertThat(k.synopNs()).isCloseTo(4.0 / 5, within(1e-12));
        assertThat(k.neuronUpdateNs()).isCloseTo(9.7 / 2, within(1e-12));
        assertThat(k.spikeNs()).isCloseTo(7.6 / 10, within(1e-12));
        assertThat(k.synopPj()).isEqualTo(35.5);
        assertThat(k.neuronUpdatePj()).isEqualTo(81.0);
        assertThat(k.spikePj()).isEqualTo(76.8);
        assertThat(k.hopPj()).isEqualTo(4.2);
        assertThat(k.barrierNs()).isEqualTo(200.0);
        assertThat(k.staticW()).isEqualTo(0.28);
        assertThat(k.entry(CostConstants.SYNOP_NS).kind()).isEqualTo(Kind.DERIVED);
        assertThat(k.entry(CostConstants.SYNOP_PJ).kind()).isEqualTo(Kind.ASSUMED);
        assertThat(k.entry(CostConstants.STATIC_W).kind()).isEqualTo(Kind.MEASURED);
        assertThat(k.entries()).allSatisfy(c -> {
            assertThat(c.value()).isPositive();
            assertThat(c.source()).isNotBlank();
        });
    }

    @Test
    void aJsonFileOverridesEntries() throws Exception {
        Path f = dir.resolve("costs.json");
        Files.writeString(f, "{\"synop_ns\": 0.5, \"static_w\": {\"value\": 0.25, \"kind\": \"measured\", \"source\": \"our board\"}}");
        CostConstants k = CostConstants.load(f);
        assertThat(k.synopNs()).isEqualTo(0.5);
        assertThat(k.entry(CostConstants.SYNOP_NS).kind()).isEqualTo(Kind.ASSUMED);
        assertThat(k.entry(CostConstants.SYNOP_NS).source()).isEqualTo("set in " + f);
        assertThat(k.entry(CostConstants.STATIC_W)).isEqualTo(
                new CostConstants.Constant("static_w", 0.25, "W", Kind.MEASURED, "our board"));
        assertThat(k.neuronUpdateNs()).isEqualTo(CostConstants.loihi2().neuronUpdateNs());
    }

    @Test
    void badFilesAreClearErrors() throws Exception {
        assertBad("{\"synop_nanoseconds\": 1}", "unknown cost constant 'synop_nanoseconds', expected one of [synop_ns");
        assertBad("{\"synop_ns\": 0}", "'synop_ns' must be a positive finite number (ns per synaptic op), got 0.0");
        assertBad("{\"static_w\": -1}", "'static_w' must be a positive finite number");
        assertBad("{\"synop_ns\": \"fast\"}", "'synop_ns' must be a number");
        assertBad("{\"synop_ns\": {\"kind\": \"assumed\"}}", "'synop_ns' must be a number");
        assertBad("{\"synop_ns\": {\"value\": 1, \"kind\": \"guessed\"}}", "kind must be measured, derived or assumed");
        assertBad("{\"synop_ns\": {\"value\": 1, \"unit\": \"s\"}}", "unknown field 'unit'");
        assertBad("[1, 2]", "expected a JSON object of cost constants");
        assertBad("{\"synop_ns\": 1,", "not valid JSON");
        assertThatThrownBy(() -> CostConstants.load(dir.resolve("missing.json")))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("not found");
        assertThatThrownBy(() -> CostConstants.loihi2().with("barrier_ns", Double.NaN, Kind.ASSUMED, "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive finite");
    }

    private void assertBad(String json, String message) throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, json);
        assertThatThrownBy(() -> CostConstants.load(f))
                .isInstanceOf(ModelFileException.class).hasMessageStartingWith(f.toString()).hasMessageContaining(message);
    }

    @Test
    void theMarkdownTableHasARowPerEntryAndIsTheOneInTheDocs() throws Exception {
        String md = CostConstants.loihi2().toMarkdown();
        assertThat(md.lines().count()).isEqualTo(2 + CostConstants.loihi2().entries().size());
        assertThat(md).contains("| `synop_ns` | 0.8 | ns per synaptic op | derived |")
                .contains("| `spike_ns` | 0.76 |").contains("| `static_w` | 0.28 | W | measured |");
        // Surefire runs in the module directory; the docs live one level up.
        assertThat(Files.readString(Path.of("..", "docs", "COST_MODEL.md"))).contains(md);
    }
}
