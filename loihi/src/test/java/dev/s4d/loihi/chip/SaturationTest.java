package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.Rounding;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each bounding site of {@link HandModel} made to overflow on purpose, with the bound events and the
 * bounded values worked out by hand. Sites before the one under test stay at zero; later sites may
 * see the effect and are not checked.
 */
class SaturationTest {
    private static final int INPUT = 0;
    private static final int U = 1;
    private static final int S4D = 2;
    private static final int RELU = 3;
    private static final int OUT = 4;

    private static QuantConfig widths(int state, int spike, int accumulator, Overflow overflow) {
        return new QuantConfig(8, 16, state, spike, accumulator, Rounding.NEAREST, overflow, 1, 256);
    }

    /** Runs the tokens with sigma-delta at θ = 0, so the streams' last-sent values are the payloads. */
    private static ChipStreams run(HandModel m, float... tokens) {
        ChipStreams s = FixedPointEngine.compile(m.build(), new ChipOptions(true, 0, 1)).open(1);
        for (float x : tokens) s.step(0, new float[]{x});
        return s;
    }

    /** The site counted {@code events} and every site before it in the graph none. */
    private static void assertEvents(ChipStreams s, String site, long events) {
        ChipCounters c = s.counters();
        List<String> sites = c.topology().sites();
        int at = sites.indexOf(site);
        for (int i = 0; i < at; i++) assertThat(c.saturations(i)).as(sites.get(i)).isZero();
        assertThat(c.saturations(at)).as(site).isEqualTo(events);
    }

    @Test
    void inputPayload() {
        HandModel m = new HandModel();
        m.quant = widths(24, 8, 24, Overflow.SATURATE);
        // ·16: 160 → 127 (event), 127, −128, −160 → −128 (event)
        try (ChipStreams s = run(m, 10f, 7.9375f, -8f, -10f)) {
            assertEvents(s, "input.payload", 2);
            assertThat(s.lastSent[INPUT][0]).isEqualTo(-128);
        }
        m.quant = widths(24, 8, 24, Overflow.WRAP);
        try (ChipStreams s = run(m, 10f)) {
            assertEvents(s, "input.payload", 1);
            assertThat(s.lastSent[INPUT][0]).isEqualTo(160 - 256);
        }
    }

    @Test
    void uAccumulator() {
        HandModel m = new HandModel();
        m.quant = widths(24, 24, 8, Overflow.SATURATE);
        // acc = 3·x + 5: 68, 125, 149 → 127 (event; u = 64), −235 → −128 (event)
        try (ChipStreams s = run(m, 1.3f, 2.5f, 3f)) {
            assertEvents(s, "u1.accumulator", 1);
            assertThat(s.lastSent[U][0]).isEqualTo(64);
        }
        try (ChipStreams s = run(m, 1.3f, 2.5f, 3f, -5f)) {
            assertEvents(s, "u1.accumulator", 2);
            assertThat(s.lastSent[U][0]).isEqualTo(-64);
        }
    }

    @Test
    void uPayload() {
        HandModel m = new HandModel();
        m.quant = widths(24, 6, 24, Overflow.SATURATE);
        // u = 34 → 31 (event), −15, (3·24 + 5 = 77 → 39) → 31 (event)
        try (ChipStreams s = run(m, 1.3f, -0.75f, 1.5f)) {
            assertEvents(s, "u1.payload", 2);
            assertThat(s.lastSent[U][0]).isEqualTo(31);
        }
    }

    @Test
    void s4dState() {
        HandModel m = new HandModel();
        m.bRe = 40;
        m.quant = widths(8, 24, 24, Overflow.SATURATE);
        // re = shr(34·40 = 1360, 3) = 170 → 127; im = −4 fits
        try (ChipStreams s = run(m, 1.3f)) {
            assertEvents(s, "s4d1.state", 1);
            assertThat(s.re[0][0]).isEqualTo(127);
            assertThat(s.im[0][0]).isEqualTo(-4);
        }
        m.quant = widths(8, 24, 24, Overflow.WRAP);
        try (ChipStreams s = run(m, 1.3f)) {
            assertEvents(s, "s4d1.state", 1);
            assertThat(s.re[0][0]).isEqualTo(170 - 256);
        }
    }

    @Test
    void s4dPayload() {
        HandModel m = new HandModel();
        m.cRe = 100;
        m.quant = widths(24, 8, 24, Overflow.SATURATE);
        // y = shr(100·17 − 3·(−4) = 1712, 2) + (−25) = 428 − 25 = 403 → 127
        try (ChipStreams s = run(m, 1.3f)) {
            assertEvents(s, "s4d1.payload", 1);
            assertThat(s.lastSent[S4D][0]).isEqualTo(127);
        }
    }

    @Test
    void reluAccumulator() {
        HandModel m = new HandModel();
        m.cRe = 100;
        m.quant = widths(24, 24, 8, Overflow.SATURATE);
        // y = 403 fits 24 bits; accY = 403 → 127; r = shr(127, 1) = 64
        try (ChipStreams s = run(m, 1.3f)) {
            assertEvents(s, "relu1.accumulator", 1);
            assertThat(s.lastSent[RELU][0]).isEqualTo(64);
        }
    }

    @Test
    void reluPayload() {
        HandModel m = new HandModel();
        m.reluFraction = 8; // relu shift 4 − 8 = −4: r = max(y, 0)·16
        m.quant = widths(24, 8, 24, Overflow.SATURATE);
        // y = −1, 15, −6: r = 0, 240 → 127 (event), 0
        try (ChipStreams s = run(m, 1.3f, -0.75f)) {
            assertEvents(s, "relu1.payload", 1);
            assertThat(s.lastSent[RELU][0]).isEqualTo(127);
        }
    }

    @Test
    void outAccumulator() {
        HandModel m = new HandModel();
        m.mixWeight = 100;
        m.quant = widths(24, 24, 8, Overflow.SATURATE);
        // out acc = 100·r − 3: −3, 797 → 127 (event), −3; o = shr(127, 1) = 64 at token 2
        try (ChipStreams s = run(m, 1.3f, -0.75f)) {
            assertEvents(s, "out.accumulator", 1);
            assertThat(s.lastSent[OUT][0]).isEqualTo(64);
        }
    }

    @Test
    void outPayload() {
        HandModel m = new HandModel();
        m.outputFraction = 8; // out shift 4 − 8 = −4
        m.quant = widths(24, 8, 24, Overflow.SATURATE);
        // o = 16·acc: −48, 208 → 127 (event), −48
        try (ChipStreams s = run(m, 1.3f, -0.75f, 2.03125f)) {
            assertEvents(s, "out.payload", 1);
            assertThat(s.lastSent[OUT][0]).isEqualTo(-48);
        }
    }

    @Test
    void classAccumulator() {
        HandModel m = new HandModel();
        m.decoderWeights = new int[]{100, -2};
        m.quant = widths(24, 24, 8, Overflow.SATURATE);
        m.integratorFraction = 5; // no pool shift: z sums the accumulators
        // class 0: 100·o + 1 = −99, 701 → 127 (event), −99
        try (ChipStreams s = run(m, 1.3f, -0.75f, 2.03125f)) {
            assertEvents(s, "classes.accumulator", 1);
            assertThat(s.rawLogits(0)[0]).isEqualTo(-99 + 127 - 99);
        }
    }

    @Test
    void classIntegratorSaturatesAndWraps() {
        HandModel m = new HandModel();
        m.decoderBias = new int[]{100, 4};
        m.integratorFraction = 5; // no pool shift
        m.quant = widths(8, 24, 24, Overflow.SATURATE);
        // class 0 acc = 5·o + 100 = 95, 135, 95: z = 95, 230 → 127 (event), 222 → 127 (event)
        // class 1 acc = 6, −10, 6: z = 6, −4, 2
        try (ChipStreams s = run(m, 1.3f, -0.75f, 2.03125f)) {
            assertEvents(s, "classes.state", 2);
            assertThat(s.rawLogits(0)).containsExactly(127, 2);
        }
        m.quant = widths(8, 24, 24, Overflow.WRAP);
        // z = 95, 230 → −26 (event), 69
        try (ChipStreams s = run(m, 1.3f, -0.75f, 2.03125f)) {
            assertEvents(s, "classes.state", 1);
            assertThat(s.rawLogits(0)).containsExactly(69, 2);
        }
    }
}
