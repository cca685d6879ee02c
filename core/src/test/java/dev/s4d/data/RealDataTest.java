package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the real datasets of the development layout ({@code ../shared/data}, see its README) when
 * present and skips otherwise. Only a handful of samples are converted to floats, to stay fast.
 */
class RealDataTest {
    private static Path shared;
    private static DataLocator locator;

    @BeforeAll
    static void findSharedData() {
        shared = TestFiles.sharedData();
        if (shared != null) {
            locator = DataLocator.builder().dataDir(shared).environment(TestFiles.env()).debianFashionMnist(null).log(null).build();
        }
    }

    private static Path mnistDir() {
        assumeTrue(shared != null && Files.isDirectory(shared.resolve("mnist")), "no shared MNIST copy");
        return shared.resolve("mnist");
    }

    private static Path cifarDir() {
        assumeTrue(shared != null && Files.isRegularFile(shared.resolve("cifar10/test_batch.bin")), "no shared CIFAR-10 copy");
        return shared.resolve("cifar10");
    }

    @Test
    void mnistDecompressedChecksumsMatchTheOfficialFiles() throws Exception {
        Path dir = mnistDir();
        RemoteSource.GzipFiles official = (RemoteSource.GzipFiles) RemoteSource.official().get(Corpus.MNIST);
        for (String name : List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte")) {
            assertThat(sha256OfGunzipped(dir.resolve(name + ".gz"))).as(name).isEqualTo(official.checksums().get(name).hex());
        }
    }

    @Test
    void mnistTest() {
        mnistDir();
        Dataset test = SequenceTask.SMNIST.load(Split.TEST, locator);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.name()).isEqualTo("smnist test");
        assertThat(test.limit(5).labels()).containsExactly(7, 2, 1, 0, 4);
        assertThat(test.label(9999)).isEqualTo(6);
    }

    @Test
    void mnistFirstTestImageIsPixelsOver255() throws Exception {
        Path dir = mnistDir();
        byte[] raw = firstTestImage(dir);
        float[] seq = SequenceTask.SMNIST.load(Split.TEST, locator).sequence(0);
        for (int t = 0; t < 784; t++) assertThat(seq[t]).isEqualTo((raw[t] & 0xff) / 255f);
        // known pixels of the "7": the first ink is row 7, column 6 (token 202) with value 84; row 8, column 7 is 254
        assertThat(seq[202]).isEqualTo(84 / 255f);
        assertThat(seq[8 * 28 + 7]).isEqualTo(254 / 255f);
        assertThat(seq[201]).isZero();
    }

    @Test
    void mnistTrain() {
        mnistDir();
        Dataset train = SequenceTask.PSMNIST.load(Split.TRAIN, locator);
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(train.limit(5).labels()).containsExactly(5, 0, 4, 1, 9);
        Dataset plain = SequenceTask.SMNIST.load(Split.TRAIN, locator);
        int[] perm = SequenceTask.psmnistPermutation();
        float[] a = plain.sequence(59_999);
        float[] b = train.sequence(59_999);
        for (int t = 0; t < 784; t++) assertThat(b[t]).isEqualTo(a[perm[t]]);
    }

    @Test
    void cifarTest() throws IOException {
        Path dir = cifarDir();
        Dataset test = SequenceTask.SCIFAR.load(Split.TEST, locator);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.limit(10).labels()).containsExactly(3, 8, 8, 0, 6, 6, 1, 6, 3, 1);
        int[] perClass = new int[10];
        for (int label : test.labels()) perClass[label]++;
        assertThat(perClass).containsOnly(1000);

        // normalisation of a known pixel: record 0, pixel t = 37 (row 1, column 5), read independently
        byte[] record;
        try (InputStream in = Files.newInputStream(dir.resolve("test_batch.bin"))) {
            record = in.readNBytes(3073);
        }
        int t = 37;
        int r = record[1 + t] & 0xff;
        int g = record[1 + 1024 + t] & 0xff;
        int b = record[1 + 2048 + t] & 0xff;
        float[] seq = test.sequence(0);
        assertThat(seq[3 * t]).isCloseTo((float) ((r / 255.0 - 0.4914) / 0.2023), within(1e-6f));
        assertThat(seq[3 * t + 1]).isCloseTo((float) ((g / 255.0 - 0.4822) / 0.1994), within(1e-6f));
        assertThat(seq[3 * t + 2]).isCloseTo((float) ((b / 255.0 - 0.4465) / 0.2010), within(1e-6f));
        float[] gray = SequenceTask.SCIFAR_GRAY.load(Split.TEST, locator).limit(1).sequence(0);
        double luma = 0.2989 * r + 0.5870 * g + 0.1140 * b;
        assertThat(gray[t]).isCloseTo((float) ((luma / 255 - 122.6 / 255) / (61.0 / 255)), within(1e-5f));
    }

    @Test
    void cifarTrain() {
        cifarDir();
        Dataset train = SequenceTask.SCIFAR_GRAY.load(Split.TRAIN, locator);
        assertThat(train.size()).isEqualTo(50_000);
        int[] perClass = new int[10];
        for (int label : train.labels()) perClass[label]++;
        assertThat(perClass).containsOnly(5000);
        assertThat(train.sequence(49_999)).hasSize(1024);
    }

    @Test
    void cifarExactSubsetHasTheSameLabelsAsTheJpegCopy() {
        Path dir = cifarDir();
        Path exact = dir.resolve("exact_subset/test_first1000_exact.bin");
        assumeTrue(Files.isRegularFile(exact), "no exact subset");
        Dataset subset = Datasets.fromCifarBinary(SequenceTask.SCIFAR, List.of(exact));
        assertThat(subset.size()).isEqualTo(1000);
        assertThat(subset.labels()).containsExactly(SequenceTask.SCIFAR.load(Split.TEST, locator).limit(1000).labels());
    }

    /**
     * Debian's dataset-fashion-mnist package (.ci/run installs it where it can), found the way users'
     * runs find it: every other place searched is empty.
     */
    private static DataLocator debianFashion(Path empty) {
        assumeTrue(Files.isRegularFile(DataLocator.DEBIAN_FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz")),
                "no Debian Fashion-MNIST (apt-get install dataset-fashion-mnist)");
        return DataLocator.builder().environment(Map.of()).workingDirectory(empty).userHome(empty).log(null).build();
    }

    @Test
    void fashionMnistFromTheDebianPackage(@TempDir Path empty) throws Exception {
        DataLocator debian = debianFashion(empty);
        Dataset test = SequenceTask.SFASHION.load(Split.TEST, debian);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.limit(10).labels()).containsExactly(9, 2, 1, 1, 6, 1, 4, 6, 5, 7);
        int[] perClass = new int[10];
        for (int label : test.labels()) perClass[label]++;
        assertThat(perClass).containsOnly(1000);
        Dataset train = SequenceTask.SFASHION.load(Split.TRAIN, debian);
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(train.limit(10).labels()).containsExactly(9, 0, 0, 3, 0, 2, 7, 2, 5, 5);

        // The first test image, read independently: pixels over 255, row by row.
        byte[] raw = firstTestImage(DataLocator.DEBIAN_FASHION_MNIST);
        float[] seq = test.sequence(0);
        for (int t = 0; t < 784; t++) assertThat(seq[t]).isEqualTo((raw[t] & 0xff) / 255f);
        assertThat(seq[215]).isEqualTo(3 / 255f);
        assertThat(seq[577]).isEqualTo(1f);
    }

    /** The 784 pixel bytes of the first image in dir's t10k-images-idx3-ubyte.gz, read without our readers. */
    private static byte[] firstTestImage(Path dir) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("t10k-images-idx3-ubyte.gz")))) {
            in.skipNBytes(16);
            return in.readNBytes(784);
        }
    }

    private static String sha256OfGunzipped(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return RawBytes.hex(md.digest());
    }
}
