package dev.s4d.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChannelActivityTest {
    private static final ModelConfig CONFIG = ModelConfig.loihi(2, 4, 4, 2, 3);
    private static final int LENGTH = 50;

    /**
     * Layer 0 of a random model with its S4D kernel cut off (C = 0), the encoder reduced to a bias of 1
     * and D set per channel: the S4D output is then D·1 on every token, so channel 0 (D = −1) is never
     * positive, channels 1 and 3 (D = 2, 0.5) always are and channel 2 (D = 0) never is (0 is not positive).
     */
    private static S4DModel withKnownFirstLayer() {
        S4DModel base = TestModels.random(CONFIG, 5);
        Map<String, Tensor> p = new LinkedHashMap<>(base.parameters().asMap());
        p.put("encoder.weight", new Tensor(p.get("encoder.weight").shape(), new float[4 * 2]));
        p.put("encoder.bias", new Tensor(new int[]{4}, new float[]{1, 1, 1, 1}));
        p.put("s4_layers.0.kernel.C", new Tensor(p.get("s4_layers.0.kernel.C").shape(), new float[4 * 2 * 2]));
        p.put("s4_layers.0.D", new Tensor(new int[]{4}, new float[]{-1, 2, 0, 0.5f}));
        return new S4DModel(CONFIG, new Parameters(p));
    }

    private static float[][] batch(int n) {
        float[][] b = new float[n][];
        for (int i = 0; i < n; i++) b[i] = TestModels.sequence(LENGTH, 2, 100 + i);
        return b;
    }

    @Test
    void countsPositiveOutputsPerLayerAndChannel() {
        ConvEngine engine = ConvEngine.compile(withKnownFirstLayer(), Kernels.best(), 2);
        ChannelActivity a = new ChannelActivity(CONFIG);
        float[][] plain = engine.logits(batch(5));
        float[][] counted = engine.logits(batch(5), a);

        assertThat(counted).isDeepEqualTo(plain);
        assertThat(a.tokens()).isEqualTo(5L * LENGTH);
        assertThat(a.share(0, 0)).isZero();
        assertThat(a.share(0, 1)).isEqualTo(1.0);
        assertThat(a.share(0, 2)).isZero();
        assertThat(a.share(0, 3)).isEqualTo(1.0);
        assertThat(a.silent(0)).isEqualTo(2);
        assertThat(a.silentPerLayer()).hasSize(2).startsWith(2);
        assertThat(a.rarelyActive(0)).isEqualTo(2);
        assertThat(a.meanShare(0)).isEqualTo(0.5);
    }

    @Test
    void theVectorAndScalarEnginesCountTheSame() {
        S4DModel m = TestModels.random(CONFIG, 9);
        ChannelActivity vector = new ChannelActivity(CONFIG);
        ChannelActivity scalar = new ChannelActivity(CONFIG);
        ConvEngine.compile(m, Kernels.best(), 2).logits(batch(4), vector);
        ConvEngine.compile(m, Kernels.scalar(), 1).logits(batch(4), scalar);
        for (int l = 0; l < CONFIG.nLayers(); l++) {
            for (int j = 0; j < CONFIG.dModel(); j++) {
                // Outputs within rounding of 0 may fall either side; a random model puts few there.
                assertThat(vector.share(l, j)).as("layer %d channel %d", l, j).isCloseTo(scalar.share(l, j), org.assertj.core.data.Offset.offset(0.02));
            }
            assertThat(vector.meanShare(l)).isBetween(0.05, 0.95);
        }
    }

    @Test
    void sumsOverCallsAndRefusesAnotherShape() {
        ConvEngine engine = ConvEngine.compile(withKnownFirstLayer(), Kernels.best(), 1);
        ChannelActivity a = new ChannelActivity(CONFIG);
        engine.logits(batch(2), a);
        engine.logits(batch(3), a);
        assertThat(a.tokens()).isEqualTo(5L * LENGTH);
        assertThat(a.share(0, 1)).isEqualTo(1.0);

        ChannelActivity wrong = new ChannelActivity(ModelConfig.loihi(2, 8, 4, 2, 3));
        assertThatThrownBy(() -> engine.logits(batch(1), wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("activity counts 2 layers of 8 channels, the model has 2 of 4");
    }

    @Test
    void anEmptyCountHasNoShares() {
        ChannelActivity a = new ChannelActivity(CONFIG);
        assertThat(a.tokens()).isZero();
        assertThat(a.meanShare(1)).isZero();
        assertThat(a.silent(1)).isEqualTo(4);
    }
}
