package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.Rounding;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlainChipSimulatorTest {

    @Test
    void eachGroupTakesTokenTAtStepTPlusItsDepth() {
        QuantizedModel m = RandomQuantizedModels.model(5, Readout.MEAN, Rounding.NEAREST, Overflow.SATURATE);
        PlainChipSimulator sim = new PlainChipSimulator(m, false, 0);
        ChipTopology topology = sim.topology();
        int tokens = 4;
        float[][] x = RandomQuantizedModels.sequence(m, tokens, 1);
        PlainChipSimulator.Chip chip = sim.start();
        for (int step = 0; step < tokens + topology.latencySteps(); step++) {
            chip.step(step < tokens ? x[step] : null);
            for (ChipTopology.NeuronGroup g : topology.neuronGroups()) {
                // Group k (k synapse groups from the input) processes token t at step t + k.
                long done = Math.clamp(step - g.index() + 1, 0, tokens);
                assertThat(chip.counters().updates(g.index())).as(g.name() + " after step " + step).isEqualTo(done * g.size());
            }
        }
        assertThat(chip.classTokens()).isEqualTo(tokens);
    }

    @Test
    void anImpulseAtTokenZeroFirstReachesTheClassNeuronsAtTheLatencyStep() {
        QuantizedModel m = GoldenLoihiCases.load("mean_toward_zero_sigma_delta").model();
        PlainChipSimulator sim = new PlainChipSimulator(m, false, 0);
        int latency = sim.topology().latencySteps();
        assertThat(latency).isEqualTo(3 * m.model().nLayers() + 2);
        float[] impulse = new float[m.model().dInput()];
        Arrays.fill(impulse, Math.scalb(1f, 14 - m.inputFraction()));
        float[] zero = new float[m.model().dInput()];
        PlainChipSimulator.Chip kicked = sim.start();
        PlainChipSimulator.Chip quiet = sim.start();
        for (int step = 0; step <= latency; step++) {
            kicked.step(step == 0 ? impulse : zero);
            quiet.step(zero);
            if (step < latency) {
                assertThat(kicked.classTokens()).as("tokens at the class neurons after step " + step).isZero();
                assertThat(kicked.classValues()).as("class neurons after step " + step).isEqualTo(quiet.classValues());
            }
        }
        assertThat(kicked.classTokens()).isEqualTo(1);
        assertThat(kicked.classValues()).as("class neurons at step " + latency).isNotEqualTo(quiet.classValues());
    }

    @Test
    void sigmaDeltaWithThresholdZeroEqualsPlainMessagesExactly() {
        for (long seed = 0; seed < 24; seed++) {
            QuantizedModel m = RandomQuantizedModels.model(seed, seed % 2 == 0 ? Readout.MEAN : Readout.LAST,
                    Rounding.values()[(int) (seed % 3)], Overflow.values()[(int) (seed / 3 % 2)]);
            float[][] x = RandomQuantizedModels.sequence(m, 12, seed + 100);
            PlainChipSimulator.Result plain = new PlainChipSimulator(m, false, 0).run(x);
            PlainChipSimulator.Result delta = new PlainChipSimulator(m, true, 0).run(x);
            String where = "seed " + seed;
            assertThat(delta.trace()).as(where).isDeepEqualTo(plain.trace());
            assertThat(delta.logits()).as(where).containsExactly(plain.logits());
            assertThat(delta.prediction()).as(where).isEqualTo(plain.prediction());
            CounterSnapshot p = CounterSnapshot.of(plain.counters());
            CounterSnapshot d = CounterSnapshot.of(delta.counters());
            assertThat(d.saturations()).as(where).isEqualTo(p.saturations());
            assertThat(d.updates()).as(where).isEqualTo(p.updates());
            // Message counts differ, in either direction: a value falling back to zero costs a
            // sigma-delta message but none without sigma-delta, a value held costs only without it.
        }
    }

    @Test
    void sigmaDeltaSendsChangesNotValues() {
        // Input payloads 6, 6, 0, 0, 6: without sigma-delta three messages (the non-zero ones), with it
        // (θ = 0) three as well but at other tokens: 0 → 6, 6 → 0 and 0 → 6.
        QuantizedModel m = handModel(Readout.LAST, Map.of());
        float[][] x = {{1.5f}, {1.5f}, {0f}, {0f}, {1.5f}};
        for (boolean sigmaDelta : new boolean[]{false, true}) {
            PlainChipSimulator.Chip chip = new PlainChipSimulator(m, sigmaDelta, 0).start();
            long[] sentAt = new long[x.length];
            for (int t = 0; t < x.length; t++) {
                long before = chip.counters().messages(0);
                chip.step(x[t]);
                sentAt[t] = chip.counters().messages(0) - before;
            }
            assertThat(sentAt).as("input messages per token, sigma-delta " + sigmaDelta)
                    .containsExactly(sigmaDelta ? new long[]{1, 0, 1, 0, 1} : new long[]{1, 1, 0, 0, 1});
        }
    }

    @Test
    void shiftsRoundAndBoundsSaturateOrWrapAsTheSpecSays() {
        ChipCounters counters = new ChipCounters(new ChipTopology(ModelConfig.loihi(1, 1, 2, 1, 2)));
        PlainArithmetic nearest = new PlainArithmetic(Rounding.NEAREST, Overflow.SATURATE, counters);
        PlainArithmetic floor = new PlainArithmetic(Rounding.FLOOR, Overflow.WRAP, counters);
        PlainArithmetic towardZero = new PlainArithmetic(Rounding.TOWARD_ZERO, Overflow.SATURATE, counters);
        long[] x = {5, -5, -6, 6, -1, 7};
        assertThat(Arrays.stream(x).map(v -> nearest.shr(v, 1).longValue())).containsExactly(3L, -2L, -3L, 3L, 0L, 4L);
        assertThat(Arrays.stream(x).map(v -> floor.shr(v, 1).longValue())).containsExactly(2L, -3L, -3L, 3L, -1L, 3L);
        assertThat(Arrays.stream(x).map(v -> towardZero.shr(v, 1).longValue())).containsExactly(2L, -2L, -3L, 3L, 0L, 3L);
        assertThat(nearest.shr(-6, 2).longValue()).isEqualTo(-1); // −1.5 rounds half up
        assertThat(nearest.shr(-3, -2).longValue()).isEqualTo(-12);
        assertThat(floor.shr(-1, 200).longValue()).isEqualTo(-1); // no masking of large shift counts
        assertThat(nearest.shr(Long.MAX_VALUE, 63).longValue()).isEqualTo(1);

        assertThat(nearest.bound(127, 8, "input.payload")).isEqualTo(127);
        assertThat(nearest.bound(-128, 8, "input.payload")).isEqualTo(-128);
        assertThat(counters.totalSaturations()).isZero();
        assertThat(nearest.bound(128, 8, "input.payload")).isEqualTo(127);
        assertThat(nearest.bound(-1000, 8, "input.payload")).isEqualTo(-128);
        assertThat(floor.bound(128, 8, "u1.payload")).isEqualTo(-128);
        assertThat(floor.bound(-129, 8, "u1.payload")).isEqualTo(127);
        assertThat(floor.bound(3 * 256 + 5, 8, "u1.payload")).isEqualTo(5);
        assertThat(counters.saturationsBySite()).containsEntry("input.payload", 2L).containsEntry("u1.payload", 3L);

        // rint half to even: 2.5 → 2, 3.5 → 4, −2.5 → −2; 0.375·2^2 = 1.5 → 2.
        assertThat(PlainArithmetic.quantise(0.625f, 2)).isEqualTo(BigInteger.TWO);
        assertThat(PlainArithmetic.quantise(0.875f, 2)).isEqualTo(BigInteger.valueOf(4));
        assertThat(PlainArithmetic.quantise(-0.625f, 2)).isEqualTo(BigInteger.valueOf(-2));
        assertThat(PlainArithmetic.quantise(3f, -1)).isEqualTo(BigInteger.TWO);
        assertThat(PlainArithmetic.quantise(1e30f, 10)).isEqualTo(new BigDecimal(1e30f).toBigInteger().shiftLeft(10));
    }

    // A one-channel, one-mode model worked through by hand (see handModel for its numbers). With
    // x = 1.375, 0.625 and f_x = 2 the payloads are x_q = 6 (5.5 rounds to even), then 2 (2.5 too).
    private static final float[][] TWO_TOKENS = {{1.375f}, {0.625f}};

    @Test
    void handCheckedLastTokenReadout() {
        // Token 0: acc = 3·6 + 1 = 19, u = (19 + 1) >> 1 = 10; re = (160 + 8) >> 4 = 10,
        // im = (−80 + 8) >> 4 = −5; y = (400 + 16) >> 5 + (80 + 4) >> 3 = 13 + 10 = 23; r = 24 >> 1 = 12;
        // out acc = 2·12 − 3 = 21, o = 23 >> 2 = 5; z = (5, −2·5 + 4) = (5, −6).
        // Token 1: acc = 7, u = 4; re = (800 + 64) >> 7 + (64 + 8) >> 4 = 6 + 4 = 10,
        // im = 0 + (−32 + 8) >> 4 = −2; y = (352 + 16) >> 5 + (32 + 4) >> 3 = 11 + 4 = 15; r = 8;
        // out acc = 13, o = 15 >> 2 = 3; z = (3, −2).
        PlainChipSimulator.Result r = new PlainChipSimulator(handModel(Readout.LAST, Map.of()), false, 0).run(TWO_TOKENS);
        assertThat(r.trace()).isDeepEqualTo(new long[][]{{5, -6}, {3, -2}});
        assertThat(r.logits()).containsExactly(1.5, -1.0); // z · 2^(−f_acc), f_acc = 1
        assertThat(r.prediction()).isZero();
        CounterSnapshot c = CounterSnapshot.of(r.counters());
        assertThat(c.tokens()).isEqualTo(2);
        assertThat(c.messages()).containsExactly(Map.entry("input", 2L), Map.entry("u1", 2L), Map.entry("s4d1", 2L),
                Map.entry("relu1", 2L), Map.entry("out", 2L), Map.entry("classes", 0L));
        // The decoder's fan-out is its 2 outputs; every other group reaches one neuron per message.
        assertThat(c.synops()).containsExactly(Map.entry("encoder", 2L), Map.entry("fanout1", 2L), Map.entry("fanin1", 2L),
                Map.entry("mix1", 2L), Map.entry("decoder", 4L));
        assertThat(c.updates()).containsEntry("input", 2L).containsEntry("s4d1", 2L).containsEntry("classes", 4L);
        assertThat(r.counters().totalSaturations()).isZero();
    }

    @Test
    void handCheckedMeanReadout() {
        // The decoder accumulators (5, −6), (3, −2) shifted by f_acc − f_z = 1 with rounding half up:
        // (3, −3) then (2, −1), so z = (5, −4) and the logits z · 2^0 / 2.
        PlainChipSimulator.Result r = new PlainChipSimulator(handModel(Readout.MEAN, Map.of()), false, 0).run(TWO_TOKENS);
        assertThat(r.trace()).isDeepEqualTo(new long[][]{{3, -3}, {5, -4}});
        assertThat(r.logits()).containsExactly(2.5, -2.0);
    }

    @Test
    void handCheckedSigmaDeltaKeepsTheLastSentValue() {
        // θ_input = ⌈0.5 · 9⌉ = 5 and θ = 0 elsewhere. Token 1's input change 2 − 6 = −4 is not sent, so the
        // encoder still sees 6: u = 10 again (no message either), re = 6 + 10 = 16, im = 0 − 5 = −5,
        // y = (592 + 16) >> 5 + 10 = 29, r = 15, o = (27 + 2) >> 2 = 7, z = (7, −10).
        QuantizedModel m = handModel(Readout.LAST, Map.of("input", 9L));
        PlainChipSimulator.Result r = new PlainChipSimulator(m, true, 0.5).run(TWO_TOKENS);
        assertThat(r.trace()).isDeepEqualTo(new long[][]{{5, -6}, {7, -10}});
        assertThat(CounterSnapshot.of(r.counters()).messages()).containsExactly(Map.entry("input", 1L), Map.entry("u1", 1L),
                Map.entry("s4d1", 2L), Map.entry("relu1", 2L), Map.entry("out", 2L), Map.entry("classes", 0L));
    }

    @Test
    void saturationsAreCountedWhereTheyHappen() {
        // A 6-bit payload cannot hold x_q = 6 · 2^4 = 96: it saturates to 31 at input.payload.
        QuantizedModel m = handModel(Readout.LAST, Map.of());
        QuantConfig narrow = new QuantConfig(8, 8, 16, 6, 16, Rounding.NEAREST, Overflow.SATURATE, 1, 256);
        QuantizedModel n = new QuantizedModel(m.model(), narrow, m.inputFraction() + 4, m.blocks(), m.outputLinear(),
                m.outputFraction(), m.decoder(), m.logitFraction(), m.calibratedMax());
        PlainChipSimulator.Result r = new PlainChipSimulator(n, false, 0).run(new float[][]{{1.375f}});
        assertThat(r.counters().saturationsBySite()).containsEntry("input.payload", 1L);
    }

    @Test
    void rejectsBadInput() {
        QuantizedModel m = handModel(Readout.LAST, Map.of());
        assertThatThrownBy(() -> new PlainChipSimulator(m, true, -0.1)).hasMessageContaining("threshold");
        assertThatThrownBy(() -> new PlainChipSimulator(m, false, 0).run(new float[][]{{1f, 2f}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 features");
        assertThatThrownBy(() -> new PlainChipSimulator(m, false, 0).run(new float[][]{{Float.NaN}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
        assertThatThrownBy(() -> new PlainChipSimulator(m, false, 0).run(new float[0][]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * One input, one channel, one mode, one block, two classes; 8-bit weights and coefficients, 16-bit
     * states and accumulators, 12-bit spikes, rounding to nearest. Formats: f_x = 2; encoder W = 3 at
     * f_W = 1, bias 1, so acc at f = 3 and u at f_u = 2 (shift 1); Ā = (64 + 32i)·2^−7,
     * B̄ = (16 − 8i)·2^−4, C = (32 + 16i)·2^−5, D = 8·2^−3; y at f = 3, r at f = 2 (shift 1); mixing
     * W = 2 at f_W = 1, bias −3, o at f = 1 (shift 2); decoder (1, −2) at f_W = 0, bias (0, 4), so the
     * class accumulators are at f = 1; mean readout at f_z = 0.
     */
    private static QuantizedModel handModel(Readout readout, Map<String, Long> calibratedMax) {
        ModelConfig config = new ModelConfig(1, 1, 2, 1, 2, BlockFlavour.LOIHI, false, readout, Discretization.ZOH);
        QuantConfig q = new QuantConfig(8, 8, 16, 12, 16, Rounding.NEAREST, Overflow.SATURATE, 1, 256);
        QuantDense encoder = new QuantDense(1, 1, new int[]{3}, 1, new int[]{1});
        QuantS4D s4d = new QuantS4D(1, 1, new int[]{64}, new int[]{32}, 7, new int[]{16}, new int[]{-8}, 4,
                new int[]{32}, new int[]{16}, 5, new int[]{8}, 3);
        QuantBlock block = new QuantBlock(encoder, 2, s4d, 2, 3, 2);
        QuantDense mix = new QuantDense(1, 1, new int[]{2}, 1, new int[]{-3});
        QuantDense decoder = new QuantDense(2, 1, new int[]{1, -2}, 0, new int[]{0, 4});
        Map<String, Long> max = new HashMap<>(Map.of("input", 0L, "u1", 0L, "s4d1", 0L, "relu1", 0L, "out", 0L));
        max.putAll(calibratedMax);
        return new QuantizedModel(config, q, 2, List.of(block), mix, 1, decoder, readout == Readout.MEAN ? 0 : 1, max);
    }
}
