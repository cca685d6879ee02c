package dev.s4d.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Stream bookkeeping: subsets, many streams, reset, snapshot/restore and input checks. */
class StreamsTest {
    private final ModelConfig config = ModelConfig.reference(2, 8, 8, 2, 5);
    private final S4DModel model = TestModels.random(config, 11);
    private final RecurrentEngine engine = RecurrentEngine.compile(model);

    private float[] token(long seed) {
        return TestModels.sequence(1, config.dInput(), seed);
    }

    @Test
    void steppingStreamsOneAtATimeEqualsSteppingThemTogetherAcrossTilesAndThreads() {
        int n = 300; // several tiles, so the parallel path runs
        int d = config.dInput();
        int k = config.nClasses();
        try (Streams together = engine.open(n); Streams alone = engine.open(n)) {
            float[] tokens = new float[n * d];
            float[] logits = new float[n * k];
            for (int t = 0; t < 5; t++) {
                for (int s = 0; s < n; s++) System.arraycopy(token(t * 1000L + s), 0, tokens, s * d, d);
                together.stepAll(tokens, logits);
                for (int s = n - 1; s >= 0; s--) {
                    float[] one = alone.step(s, Arrays.copyOfRange(tokens, s * d, (s + 1) * d));
                    // Not bit-exact: the vector dense layer sums in another order for 1 row than for a tile.
                    assertThat(EngineEquivalenceTest.relativeError(EngineEquivalenceTest.toDouble(one),
                            EngineEquivalenceTest.toDouble(Arrays.copyOfRange(logits, s * k, (s + 1) * k)))).isLessThan(1e-5);
                }
            }
        }
    }

    @Test
    void aSubsetStepLeavesOtherStreamsUntouched() {
        try (Streams s = engine.open(4)) {
            float[] before = s.step(2, token(1));
            s.step(new int[]{3, 0}, 2, new float[]{1, 2, 3, 4}, new float[2 * config.nClasses()]);
            assertThat(s.tokensSeen(2)).isEqualTo(1);
            assertThat(s.tokensSeen(1)).isZero();
            assertThat(s.tokensSeen(0)).isEqualTo(1);
            byte[] snap = s.snapshot(2);
            s.reset(2);
            assertThat(s.step(2, token(1))).containsExactly(before);
            s.restore(2, snap);
            assertThat(s.tokensSeen(2)).isEqualTo(1);
        }
    }

    @Test
    void aRestoredSnapshotContinuesExactlyLikeTheOriginalStream() {
        try (Streams s = engine.open(2)) {
            for (int t = 0; t < 20; t++) s.step(0, token(t));
            s.restore(1, s.snapshot(0));
            for (int t = 20; t < 40; t++) {
                assertThat(s.step(1, token(t))).containsExactly(s.step(0, token(t)));
            }
        }
    }

    @Test
    void resetReturnsAStreamToItsFreshState() {
        try (Streams s = engine.open(1)) {
            float[] first = s.step(0, token(5));
            s.step(0, token(6));
            s.reset(0);
            assertThat(s.tokensSeen(0)).isZero();
            assertThat(s.step(0, token(5))).containsExactly(first);
        }
    }

    /**
     * A snapshot must restore in a later run of the JVM, so its model fingerprint may depend only on
     * values, never on identity hash codes (enum hashCode() differs from run to run). Pinned as a constant.
     */
    @Test
    void snapshotFingerprintIsTheSameInEveryRun() {
        try (Streams s = engine.open(1)) {
            long fingerprint = java.nio.ByteBuffer.wrap(s.snapshot(0)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(8);
            assertThat(fingerprint).isEqualTo(4223803217563170299L);
        }
    }

    @Test
    void badSnapshotsAreRefusedAndLeaveTheStreamUnchanged() {
        try (Streams s = engine.open(1)) {
            s.step(0, token(1));
            byte[] good = s.snapshot(0);
            assertThatThrownBy(() -> s.restore(0, Arrays.copyOf(good, good.length - 1)))
                    .hasMessageContaining("bytes, expected");
            byte[] badMagic = good.clone();
            badMagic[0] ^= 1;
            assertThatThrownBy(() -> s.restore(0, badMagic)).hasMessageContaining("not a stream snapshot");
            byte[] other = RecurrentEngine.compile(TestModels.random(config, 12)).open(1).snapshot(0);
            assertThatThrownBy(() -> s.restore(0, other)).hasMessageContaining("different model");
            byte[] nan = good.clone();
            // first state float sits after the 36-byte header
            java.nio.ByteBuffer.wrap(nan).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(36, Float.NaN);
            assertThatThrownBy(() -> s.restore(0, nan)).hasMessageContaining("non-finite");
            assertThat(s.snapshot(0)).containsExactly(good);
        }
    }

    @Test
    void badStepInputsGetClearErrors() {
        try (Streams s = engine.open(3)) {
            assertThatThrownBy(() -> s.step(3, token(1))).hasMessageContaining("streams are 0..2");
            assertThatThrownBy(() -> s.step(0, new float[]{Float.NaN, 0})).hasMessageContaining("inputs must be finite");
            assertThatThrownBy(() -> s.step(0, new float[]{1})).hasMessageContaining("expected d_input 2");
            assertThatThrownBy(() -> s.step(new int[]{1, 1}, 2, new float[4], new float[10])).hasMessageContaining("appears twice");
            s.close();
            assertThatThrownBy(() -> s.step(0, token(1))).hasMessageContaining("closed");
        }
        assertThatThrownBy(() -> engine.open(0)).hasMessageContaining("at least one stream");
    }

    @Test
    void convEngineRejectsRaggedBatches() {
        ConvEngine conv = ConvEngine.compile(model);
        assertThatThrownBy(() -> conv.logits(new float[][]{new float[4], new float[6]})).hasMessageContaining("equal lengths");
        assertThatThrownBy(() -> conv.logits(new float[][]{new float[5]})).hasMessageContaining("multiple of d_input=2");
    }

    @Test
    void stateSizeIsWhatTheModelNeeds() {
        // 2 layers × 8 channels × 4 complex modes × 2 floats × 4 bytes + 8 doubles of pooling sum
        assertThat(engine.stateBytesPerStream()).isEqualTo(2 * 8 * 4 * 2 * 4 + 8 * 8);
    }
}
