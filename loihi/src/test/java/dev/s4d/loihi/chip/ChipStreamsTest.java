package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.Readout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Stream bookkeeping: snapshots, reset, predictions, sizes and input checks. */
class ChipStreamsTest {
    private final QuantizedModel model = TestModels.random(11, 2, 6, 4, 2, 3, Readout.MEAN, QuantConfig.defaults());
    private final FixedPointEngine plain = FixedPointEngine.compile(model, new ChipOptions(false, 0, 1));
    private final FixedPointEngine delta = FixedPointEngine.compile(model, new ChipOptions(true, 0.02, 1));

    private static float[] token(long seed) {
        return TestModels.sequence(1, 2, seed);
    }

    @Test
    void aRestoredSnapshotContinuesExactlyLikeTheOriginalStream() {
        for (FixedPointEngine e : new FixedPointEngine[]{plain, delta}) {
            try (ChipStreams s = e.open(2); ChipStreams other = e.open(1)) {
                for (int t = 0; t < 20; t++) s.step(0, token(t));
                byte[] snapshot = s.snapshot(0);
                s.restore(1, snapshot);
                other.restore(0, snapshot);
                assertThat(s.tokensSeen(1)).isEqualTo(20);
                assertThat(s.logits(1)).containsExactly(s.logits(0));
                for (int t = 20; t < 40; t++) {
                    float[] original = s.step(0, token(t));
                    assertThat(s.step(1, token(t))).containsExactly(original);
                    assertThat(other.step(0, token(t))).containsExactly(original);
                    assertThat(s.rawLogits(1)).containsExactly(s.rawLogits(0));
                }
            }
        }
    }

    @Test
    void resetReturnsAStreamToItsFreshState() {
        try (ChipStreams s = delta.open(2)) {
            float[] first = s.step(0, token(5));
            ChipCounters fresh = s.counters();
            for (int t = 0; t < 10; t++) s.step(0, token(t));
            s.reset(0);
            s.clearCounters();
            assertThat(s.tokensSeen(0)).isZero();
            assertThat(s.rawLogits(0)).containsOnly(0L);
            assertThat(s.logits(0)).containsOnly(0f);
            assertThat(s.step(0, token(5))).containsExactly(first);
            // The last-sent values were cleared too: the first token sends what a fresh stream sends.
            assertThat(s.counters().totalMessages()).isEqualTo(fresh.totalMessages());
        }
    }

    @Test
    void predictionTiesGoToTheLowestClass() {
        HandModel m = new HandModel();
        m.decoderWeights = new int[]{5, 5};
        m.decoderBias = new int[]{1, 1};
        try (ChipStreams s = m.engine().open(1)) {
            s.step(0, new float[]{1.3f});
            assertThat(s.rawLogits(0)[0]).isEqualTo(s.rawLogits(0)[1]);
            assertThat(s.prediction(0)).isZero();
        }
    }

    @Test
    void stateSizesCountEveryStoredInteger() {
        // 2 blocks × 6·4 modes × (re, im) ints, 3 class longs, the token count
        long plainBytes = 2 * 24 * 2 * 4 + 3 * 8 + 8;
        assertThat(plain.stateBytesPerStream()).isEqualTo(plainBytes);
        // senders: input 2, per block u 6 + s4d 24 + relu 6, out 6 — one int each
        assertThat(delta.stateBytesPerStream()).isEqualTo(plainBytes + (2 + 2 * 36 + 6) * 4);
        try (ChipStreams s = delta.open(1)) {
            assertThat(s.snapshot(0).length).isEqualTo(28 + (int) delta.stateBytesPerStream() - 8);
        }
    }

    @Test
    void badTokensAreRefusedNamingTheProblem() {
        try (ChipStreams s = plain.open(3)) {
            assertThatThrownBy(() -> s.step(0, new float[3])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("d_input 2");
            assertThatThrownBy(() -> s.step(1, new float[]{0f, Float.NaN})).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input feature 1 of stream 1 is NaN");
            assertThatThrownBy(() -> s.stepAll(new float[]{0, 0, 0, 0, Float.POSITIVE_INFINITY, 0}, new float[9]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input feature 0 of stream 2 is Infinity");
            assertThatThrownBy(() -> s.stepAll(new float[5], new float[9])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 streams × d_input 2");
            assertThatThrownBy(() -> s.stepAll(new float[6], new float[8])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("classes 3");
            assertThatThrownBy(() -> s.step(new int[]{1, 1}, 2, new float[4], new float[6]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("appears twice");
            assertThatThrownBy(() -> s.step(3, token(1))).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("streams are 0..2");
            assertThatThrownBy(() -> s.rawLogits(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            // Nothing was stepped by the refused calls.
            assertThat(s.counters().tokens()).isZero();
            assertThat(s.tokensSeen(1)).isZero();
        }
    }

    @Test
    void closedStreamsRefuseWork() {
        ChipStreams s = plain.open(1);
        s.close();
        assertThatThrownBy(() -> s.step(0, token(1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        s.close();
    }

    @Test
    void corruptOrForeignSnapshotsAreRefusedAndLeaveTheStreamUntouched() {
        QuantizedModel another = TestModels.random(12, 2, 6, 4, 2, 3, Readout.MEAN, QuantConfig.defaults());
        try (ChipStreams s = delta.open(2); ChipStreams foreign = FixedPointEngine.compile(another, delta.options()).open(1);
             ChipStreams noDelta = plain.open(1)) {
            for (int t = 0; t < 5; t++) s.step(0, token(t));
            byte[] good = s.snapshot(0);
            s.step(1, token(99));
            byte[] before = s.snapshot(1);

            assertThatThrownBy(() -> s.restore(1, new byte[10])).hasMessageContaining("too short");
            assertThatThrownBy(() -> s.restore(1, java.util.Arrays.copyOf(good, good.length - 4))).hasMessageContaining("bytes, expected");
            byte[] magic = good.clone();
            magic[0] ^= 1;
            assertThatThrownBy(() -> s.restore(1, magic)).hasMessageContaining("not a chip stream snapshot");
            assertThatThrownBy(() -> s.restore(1, foreign.snapshot(0))).hasMessageContaining("different quantised model");
            assertThatThrownBy(() -> noDelta.restore(0, good)).hasMessageContaining("taken with sigma-delta");
            byte[] negative = good.clone();
            ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(20, -1);
            assertThatThrownBy(() -> s.restore(1, negative)).hasMessageContaining("negative");
            byte[] outOfRange = good.clone();
            // The first S4D state, right after the 28-byte header: 2^29 does not fit 24 bits.
            ByteBuffer.wrap(outOfRange).order(ByteOrder.LITTLE_ENDIAN).putInt(28, 1 << 29);
            assertThatThrownBy(() -> s.restore(1, outOfRange)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside 24 bits");
            byte[] lastByte = good.clone();
            // The last int is a sent payload: beyond 24 bits too.
            ByteBuffer.wrap(lastByte).order(ByteOrder.LITTLE_ENDIAN).putInt(lastByte.length - 4, -(1 << 25));
            assertThatThrownBy(() -> s.restore(1, lastByte)).hasMessageContaining("sent payload");

            assertThat(s.snapshot(1)).isEqualTo(before);
        }
    }
}
