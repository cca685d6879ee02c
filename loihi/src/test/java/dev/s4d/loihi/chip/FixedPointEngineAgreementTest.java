package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.Rounding;
import dev.s4d.model.Readout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The fast token-wise {@link FixedPointEngine} against the step-by-step {@link PlainChipSimulator}:
 * raw class integers after every token, predictions and every counter exactly equal, on the golden
 * models and on random integer models in every combination of rounding, overflow, readout and
 * sigma-delta, with inputs that saturate now and then. Each sequence runs alone in a stream set of
 * one, and all sequences of a model run interleaved in one stream set on two threads, whose counters
 * must be the sum of the single runs'.
 */
class FixedPointEngineAgreementTest {
    private static final int SEEDS = 4;

    static List<GoldenLoihiCases.Case> goldenCases() {
        return GoldenLoihiCases.all();
    }

    @ParameterizedTest
    @MethodSource("goldenCases")
    void agreesOnTheGoldenModels(GoldenLoihiCases.Case c) {
        List<float[][]> sequences = c.sequences().stream().map(GoldenLoihiCases.Sequence::inputs).toList();
        List<PlainChipSimulator.Result> expected = agree(c.name(), c.model(), c.sigmaDelta(), c.threshold(), sequences);
        for (int s = 0; s < expected.size(); s++) {
            // The simulator's own golden test pins it to the vectors; this makes the chain explicit.
            assertThat(expected.get(s).trace()).as(c.name() + " sequence " + s).isDeepEqualTo(c.sequences().get(s).trace());
        }
    }

    static Stream<Arguments> modes() {
        List<Arguments> modes = new ArrayList<>();
        for (Readout readout : Readout.values()) {
            for (Rounding rounding : Rounding.values()) {
                for (Overflow overflow : Overflow.values()) {
                    modes.add(Arguments.of(readout, rounding, overflow, false, 0.0));
                    modes.add(Arguments.of(readout, rounding, overflow, true, 0.0));
                    modes.add(Arguments.of(readout, rounding, overflow, true, 0.05));
                    modes.add(Arguments.of(readout, rounding, overflow, true, 0.3));
                }
            }
        }
        return modes.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} sigma-delta {3} threshold {4}")
    @MethodSource("modes")
    void agreesOnRandomModels(Readout readout, Rounding rounding, Overflow overflow, boolean sigmaDelta, double threshold) {
        long base = 1000L * (readout.ordinal() * 6 + rounding.ordinal() * 2 + overflow.ordinal());
        for (long seed = base; seed < base + SEEDS; seed++) {
            QuantizedModel m = RandomQuantizedModels.model(seed, readout, rounding, overflow);
            SplittableRandom rng = new SplittableRandom(seed);
            List<float[][]> sequences = new ArrayList<>();
            for (int s = 0; s < 3; s++) sequences.add(RandomQuantizedModels.sequence(m, 1 + rng.nextInt(20), rng.nextLong()));
            agree("seed " + seed + " (" + readout + ", " + rounding + ", " + overflow + ", sigma-delta " + sigmaDelta
                    + ", threshold " + threshold + ")", m, sigmaDelta, threshold, sequences);
        }
    }

    /** Runs every sequence on both implementations, asserts agreement, returns the simulator's results. */
    private static List<PlainChipSimulator.Result> agree(String what, QuantizedModel m, boolean sigmaDelta, double threshold,
                                                         List<float[][]> sequences) {
        PlainChipSimulator sim = new PlainChipSimulator(m, sigmaDelta, threshold);
        List<PlainChipSimulator.Result> expected = sequences.stream().map(sim::run).toList();

        FixedPointEngine single = FixedPointEngine.compile(m, new ChipOptions(sigmaDelta, threshold, 1));
        for (int s = 0; s < sequences.size(); s++) {
            ChipStreams streams = single.open(1);
            try {
                String where = what + " sequence " + s + " alone";
                float[][] x = sequences.get(s);
                for (int t = 0; t < x.length; t++) {
                    float[] logits = streams.step(0, x[t]);
                    assertToken(where + " token " + t, sim, expected.get(s), t, logits, streams.rawLogits(0));
                }
                assertFinal(where, expected.get(s), streams, 0);
                assertThat(CounterSnapshot.of(streams.counters())).as(where + " counters")
                        .isEqualTo(CounterSnapshot.of(expected.get(s).counters()));
            } finally {
                streams.close();
            }
        }

        FixedPointEngine threaded = FixedPointEngine.compile(m, new ChipOptions(sigmaDelta, threshold, 2));
        ChipStreams streams = threaded.open(sequences.size());
        try {
            int longest = sequences.stream().mapToInt(x -> x.length).max().orElseThrow();
            for (int t = 0; t < longest; t++) {
                for (int s = 0; s < sequences.size(); s++) {
                    if (t >= sequences.get(s).length) continue;
                    float[] logits = streams.step(s, sequences.get(s)[t]);
                    assertToken(what + " stream " + s + " of " + sequences.size() + " token " + t, sim, expected.get(s), t, logits,
                            streams.rawLogits(s));
                }
            }
            CounterSnapshot sum = CounterSnapshot.of(expected.get(0).counters());
            for (int s = 0; s < sequences.size(); s++) {
                assertFinal(what + " stream " + s + " of " + sequences.size(), expected.get(s), streams, s);
                if (s > 0) sum = sum.plus(CounterSnapshot.of(expected.get(s).counters()));
            }
            assertThat(CounterSnapshot.of(streams.counters())).as(what + " counters of all streams").isEqualTo(sum);
        } finally {
            streams.close();
        }
        return expected;
    }

    private static void assertToken(String where, PlainChipSimulator sim, PlainChipSimulator.Result expected, int t,
                                    float[] logits, long[] raw) {
        assertThat(raw).as(where + " raw logits").containsExactly(expected.trace()[t]);
        double[] real = sim.logits(expected.trace()[t], t + 1);
        assertThat(logits).as(where + " logits").hasSize(real.length);
        for (int c = 0; c < real.length; c++) {
            // Real logits are a float rendering of the exact integers: equal up to float rounding.
            assertThat((double) logits[c]).as(where + " logit " + c).isCloseTo(real[c], within(1e-6 * Math.abs(real[c])));
        }
    }

    private static void assertFinal(String where, PlainChipSimulator.Result expected, ChipStreams streams, int stream) {
        assertThat(streams.rawLogits(stream)).as(where + " final raw logits").containsExactly(expected.z());
        assertThat(streams.prediction(stream)).as(where + " prediction").isEqualTo(expected.prediction());
    }
}
