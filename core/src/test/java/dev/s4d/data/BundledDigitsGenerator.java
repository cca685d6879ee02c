package dev.s4d.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Produces the bundled demo digits: the first 100 MNIST test images and labels as two small
 * gzip IDX files under {@code core/src/main/resources/dev/s4d/data/}.
 *
 * <p>Run from the project root after {@code ./mvnw -o -pl core test-compile}:
 * <pre>
 * java -cp core/target/classes:core/target/test-classes dev.s4d.data.BundledDigitsGenerator \
 *     ../shared/data/mnist core/src/main/resources/dev/s4d/data
 * </pre>
 * The source directory must hold {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}
 * (raw or {@code .gz}). Java's gzip header has no time stamp, so reruns give identical files.
 * {@code BundledDigitsTest} checks the resource still equals the first 100 test digits.
 */
public final class BundledDigitsGenerator {
    private BundledDigitsGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: BundledDigitsGenerator MNIST_DIR OUTPUT_DIR");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int n = Datasets.BUNDLED_DIGITS;
        IdxImages images = IdxReader.readImages(pick(source, "t10k-images-idx3-ubyte"));
        byte[] labels = IdxReader.readLabels(pick(source, "t10k-labels-idx1-ubyte"), 10);
        byte[] firstPixels = Arrays.copyOfRange(images.pixels(), images.offset(), images.offset() + n * images.imageSize());
        Files.createDirectories(out);
        Files.write(out.resolve(Datasets.BUNDLED_IMAGES),
                TestFiles.gzip(TestFiles.idxImages(n, images.rows(), images.cols(), firstPixels)));
        Files.write(out.resolve(Datasets.BUNDLED_LABELS), TestFiles.gzip(TestFiles.idxLabels(Arrays.copyOf(labels, n))));
        System.out.println("wrote " + n + " digits to " + out.resolve(Datasets.BUNDLED_IMAGES) + " and " + out.resolve(Datasets.BUNDLED_LABELS));
    }

    private static Path pick(Path dir, String name) {
        Path raw = dir.resolve(name);
        return Files.isRegularFile(raw) ? raw : dir.resolve(name + ".gz");
    }
}
