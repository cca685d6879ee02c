package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The 100 MNIST test digits shipped in the jar, and their faithfulness to the real test set. */
class BundledDigitsTest {

    @Test
    void hundredDigitsWithTheKnownFirstLabels() {
        Dataset digits = Datasets.bundledMnistDigits();
        assertThat(digits.size()).isEqualTo(100);
        assertThat(digits.task()).isEqualTo(SequenceTask.SMNIST);
        assertThat(digits.limit(10).labels()).containsExactly(7, 2, 1, 0, 4, 1, 4, 9, 5, 9);
        float[] seq = digits.sequence(0);
        assertThat(seq).hasSize(784);
        assertThat(seq[202]).isEqualTo(84 / 255f);  // first ink of the "7": row 7, column 6
    }

    @Test
    void permutedVariant() {
        Dataset plain = Datasets.bundledMnistDigits();
        Dataset permuted = Datasets.bundledMnistDigits(SequenceTask.PSMNIST);
        int[] perm = SequenceTask.psmnistPermutation();
        float[] a = plain.sequence(42);
        float[] b = permuted.sequence(42);
        for (int t = 0; t < 784; t++) assertThat(b[t]).isEqualTo(a[perm[t]]);
        assertThatThrownBy(() -> Datasets.bundledMnistDigits(SequenceTask.SCIFAR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bundled digits are MNIST");
    }

    @Test
    void attributionShipsNextToTheDigits() {
        assertThat(Datasets.class.getResource("MNIST-ATTRIBUTION.txt")).isNotNull();
    }

    @Test
    void equalsTheFirstHundredOfTheRealTestSet() {
        Path shared = TestFiles.sharedData();
        assumeTrue(shared != null && Files.isDirectory(shared.resolve("mnist")), "no shared MNIST copy");
        Path dir = shared.resolve("mnist");
        Dataset real = Datasets.fromIdx(SequenceTask.SMNIST, dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
        Dataset bundled = Datasets.bundledMnistDigits();
        for (int i = 0; i < 100; i++) {
            assertThat(bundled.label(i)).isEqualTo(real.label(i));
            assertThat(bundled.sequence(i)).isEqualTo(real.sequence(i));
        }
    }
}
