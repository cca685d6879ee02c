package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.Readout;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Results and counters do not depend on the number of workers, nor on how streams are grouped in a step. */
class ThreadIndependenceTest {
    private static final int STREAMS = 7; // uneven slices for 3 workers
    private static final int TOKENS = 40;
    private final QuantizedModel model = TestModels.random(9, 2, 8, 4, 2, 5, Readout.MEAN, QuantConfig.defaults());
    private final float[] input = TestModels.sequence(TOKENS * STREAMS, 2, 31);

    private float[] tokens(int t) {
        return Arrays.copyOfRange(input, t * STREAMS * 2, (t + 1) * STREAMS * 2);
    }

    private static void assertSameCounters(ChipCounters a, ChipCounters b) {
        assertThat(a.tokens()).isEqualTo(b.tokens());
        for (int g = 0; g < a.topology().neuronGroups().size(); g++) {
            assertThat(a.updates(g)).isEqualTo(b.updates(g));
            assertThat(a.messages(g)).isEqualTo(b.messages(g));
        }
        for (int g = 0; g < a.topology().synapseGroups().size(); g++) assertThat(a.synops(g)).isEqualTo(b.synops(g));
        assertThat(a.saturationsBySite()).isEqualTo(b.saturationsBySite());
    }

    @Test
    void oneAndThreeThreadsGiveTheSameLogitsAndCounters() {
        for (boolean sigmaDelta : new boolean[]{false, true}) {
            try (ChipStreams one = FixedPointEngine.compile(model, new ChipOptions(sigmaDelta, 0, 1)).open(STREAMS);
                 ChipStreams three = FixedPointEngine.compile(model, new ChipOptions(sigmaDelta, 0, 3)).open(STREAMS)) {
                float[] a = new float[STREAMS * 5];
                float[] b = new float[STREAMS * 5];
                for (int t = 0; t < TOKENS; t++) {
                    one.stepAll(tokens(t), a);
                    three.stepAll(tokens(t), b);
                    assertThat(b).containsExactly(a);
                }
                for (int s = 0; s < STREAMS; s++) {
                    assertThat(three.rawLogits(s)).containsExactly(one.rawLogits(s));
                    assertThat(three.prediction(s)).isEqualTo(one.prediction(s));
                }
                assertSameCounters(three.counters(), one.counters());
                assertThat(one.counters().tokens()).isEqualTo((long) TOKENS * STREAMS);
            }
        }
    }

    @Test
    void steppingStreamsAloneOrInSubsetsEqualsSteppingThemTogether() {
        FixedPointEngine engine = FixedPointEngine.compile(model, new ChipOptions(false, 0, 3));
        try (ChipStreams together = engine.open(STREAMS); ChipStreams alone = engine.open(STREAMS);
             ChipStreams subsets = engine.open(STREAMS)) {
            float[] logits = new float[STREAMS * 5];
            for (int t = 0; t < TOKENS; t++) {
                float[] tokens = tokens(t);
                together.stepAll(tokens, logits);
                for (int s = STREAMS - 1; s >= 0; s--) {
                    float[] one = alone.step(s, Arrays.copyOfRange(tokens, 2 * s, 2 * s + 2));
                    assertThat(one).containsExactly(Arrays.copyOfRange(logits, 5 * s, 5 * s + 5));
                }
                // Odd streams, then even ones, in descending order.
                int[] odd = {5, 3, 1};
                int[] even = {6, 4, 2, 0};
                for (int[] ids : new int[][]{odd, even}) {
                    float[] in = new float[ids.length * 2];
                    float[] out = new float[ids.length * 5];
                    for (int r = 0; r < ids.length; r++) System.arraycopy(tokens, 2 * ids[r], in, 2 * r, 2);
                    subsets.step(ids, ids.length, in, out);
                    for (int r = 0; r < ids.length; r++) {
                        assertThat(Arrays.copyOfRange(out, 5 * r, 5 * r + 5))
                                .containsExactly(Arrays.copyOfRange(logits, 5 * ids[r], 5 * ids[r] + 5));
                    }
                }
            }
            assertSameCounters(alone.counters(), together.counters());
            assertSameCounters(subsets.counters(), together.counters());
        }
    }
}
