package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.model.Readout;

import org.junit.jupiter.api.Test;

/**
 * Three tokens through {@link HandModel}, every intermediate worked out by hand from
 * docs/LOIHI_ARITHMETIC.md (rounding nearest: shr(x, k) = (x + 2^(k−1)) >> k). The payloads are read
 * from the sigma-delta senders' last-sent values, which with θ = 0 are exactly the payloads.
 */
class HandComputedTokensTest {
    // Neuron groups of a one-block model, in the topology's order.
    private static final int INPUT = 0;
    private static final int U = 1;
    private static final int S4D = 2;
    private static final int RELU = 3;
    private static final int OUT = 4;
    private static final int CLASSES = 5;
    /** 1.3f·16 = 20.8 → 21; −0.75·16 = −12; 2.03125·16 = 32.5 → 32 (half to even). */
    private static final float[] TOKENS = {1.3f, -0.75f, 2.03125f};

    /** What the hand computation gives after each token. */
    private record Expected(long x, long u, long re, long im, long y, long r, long o, long[] z) {
    }

    private static final Expected[] MEAN = {
            // acc = 3·21 + 5 = 68, u = (68+1)>>1 = 34
            // re = shr(0, 2) + shr(34·4 = 136, 3) = (136+4)>>3 = 17; im = shr(−34, 3) = (−34+4)>>3 = −4
            // y = shr(5·17 − 3·(−4) = 97, 2) + shr(34·(−6) = −204, 3) = 24 + (−200>>3 = −25) = −1
            // r = shr(max(−1, 0), 1) = 0; out acc = 2·0 − 3 = −3, o = (−3+1)>>1 = −1
            // decoder acc = [5·(−1) + 1, −2·(−1) + 4] = [−4, 6]; z = [shr(−4, 2), shr(6, 2)] = [−1, 2]
            new Expected(21, 34, 17, -4, -1, 0, -1, new long[]{-1, 2}),
            // acc = 3·(−12) + 5 = −31, u = (−31+1)>>1 = −15
            // re = shr(17·3 − (−4)·2 = 59, 2) + shr(−60, 3) = 15 + (−56>>3 = −7) = 8
            // im = shr(17·2 + (−4)·3 = 22, 2) + shr(15, 3) = 6 + 2 = 8
            // y = shr(5·8 − 3·8 = 16, 2) + shr(90, 3) = 4 + 11 = 15; r = (15+1)>>1 = 8
            // out acc = 2·8 − 3 = 13, o = 7; decoder acc = [36, −10]; z = [−1 + 9, 2 + (−8>>2 = −2)] = [8, 0]
            new Expected(-12, -15, 8, 8, 15, 8, 7, new long[]{8, 0}),
            // acc = 3·32 + 5 = 101, u = 51
            // re = shr(8·3 − 8·2 = 8, 2) + shr(204, 3) = 2 + 26 = 28; im = shr(40, 2) + shr(−51, 3) = 10 + (−47>>3 = −6) = 4
            // y = shr(5·28 − 3·4 = 128, 2) + shr(−306, 3) = 32 + (−302>>3 = −38) = −6; r = 0, o = −1
            // decoder acc = [−4, 6]; z = [8 + (−1), 0 + 2] = [7, 2]
            new Expected(32, 51, 28, 4, -6, 0, -1, new long[]{7, 2}),
    };

    private static long sent(ChipStreams s, int group) {
        return s.lastSent[group][0];
    }

    @Test
    void meanReadoutFollowsTheHandComputationTokenByToken() {
        HandModel m = new HandModel();
        FixedPointEngine plain = m.engine();
        FixedPointEngine delta = FixedPointEngine.compile(m.build(), new ChipOptions(true, 0, 1));
        try (ChipStreams p = plain.open(1); ChipStreams d = delta.open(1)) {
            for (int t = 0; t < TOKENS.length; t++) {
                float[] logits = p.step(0, new float[]{TOKENS[t]});
                float[] deltaLogits = d.step(0, new float[]{TOKENS[t]});
                Expected e = MEAN[t];
                assertThat(sent(d, INPUT)).as("x after token %d", t + 1).isEqualTo(e.x());
                assertThat(sent(d, U)).as("u after token %d", t + 1).isEqualTo(e.u());
                assertThat(sent(d, S4D)).as("y after token %d", t + 1).isEqualTo(e.y());
                assertThat(sent(d, RELU)).as("r after token %d", t + 1).isEqualTo(e.r());
                assertThat(sent(d, OUT)).as("o after token %d", t + 1).isEqualTo(e.o());
                for (ChipStreams s : new ChipStreams[]{p, d}) {
                    assertThat(s.re[0][0]).as("re after token %d", t + 1).isEqualTo((int) e.re());
                    assertThat(s.im[0][0]).as("im after token %d", t + 1).isEqualTo((int) e.im());
                    assertThat(s.rawLogits(0)).as("z after token %d", t + 1).containsExactly(e.z());
                }
                // logits = z·2^(−3) / tokens seen
                int seen = t + 1;
                assertThat(logits).containsExactly((float) (e.z()[0] / 8.0 / seen), (float) (e.z()[1] / 8.0 / seen));
                assertThat(deltaLogits).containsExactly(logits);
            }
            assertThat(p.prediction(0)).isZero(); // z = [7, 2]
        }
    }

    @Test
    void lastTokenReadoutKeepsTheDecoderAccumulator() {
        HandModel m = new HandModel();
        m.readout = Readout.LAST;
        try (ChipStreams s = m.engine().open(1)) {
            long[][] z = {{-4, 6}, {36, -10}, {-4, 6}};
            int[] predictions = {1, 0, 1};
            for (int t = 0; t < TOKENS.length; t++) {
                float[] logits = s.step(0, new float[]{TOKENS[t]});
                assertThat(s.rawLogits(0)).containsExactly(z[t]);
                // logits = z·2^(−f_acc), f_acc = 2 + 3
                assertThat(logits).containsExactly(z[t][0] / 32f, z[t][1] / 32f);
                assertThat(s.prediction(0)).isEqualTo(predictions[t]);
            }
            assertThat(s.re[0][0]).isEqualTo(28);
            assertThat(s.im[0][0]).isEqualTo(4);
        }
    }

    @Test
    void everyNeuronUpdatesAndOnlyNonZeroPayloadsAreMessages() {
        try (ChipStreams s = new HandModel().engine().open(1)) {
            for (float x : TOKENS) s.step(0, new float[]{x});
            ChipCounters c = s.counters();
            assertThat(c.tokens()).isEqualTo(3);
            assertThat(new long[]{c.updates(INPUT), c.updates(U), c.updates(S4D), c.updates(RELU), c.updates(OUT), c.updates(CLASSES)})
                    .containsExactly(3, 3, 3, 3, 3, 6);
            // r is 0 at tokens 1 and 3; every other payload is non-zero.
            assertThat(new long[]{c.messages(INPUT), c.messages(U), c.messages(S4D), c.messages(RELU), c.messages(OUT), c.messages(CLASSES)})
                    .containsExactly(3, 3, 3, 1, 3, 0);
            // encoder, fan-out, fan-in, mix1 (fan-out 1 each), decoder (fan-out 2 classes)
            assertThat(new long[]{c.synops(0), c.synops(1), c.synops(2), c.synops(3), c.synops(4)}).containsExactly(3, 3, 3, 1, 6);
            assertThat(c.totalSaturations()).isZero();
            assertThat(c.sparsity(RELU)).isEqualTo(1 - 1.0 / 3);
        }
    }

    @Test
    void sigmaDeltaCountsChangesIncludingAReturnToZero() {
        HandModel m = new HandModel();
        try (ChipStreams s = FixedPointEngine.compile(m.build(), new ChipOptions(true, 0, 1)).open(1)) {
            for (float x : TOKENS) s.step(0, new float[]{x});
            ChipCounters c = s.counters();
            // r: 0 (no change from 0), 8 (sent), 0 (sent: a change) — one more message than without
            // sigma-delta, where the zero is silent.
            assertThat(new long[]{c.messages(INPUT), c.messages(U), c.messages(S4D), c.messages(RELU), c.messages(OUT)})
                    .containsExactly(3, 3, 3, 2, 3);
            assertThat(c.synops(3)).isEqualTo(2);
        }
    }

    @Test
    void theFallThroughLatencyIsOneStepPerSynapseGroup() {
        assertThat(new HandModel().engine().latencySteps()).isEqualTo(5);
        var fourBlocks = TestModels.random(1, 2, 4, 2, 4, 3, Readout.MEAN, dev.s4d.loihi.quant.QuantConfig.defaults());
        assertThat(FixedPointEngine.compile(fourBlocks, ChipOptions.defaults()).latencySteps()).isEqualTo(3 * 4 + 2);
    }
}
