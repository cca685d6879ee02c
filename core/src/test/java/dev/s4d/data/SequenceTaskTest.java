package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task shapes, input normalisation on known pixels, the psMNIST permutation, and dataset views. */
class SequenceTaskTest {
    @TempDir
    Path dir;

    @Test
    void idsAndShapes() {
        assertThat(SequenceTask.ids()).containsExactly("smnist", "psmnist", "scifar", "scifar-gray", "sfashion");
        assertThat(SequenceTask.fromId("sCIFAR-gray")).isEqualTo(SequenceTask.SCIFAR_GRAY);
        assertThat(SequenceTask.SMNIST.length()).isEqualTo(784);
        assertThat(SequenceTask.SMNIST.dInput()).isEqualTo(1);
        assertThat(SequenceTask.SCIFAR.length()).isEqualTo(1024);
        assertThat(SequenceTask.SCIFAR.dInput()).isEqualTo(3);
        assertThat(SequenceTask.SCIFAR_GRAY.dInput()).isEqualTo(1);
        assertThat(SequenceTask.SFASHION.corpus()).isEqualTo(Corpus.FASHION_MNIST);
        for (SequenceTask t : SequenceTask.values()) assertThat(t.nClasses()).isEqualTo(10);
        assertThatThrownBy(() -> SequenceTask.fromId("lra")).hasMessageContaining("unknown task 'lra'").hasMessageContaining("smnist");
    }

    @Test
    void rowWidthIsWhereTheSecondRowsFirstPixelLands() {
        assertThat(SequenceTask.PSMNIST.rowWidth()).isZero();
        for (SequenceTask t : SequenceTask.values()) {
            if (t == SequenceTask.PSMNIST) continue;
            int w = t.rowWidth();
            assertThat(t.length() % w).as(t.id()).isZero();
            byte[] raw = new byte[t.rawSize()];
            raw[w] = (byte) 255;                              // row 1, column 0 (of the first plane for CIFAR-10)
            float[] out = new float[t.length() * t.dInput()];
            float[] blank = new float[out.length];
            t.encode(raw, 0, out, 0);
            t.encode(new byte[t.rawSize()], 0, blank, 0);
            for (int i = 0; i < out.length; i++) {
                if (i == w * t.dInput()) assertThat(out[i]).as(t.id()).isNotEqualTo(blank[i]);
                else assertThat(out[i]).as(t.id() + " at " + i).isEqualTo(blank[i]);
            }
        }
    }

    @Test
    void mnistPixelOver255() {
        byte[] raw = new byte[784];
        raw[0] = (byte) 255;
        raw[1] = (byte) 128;
        raw[783] = 51;
        float[] out = new float[784];
        SequenceTask.SMNIST.encode(raw, 0, out, 0);
        assertThat(out[0]).isEqualTo(1.0f);
        assertThat(out[1]).isEqualTo(128f / 255f);
        assertThat(out[2]).isEqualTo(0f);
        assertThat(out[783]).isEqualTo(0.2f);
    }

    @Test
    void cifarChannelsNormalisedPerChannelTokenMajor() {
        byte[] raw = new byte[3072];
        int t = 33;  // pixel (row 1, column 1)
        raw[t] = (byte) 255;           // R
        raw[1024 + t] = (byte) 128;    // G
        raw[2048 + t] = 0;             // B
        float[] out = new float[3 * 1024];
        SequenceTask.SCIFAR.encode(raw, 0, out, 0);
        assertThat(out[3 * t]).isCloseTo((float) ((1.0 - 0.4914) / 0.2023), within(1e-6f));
        assertThat(out[3 * t]).isCloseTo(2.5140879f, within(1e-6f));
        assertThat(out[3 * t + 1]).isCloseTo((float) ((128 / 255.0 - 0.4822) / 0.1994), within(1e-6f));
        assertThat(out[3 * t + 2]).isCloseTo(-2.2213930f, within(1e-6f));
        // an all-zero pixel elsewhere gets -mean/std in each channel
        assertThat(out[0]).isCloseTo((float) (-0.4914 / 0.2023), within(1e-6f));
        assertThat(out[1]).isCloseTo((float) (-0.4822 / 0.1994), within(1e-6f));
    }

    @Test
    void cifarGrayscaleThenNormalised() {
        byte[] raw = new byte[3072];
        raw[5] = (byte) 200;
        raw[1024 + 5] = 100;
        raw[2048 + 5] = 50;
        raw[6] = raw[1024 + 6] = raw[2048 + 6] = (byte) 255;
        float[] out = new float[1024];
        SequenceTask.SCIFAR_GRAY.encode(raw, 0, out, 0);
        double g = 0.2989 * 200 + 0.5870 * 100 + 0.1140 * 50;  // 124.18
        assertThat(out[5]).isCloseTo((float) ((g / 255 - 122.6 / 255) / (61.0 / 255)), within(1e-5f));
        assertThat(out[5]).isCloseTo(0.0259016f, within(1e-5f));
        assertThat(out[6]).isCloseTo((float) ((0.9999 - 122.6 / 255) / (61.0 / 255)), within(1e-5f));
        assertThat(out[0]).isCloseTo((float) (-122.6 / 61.0), within(1e-6f));
    }

    @Test
    void permutationIsAFixedBijection() {
        int[] perm = SequenceTask.psmnistPermutation();
        assertThat(perm).hasSize(784);
        boolean[] seen = new boolean[784];
        for (int p : perm) {
            assertThat(seen[p]).as("position %d twice", p).isFalse();
            seen[p] = true;
        }
        // pinned: changing these changes the psMNIST task (see SequenceTask#psmnistPermutation)
        assertThat(perm).startsWith(542, 291, 211, 727, 29, 726, 363, 150, 184, 391);
        assertThat(perm[783]).isEqualTo(398);
        assertThat(SequenceTask.psmnistPermutation()).isEqualTo(perm);
        perm[0] = -1;  // callers get a copy
        assertThat(SequenceTask.psmnistPermutation()[0]).isEqualTo(542);
    }

    @Test
    void permutationMatchesTheDocumentedSplittableRandomShuffle() {
        SplittableRandom jdk = new SplittableRandom(SequenceTask.PSMNIST_SEED);
        int[] expected = new int[784];
        for (int i = 0; i < 784; i++) expected[i] = i;
        for (int i = 783; i > 0; i--) {
            int j = jdk.nextInt(i + 1);
            int tmp = expected[i];
            expected[i] = expected[j];
            expected[j] = tmp;
        }
        assertThat(SequenceTask.psmnistPermutation()).isEqualTo(expected);
    }

    @Test
    void splitMix64AgreesWithTheJdk() {
        for (long seed : new long[] {0, 1, -7, 123456789}) {
            SplitMix64 ours = new SplitMix64(seed);
            SplittableRandom jdk = new SplittableRandom(seed);
            for (int k = 0; k < 2000; k++) {
                int bound = 1 + (k * 7919) % 100_000;
                if (k % 5 == 0) bound = 1 << (k % 31);
                assertThat(ours.nextInt(bound)).isEqualTo(jdk.nextInt(bound));
            }
            assertThat(ours.nextInt()).isEqualTo(jdk.nextInt());
        }
    }

    @Test
    void psmnistTokenTIsPixelPermT() {
        byte[] raw = TestFiles.rampPixels(1);
        float[] plain = new float[784];
        float[] permuted = new float[784];
        SequenceTask.SMNIST.encode(raw, 0, plain, 0);
        SequenceTask.PSMNIST.encode(raw, 0, permuted, 0);
        int[] perm = SequenceTask.psmnistPermutation();
        for (int t = 0; t < 784; t++) assertThat(permuted[t]).isEqualTo(plain[perm[t]]);
    }

    @Test
    void datasetViewsAndBufferWrites() {
        Path images = TestFiles.write(dir.resolve("i"), TestFiles.idxImages(5, 28, 28, TestFiles.rampPixels(5)));
        Path labels = TestFiles.write(dir.resolve("l"), TestFiles.idxLabels(new byte[] {5, 0, 4, 1, 9}));
        Dataset ds = Datasets.fromIdx(SequenceTask.SMNIST, images, labels);
        assertThat(ds.size()).isEqualTo(5);
        assertThat(ds.labels()).containsExactly(5, 0, 4, 1, 9);
        assertThat(ds.length()).isEqualTo(784);
        assertThat(ds.sequence(3)[0]).isEqualTo(3 / 255f);

        Dataset tail = ds.slice(2, 5);
        assertThat(tail.size()).isEqualTo(3);
        assertThat(tail.label(0)).isEqualTo(4);
        assertThat(tail.sequence(1)).isEqualTo(ds.sequence(3));
        assertThat(ds.limit(2).labels()).containsExactly(5, 0);
        assertThat(ds.limit(99)).isSameAs(ds);
        assertThat(tail.limit(1).label(0)).isEqualTo(4);

        float[] buf = new float[2 * 784 + 1];
        ds.sequence(4, buf, 785);
        assertThat(buf[785]).isEqualTo(4 / 255f);
        assertThat(buf[784]).isZero();
        assertThatThrownBy(() -> ds.sequence(0, new float[784], 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ds.label(5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> tail.label(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ds.limit(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cifarDatasetFromRecords() {
        Path f = TestFiles.write(dir.resolve("test_batch.bin"), TestFiles.cifarRecords(6, 9, 2));
        Dataset ds = Datasets.fromCifarBinary(SequenceTask.SCIFAR, List.of(f));
        assertThat(ds.labels()).containsExactly(6, 9, 2);
        float[] seq = ds.sequence(1);
        assertThat(seq).hasSize(3072);
        // record 1: pixel j = (7 + j) & 0xff; token 2's green value is plane byte 1024 + 2
        int green = (7 + 1024 + 2) & 0xff;
        assertThat(seq[3 * 2 + 1]).isCloseTo((float) ((green / 255.0 - 0.4822) / 0.1994), within(1e-6f));
        assertThatThrownBy(() -> Datasets.fromCifarBinary(SequenceTask.SMNIST, List.of(f)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
