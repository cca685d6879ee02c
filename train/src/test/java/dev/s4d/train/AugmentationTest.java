package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.data.SequenceTask;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

    /** Mirroring the encoded sequence equals encoding the mirrored picture, for every task with rows. */
    @ParameterizedTest
    @EnumSource(value = SequenceTask.class, names = "PSMNIST", mode = EnumSource.Mode.EXCLUDE)
    void mirroringTheSequenceIsMirroringThePicture(SequenceTask task) {
        int w = task.rowWidth();
        int plane = task.corpus() == dev.s4d.data.Corpus.CIFAR10 ? 1024 : 784;
        byte[] raw = new byte[task.rawSize()];
        new SplittableRandom(3).nextBytes(raw);
        byte[] mirroredRaw = new byte[raw.length];
        for (int i = 0; i < raw.length; i++) {
            int p = i % plane;                               // position within its colour plane
            mirroredRaw[i - p + (p - p % w) + (w - 1 - p % w)] = raw[i];
        }
        float[] x = new float[task.length() * task.dInput()];
        float[] expected = new float[x.length];
        task.encode(raw, 0, x, 0);
        task.encode(mirroredRaw, 0, expected, 0);
        assertThat(x).isNotEqualTo(expected);
        Augmentation.mirrorRows(x, 0, task.length(), task.dInput(), w);
        assertThat(x).containsExactly(expected);
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
