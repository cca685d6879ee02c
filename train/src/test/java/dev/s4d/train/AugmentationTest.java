package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

/** Mirroring image rows, the names, and checkpoints from before augmentation existed. */
class AugmentationTest {

    @Test
    void mirrorRowsReversesEachRowKeepingATokensFeaturesTogether() {
        // two rows of three tokens, two features each: token (r, c) holds (10r + c, −(10r + c))
        float[] x = {0, -0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12};
        float[] buffer = new float[x.length + 2];
        System.arraycopy(x, 0, buffer, 1, x.length);
        Augmentation.mirrorRows(buffer, 1, 6, 2, 3);
        assertThat(buffer).containsExactly(0, 2, -2, 1, -1, 0, -0, 12, -12, 11, -11, 10, -10, 0);
        Augmentation.mirrorRows(buffer, 1, 6, 2, 3);
        float[] back = new float[x.length];
        System.arraycopy(buffer, 1, back, 0, x.length);
        assertThat(back).containsExactly(x);
    }

    @Test
    void rowsMustTileTheSequence() {
        assertThatThrownBy(() -> Augmentation.mirrorRows(new float[16], 0, 16, 1, 5))
                .hasMessageContaining("rows of 5 tokens do not tile a sequence of 16");
        assertThatThrownBy(() -> Augmentation.mirrorRows(new float[16], 0, 16, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesAndUnknownNames() {
        assertThat(Augmentation.parse("flip")).isEqualTo(Augmentation.FLIP);
        assertThat(Augmentation.parse("NONE")).isEqualTo(Augmentation.NONE);
        assertThatThrownBy(() -> Augmentation.parse("crop")).hasMessageContaining("unknown augmentation 'crop'")
                .hasMessageContaining("[none, flip]");
    }

    @Test
    void settingsWrittenBeforeAugmentationExistedReadAsNone() throws Exception {
        JsonMapper json = new JsonMapper();
        TrainConfig flip = TrainingFixtures.config(Augmentation.FLIP);
        String written = json.writeValueAsString(flip);
        assertThat(written).contains("\"augment\":\"flip\"");
        assertThat(json.readValue(written, TrainConfig.class)).isEqualTo(flip);
        String old = written.replace(",\"augment\":\"flip\"", "");
        assertThat(old).doesNotContain("augment");
        assertThat(json.readValue(old, TrainConfig.class)).isEqualTo(TrainingFixtures.config());
    }
}
