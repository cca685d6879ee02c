package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.data.SequenceTask;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Mirroring and moving pictures, the draws, the names, and checkpoints from before augmentation existed. */
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
    void translateMovesThePictureFillingWithZero() {
        // three rows of four tokens, one feature: token (r, c) holds 10(r + 1) + c + 1
        float[] x = {11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34};
        float[] buffer = new float[x.length + 1];
        System.arraycopy(x, 0, buffer, 1, x.length);
        Augmentation.translate(buffer, 1, 12, 1, 4, 1, -1);   // one right, one up
        assertThat(buffer).containsExactly(0, 0, 21, 22, 23, 0, 31, 32, 33, 0, 0, 0, 0);
        float[] y = x.clone();
        Augmentation.translate(y, 0, 12, 1, 4, -2, 2);        // two left, two down
        assertThat(y).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 13, 14, 0, 0);
        float[] same = x.clone();
        Augmentation.translate(same, 0, 12, 1, 4, 0, 0);
        assertThat(same).containsExactly(x);
        float[] gone = x.clone();
        Augmentation.translate(gone, 0, 12, 1, 4, 4, 0);
        assertThat(gone).containsOnly(0f);
        // two features per token move together
        float[] pairs = {1, -1, 2, -2, 3, -3, 4, -4};
        Augmentation.translate(pairs, 0, 4, 2, 2, 1, 0);
        assertThat(pairs).containsExactly(0, 0, 1, -1, 0, 0, 3, -3);
    }

    /** For MNIST pictures, where 0 encodes black, moving the sequence equals encoding the moved picture. */
    @ParameterizedTest
    @EnumSource(value = SequenceTask.class, names = {"SMNIST", "SFASHION"})
    void translatingTheSequenceIsTranslatingThePicture(SequenceTask task) {
        int w = task.rowWidth();
        byte[] raw = new byte[task.rawSize()];
        new SplittableRandom(4).nextBytes(raw);
        int dx = -3;
        int dy = 2;
        byte[] movedRaw = new byte[raw.length];
        for (int r = 0; r < w; r++) {
            for (int c = 0; c < w; c++) {
                int sr = r - dy;
                int sc = c - dx;
                if (sr >= 0 && sr < w && sc >= 0 && sc < w) movedRaw[r * w + c] = raw[sr * w + sc];
            }
        }
        float[] x = new float[task.length()];
        float[] expected = new float[x.length];
        task.encode(raw, 0, x, 0);
        task.encode(movedRaw, 0, expected, 0);
        Augmentation.translate(x, 0, task.length(), 1, w, dx, dy);
        assertThat(x).containsExactly(expected);
    }

    @Test
    void flipDrawsOneCoinPerSampleAsBeforeAndTranslateTwoShiftsWithinAnEighthOfTheWidth() {
        SplittableRandom rng = new SplittableRandom(11);
        SplittableRandom replay = new SplittableRandom(11);
        float[] picture = {1, 2, 3, 4, 5, 6, 7, 8};
        for (int i = 0; i < 50; i++) {
            float[] x = picture.clone();
            Augmentation.FLIP.apply(x, 8, 1, 4, rng);
            float[] mirrored = picture.clone();
            Augmentation.mirrorRows(mirrored, 0, 8, 1, 4);
            assertThat(x).containsExactly(replay.nextBoolean() ? mirrored : picture);
        }
        assertThat(Augmentation.maxShift(32)).isEqualTo(4);
        assertThat(Augmentation.maxShift(28)).isEqualTo(3);
        // A one-pixel marker in a 32 × 32 picture shows where each translation put it.
        java.util.Set<Integer> dxs = new java.util.TreeSet<>();
        java.util.Set<Integer> dys = new java.util.TreeSet<>();
        for (int i = 0; i < 400; i++) {
            float[] x = new float[1024];
            x[16 * 32 + 16] = 1;
            Augmentation.TRANSLATE.apply(x, 1024, 1, 32, rng);
            int at = -1;
            for (int j = 0; j < x.length; j++) if (x[j] == 1) at = j;
            dxs.add(at % 32 - 16);
            dys.add(at / 32 - 16);
        }
        assertThat(dxs).containsExactly(-4, -3, -2, -1, 0, 1, 2, 3, 4);
        assertThat(dys).containsExactly(-4, -3, -2, -1, 0, 1, 2, 3, 4);
    }

    @Test
    void rowsMustTileTheSequence() {
        assertThatThrownBy(() -> Augmentation.mirrorRows(new float[16], 0, 16, 1, 5))
                .hasMessageContaining("rows of 5 tokens do not tile a sequence of 16");
        assertThatThrownBy(() -> Augmentation.mirrorRows(new float[16], 0, 16, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Augmentation.translate(new float[16], 0, 16, 1, 5, 1, 1)).hasMessageContaining("rows of 5 tokens");
    }

    @Test
    void namesAndUnknownNames() {
        assertThat(Augmentation.parse("flip")).isEqualTo(Augmentation.FLIP);
        assertThat(Augmentation.parse("NONE")).isEqualTo(Augmentation.NONE);
        assertThat(Augmentation.parse("flip+translate")).isEqualTo(Augmentation.FLIP_TRANSLATE);
        assertThat(Augmentation.parse("translate")).isEqualTo(Augmentation.TRANSLATE);
        assertThat(Augmentation.parse("cutout+Flip")).isEqualTo(new Augmentation(true, false, true, false));
        assertThat(Augmentation.parse("translate+cutout+flip").id()).isEqualTo("flip+translate+cutout");
        assertThat(Augmentation.parse("mixup+translate").id()).isEqualTo("translate+mixup");
        assertThat(Augmentation.parse("mixup").needsRows()).isFalse();
        for (Augmentation a : new Augmentation[] {Augmentation.NONE, Augmentation.FLIP, new Augmentation(false, true, true, false),
                new Augmentation(true, false, false, true)}) {
            assertThat(Augmentation.parse(a.id())).isEqualTo(a);
        }
        for (String bad : new String[] {"crop", "flip+flip", "flip+", "", "none+flip"}) {
            assertThatThrownBy(() -> Augmentation.parse(bad)).as(bad).hasMessageContaining("unknown augmentation '" + bad + "'")
                    .hasMessageContaining("expected none or one or more of [flip, translate, cutout, mixup] joined with +");
        }
    }

    /**
     * Each mixed sample is λ·itself + (1 − λ)·another sample of the batch as it was, λ in [½, 1]: recovered
     * here from samples whose tokens are one-hot, so that every blend shows its two parts and weights.
     */
    @Test
    void mixupBlendsEachSampleMostlyWithItselfAndOnceWithAnother() {
        int n = 5;
        float[][] batch = new float[n][n];
        for (int i = 0; i < n; i++) batch[i][i] = 1;
        Augmentation.parse("mixup").mix(batch, new SplittableRandom(11));
        for (int i = 0; i < n; i++) {
            int others = 0;
            for (int k = 0; k < n; k++) {
                if (k == i) continue;
                if (batch[i][k] != 0) {
                    others++;
                    assertThat(batch[i][i] + batch[i][k]).as("sample %d", i).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
            assertThat(others).as("partners of sample %d", i).isEqualTo(1);
            assertThat(batch[i][i]).as("own share of sample %d", i).isBetween(0.5f, 1f);
        }
        // The same draws give the same blends; a batch of one and augmentations without mixup are left alone.
        float[][] again = new float[n][n];
        for (int i = 0; i < n; i++) again[i][i] = 1;
        Augmentation.parse("mixup").mix(again, new SplittableRandom(11));
        assertThat(again).isDeepEqualTo(batch);
        float[][] single = {{3, 4}};
        Augmentation.parse("mixup").mix(single, new SplittableRandom(1));
        assertThat(single[0]).containsExactly(3, 4);
        float[][] untouched = {{1, 0}, {0, 1}};
        Augmentation.FLIP.mix(untouched, new SplittableRandom(1));
        assertThat(untouched).isDeepEqualTo(new float[][] {{1, 0}, {0, 1}});
    }

    @Test
    void cutoutZeroesTheSquareAroundItsCentreClippedAtTheEdges() {
        // four rows of five tokens, two features each: token (r, c) holds (10r + c + 1, −(10r + c + 1))
        float[] x = new float[40];
        for (int t = 0; t < 20; t++) {
            x[2 * t] = 10 * (t / 5) + t % 5 + 1;
            x[2 * t + 1] = -x[2 * t];
        }
        float[] buffer = new float[x.length + 1];
        System.arraycopy(x, 0, buffer, 1, x.length);
        Augmentation.cutout(buffer, 1, 20, 2, 5, 2, 2, 2);          // rows 1–2, columns 1–2
        for (int t = 0; t < 20; t++) {
            boolean cut = t / 5 >= 1 && t / 5 <= 2 && t % 5 >= 1 && t % 5 <= 2;
            assertThat(buffer[1 + 2 * t]).as("token %d", t).isEqualTo(cut ? 0 : x[2 * t]);
            assertThat(buffer[2 + 2 * t]).as("token %d", t).isEqualTo(cut ? 0 : x[2 * t + 1]);
        }
        assertThat(buffer[0]).isZero();
        float[] corner = x.clone();
        Augmentation.cutout(corner, 0, 20, 2, 5, 0, 4, 4);          // rows −2…1 and columns 2…5, clipped
        for (int t = 0; t < 20; t++) {
            boolean cut = t / 5 <= 1 && t % 5 >= 2;
            assertThat(corner[2 * t]).as("token %d", t).isEqualTo(cut ? 0 : x[2 * t]);
        }
        assertThatThrownBy(() -> Augmentation.cutout(new float[16], 0, 16, 1, 5, 0, 0, 2)).hasMessageContaining("rows of 5 tokens");
    }

    /** Cutout's two draws come after flip's and translate's, so adding it leaves their pictures as they were. */
    @Test
    void cutoutDrawsItsCentreAfterTheOtherOperations() {
        Augmentation all = Augmentation.parse("flip+translate+cutout");
        SplittableRandom rng = new SplittableRandom(5);
        SplittableRandom replay = new SplittableRandom(5);
        java.util.Set<Integer> rows = new java.util.TreeSet<>();
        for (int i = 0; i < 300; i++) {
            float[] picture = new float[64];
            for (int j = 0; j < picture.length; j++) picture[j] = j + 1;
            float[] x = picture.clone();
            all.apply(x, 64, 1, 8, rng);
            float[] expected = picture.clone();
            Augmentation.FLIP_TRANSLATE.apply(expected, 64, 1, 8, replay);
            int row = replay.nextInt(8);
            int column = replay.nextInt(8);
            rows.add(row);
            Augmentation.cutout(expected, 0, 64, 1, 8, row, column, 4);
            assertThat(x).containsExactly(expected);
        }
        assertThat(rows).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(Augmentation.cutoutSide(32)).isEqualTo(16);
        assertThat(Augmentation.parse("cutout").needsRows()).isTrue();
        assertThat(Augmentation.NONE.needsRows()).isFalse();
    }

    @Test
    void settingsWrittenBeforeAugmentationExistedReadAsNone() throws Exception {
        JsonMapper json = new JsonMapper();
        TrainConfig flip = TrainingFixtures.config(Augmentation.FLIP);
        String written = json.writeValueAsString(flip);
        assertThat(written).contains("\"augment\":\"flip\"");
        assertThat(json.readValue(written, TrainConfig.class)).isEqualTo(flip);
        TrainConfig cut = TrainingFixtures.config(Augmentation.parse("flip+cutout"));
        assertThat(json.writeValueAsString(cut)).contains("\"augment\":\"flip+cutout\"");
        assertThat(json.readValue(json.writeValueAsString(cut), TrainConfig.class)).isEqualTo(cut);
        String old = written.replace(",\"augment\":\"flip\"", "");
        assertThat(old).doesNotContain("augment");
        assertThat(json.readValue(old, TrainConfig.class)).isEqualTo(TrainingFixtures.config());
    }
}
