package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.Rounding;
import dev.s4d.model.Readout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The step-by-step simulator against the golden vectors of the independent Python implementation
 * (tools/golden/make_loihi_golden.py): every integer, logit, prediction and counter exactly.
 */
class PlainChipSimulatorGoldenTest {

    static List<GoldenLoihiCases.Case> cases() {
        return GoldenLoihiCases.all();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reproducesEveryGoldenNumber(GoldenLoihiCases.Case c) {
        PlainChipSimulator sim = new PlainChipSimulator(c.model(), c.sigmaDelta(), c.threshold());
        assertThat(c.sequences()).isNotEmpty();
        for (int s = 0; s < c.sequences().size(); s++) {
            GoldenLoihiCases.Sequence g = c.sequences().get(s);
            String where = c.name() + " sequence " + s;
            PlainChipSimulator.Result r = sim.run(g.inputs());
            assertThat(r.trace()).as(where + " z after every token").isDeepEqualTo(g.trace());
            assertThat(r.z()).as(where + " final z").containsExactly(g.z());
            assertThat(r.logits()).as(where + " logits").containsExactly(g.logits());
            assertThat(r.prediction()).as(where + " prediction").isEqualTo(g.prediction());
            assertThat(CounterSnapshot.of(r.counters())).as(where + " counters").isEqualTo(CounterSnapshot.of(g));
        }
    }

    @Test
    void goldenCasesCoverEveryMode() {
        // Guards against regenerating the vectors into something that tests less.
        List<GoldenLoihiCases.Case> all = cases();
        assertThat(all).extracting(c -> c.model().quant().rounding()).containsAll(EnumSet.allOf(Rounding.class));
        assertThat(all).extracting(c -> c.model().model().readout()).containsAll(EnumSet.allOf(Readout.class));
        for (Overflow o : Overflow.values()) {
            assertThat(all.stream().filter(c -> c.model().quant().overflow() == o).mapToLong(PlainChipSimulatorGoldenTest::saturations).sum())
                    .as("saturation events with overflow " + o).isPositive();
        }
        assertThat(all).anyMatch(c -> c.sigmaDelta() && c.threshold() > 0);
    }

    private static long saturations(GoldenLoihiCases.Case c) {
        return c.sequences().stream().flatMap(s -> s.saturations().values().stream()).mapToLong(Long::longValue).sum();
    }
}
