package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.Readout;

import org.junit.jupiter.api.Test;

/** Sigma-delta messages: exact at θ = 0, fewer messages as θ grows. */
class SigmaDeltaTest {
    private final QuantizedModel model = TestModels.random(5, 2, 6, 4, 2, 3, Readout.MEAN, QuantConfig.defaults());
    private static final int TOKENS = 90;

    /** A slowly varying input: each value held for three tokens, as pixels of a stroke often are. */
    private static float[] heldSequence() {
        float[] random = TestModels.sequence(TOKENS / 3, 2, 17);
        float[] held = new float[TOKENS * 2];
        for (int t = 0; t < TOKENS; t++) System.arraycopy(random, (t / 3) * 2, held, t * 2, 2);
        return held;
    }

    private static float[] token(float[] sequence, int t) {
        return new float[]{sequence[2 * t], sequence[2 * t + 1]};
    }

    @Test
    void thresholdZeroGivesTheSameIntegersAsPlainMessages() {
        float[] input = heldSequence();
        try (ChipStreams plain = FixedPointEngine.compile(model, new ChipOptions(false, 0, 1)).open(1);
             ChipStreams delta = FixedPointEngine.compile(model, new ChipOptions(true, 0, 1)).open(1)) {
            for (int t = 0; t < TOKENS; t++) {
                assertThat(delta.step(0, token(input, t))).containsExactly(plain.step(0, token(input, t)));
                assertThat(delta.rawLogits(0)).containsExactly(plain.rawLogits(0));
            }
            for (int l = 0; l < 2; l++) {
                assertThat(delta.re[l]).containsExactly(plain.re[l]);
                assertThat(delta.im[l]).containsExactly(plain.im[l]);
            }
            ChipCounters p = plain.counters();
            ChipCounters d = delta.counters();
            assertThat(d.saturationsBySite()).isEqualTo(p.saturationsBySite());
            for (int g = 0; g < p.topology().neuronGroups().size(); g++) assertThat(d.updates(g)).isEqualTo(p.updates(g));
            // Held inputs are sent once per value instead of every token.
            assertThat(d.messages(0)).isEqualTo(TOKENS / 3 * 2);
            assertThat(p.messages(0)).isEqualTo(TOKENS * 2);
            assertThat(d.totalMessages()).isLessThan(p.totalMessages());
            assertThat(d.totalSynops()).isLessThan(p.totalSynops());
        }
    }

    @Test
    void messagesDoNotIncreaseAsTheThresholdGrows() {
        float[] input = TestModels.sequence(TOKENS, 2, 23);
        double[] thresholds = {0, 0.001, 0.01, 0.03, 0.1, 0.3, 1, 100};
        long previous = Long.MAX_VALUE;
        long previousInput = Long.MAX_VALUE;
        for (double threshold : thresholds) {
            try (ChipStreams s = FixedPointEngine.compile(model, new ChipOptions(true, threshold, 1)).open(1)) {
                for (int t = 0; t < TOKENS; t++) s.step(0, token(input, t));
                ChipCounters c = s.counters();
                assertThat(c.totalMessages()).as("messages at threshold %s", threshold).isLessThanOrEqualTo(previous);
                assertThat(c.messages(0)).as("input messages at threshold %s", threshold).isLessThanOrEqualTo(previousInput);
                previous = c.totalMessages();
                previousInput = c.messages(0);
            }
        }
        // θ = 100 × the calibrated magnitude: no change is ever that large.
        assertThat(previous).isZero();
    }

    @Test
    void theThresholdIsAFractionOfEachGroupsCalibratedMagnitude() {
        FixedPointEngine e = FixedPointEngine.compile(new HandModel().build(), new ChipOptions(true, 0.1, 1));
        // calibrated magnitudes input 32, u1 64, s4d1 16, relu1 16, out 8: θ = ⌈0.1·m⌉
        assertThat(new long[]{e.threshold[0], e.threshold[1], e.threshold[2], e.threshold[3], e.threshold[4]})
                .containsExactly(4, 7, 2, 2, 1);
    }
}
