package dev.s4d.data;

import java.util.List;

/**
 * The image collections the sequence tasks are cut from, with the file names each split needs.
 *
 * <p>Every corpus lives in its own sub-directory of a data directory ({@link #directoryName()}), so
 * MNIST and Fashion-MNIST, whose files share the same names, cannot be mixed up.
 */
public enum Corpus {
    /** MNIST handwritten digits: IDX files, raw or gzip-compressed. */
    MNIST("mnist", "MNIST", true,
            List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")),
    /** Zalando's Fashion-MNIST: same format and file names as MNIST. */
    FASHION_MNIST("fashion-mnist", "Fashion-MNIST", true,
            List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")),
    /** CIFAR-10, "binary version": 3073-byte records, five training batches and one test batch. */
    CIFAR10("cifar10", "CIFAR-10", false,
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"),
            List.of("test_batch.bin"));

    private final String directoryName;
    private final String displayName;
    private final boolean gzipAllowed;
    private final List<String> trainFiles;
    private final List<String> testFiles;

    Corpus(String directoryName, String displayName, boolean gzipAllowed, List<String> trainFiles, List<String> testFiles) {
        this.directoryName = directoryName;
        this.displayName = displayName;
        this.gzipAllowed = gzipAllowed;
        this.trainFiles = trainFiles;
        this.testFiles = testFiles;
    }

    /** Sub-directory of a data directory holding this corpus ({@code mnist}, {@code fashion-mnist}, {@code cifar10}). */
    public String directoryName() {
        return directoryName;
    }

    /** Human-readable name for messages. */
    public String displayName() {
        return displayName;
    }

    /** Whether each file may also be present gzip-compressed under its name plus {@code .gz}. */
    public boolean gzipAllowed() {
        return gzipAllowed;
    }

    /**
     * The files a split needs, without any {@code .gz} suffix. For the IDX corpora the order is
     * images, then labels; for CIFAR-10 it is the batch order.
     */
    public List<String> fileNames(Split split) {
        return split == Split.TRAIN ? trainFiles : testFiles;
    }
}
