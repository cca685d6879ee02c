package dev.s4d.data;

import java.util.Arrays;
import java.util.List;

/**
 * The sequence classification benchmarks: an image fed to the model one pixel (token) at a time.
 *
 * <p>Every task has 10 classes. Tokens are pixels in row-major order (row 0 left to right, then
 * row 1, …) except for psMNIST, and values are normalised as in the public S4 reference
 * (REFERENCE.md §2). All arithmetic is in {@code float}, in the order torchvision's
 * {@code ToTensor} then {@code Normalize} use, so values match a float32 PyTorch pipeline.
 * <ul>
 *   <li>{@link #SMNIST} {@code smnist}: MNIST, 784 tokens × 1 feature, {@code pixel / 255}.</li>
 *   <li>{@link #PSMNIST} {@code psmnist}: as smnist with the fixed permutation
 *       {@link #psmnistPermutation()}: token {@code t} is pixel {@code perm[t]}.</li>
 *   <li>{@link #SCIFAR} {@code scifar}: CIFAR-10, 1024 tokens × 3 features (R, G, B), each
 *       channel {@code (x/255 − mean) / std} with mean (0.4914, 0.4822, 0.4465) and std
 *       (0.2023, 0.1994, 0.2010); token {@code t} is pixel {@code t}.</li>
 *   <li>{@link #SCIFAR_GRAY} {@code scifar-gray}: CIFAR-10, 1024 × 1; gray
 *       {@code g = 0.2989·R + 0.5870·G + 0.1140·B} (the weights of torchvision's tensor
 *       {@code rgb_to_grayscale}), kept unrounded, then {@code (g/255 − 122.6/255) / (61.0/255)}.
 *       Note: the reference script applies {@code Grayscale()} to PIL images, where Pillow rounds
 *       the luma to an integer ({@code (19595·R + 38470·G + 7471·B + 32768) >> 16}); the two
 *       differ by at most about half a grey level, i.e. below 0.01 after normalisation.</li>
 *   <li>{@link #SFASHION} {@code sfashion}: Fashion-MNIST, encoded like smnist.</li>
 * </ul>
 */
public enum SequenceTask {
    /** Sequential MNIST. */
    SMNIST("smnist", Corpus.MNIST, 784, 1),
    /** Permuted sequential MNIST. */
    PSMNIST("psmnist", Corpus.MNIST, 784, 1),
    /** Sequential CIFAR-10, colour. */
    SCIFAR("scifar", Corpus.CIFAR10, 1024, 3),
    /** Sequential CIFAR-10, grayscale. */
    SCIFAR_GRAY("scifar-gray", Corpus.CIFAR10, 1024, 1),
    /** Sequential Fashion-MNIST. */
    SFASHION("sfashion", Corpus.FASHION_MNIST, 784, 1);

    /** Seed of the SplitMix64 generator that draws the psMNIST permutation. */
    public static final long PSMNIST_SEED = 0L;

    private static final int CLASSES = 10;
    private static final int CIFAR_PLANE = 1024;

    private final String id;
    private final Corpus corpus;
    private final int length;
    private final int dInput;

    SequenceTask(String id, Corpus corpus, int length, int dInput) {
        this.id = id;
        this.corpus = corpus;
        this.length = length;
        this.dInput = dInput;
    }

    /** Identifier used on the command line and in model files, e.g. {@code scifar-gray}. */
    public String id() {
        return id;
    }

    /** Tokens per sequence: 784 for the MNIST-like tasks, 1024 for CIFAR-10. */
    public int length() {
        return length;
    }

    /** Features per token: 3 for {@code scifar}, otherwise 1. */
    public int dInput() {
        return dInput;
    }

    /** Number of classes (10 for all tasks). */
    public int nClasses() {
        return CLASSES;
    }

    /** The image collection the task reads. */
    public Corpus corpus() {
        return corpus;
    }

    /**
     * Tokens per image row when the tokens are the pixels in row-major order, as for every task but
     * psMNIST: 28 for the MNIST-like tasks, 32 for CIFAR-10. 0 for psMNIST, whose permuted tokens have
     * no rows (so nothing that needs the image's geometry, such as mirroring it, applies there).
     */
    public int rowWidth() {
        if (this == PSMNIST) return 0;
        return corpus == Corpus.CIFAR10 ? 32 : 28;
    }

    /** Bytes of one raw image: 784 (28×28) for MNIST-like tasks, 3072 (3 planes of 32×32) for CIFAR-10. */
    public int rawSize() {
        return corpus == Corpus.CIFAR10 ? 3 * CIFAR_PLANE : length;
    }

    /** The task with the given {@link #id()} (case-insensitive). */
    public static SequenceTask fromId(String id) {
        for (SequenceTask t : values()) {
            if (t.id.equalsIgnoreCase(id)) return t;
        }
        throw new IllegalArgumentException("unknown task '" + id + "', expected one of " + ids());
    }

    /** All task ids, in declaration order. */
    public static List<String> ids() {
        return Arrays.stream(values()).map(SequenceTask::id).toList();
    }

    /**
     * Loads a split of this task's corpus, finding (or, if allowed, downloading) the files with
     * {@code locator}.
     *
     * @throws DataNotFoundException if the files are not found and cannot be downloaded
     * @throws DatasetException      if a file is corrupt
     */
    public Dataset load(Split split, DataLocator locator) {
        List<java.nio.file.Path> files = locator.locate(corpus, split);
        String name = id + " " + split.id();
        return corpus == Corpus.CIFAR10
                ? Datasets.fromCifarBinary(this, name, files)
                : Datasets.fromIdx(this, name, files.get(0), files.get(1));
    }

    /**
     * Converts one raw image into this task's token sequence.
     *
     * @param raw       image bytes: 28×28 row-major for MNIST-like tasks; for CIFAR-10 the R, G and
     *                  B planes of 32×32, each row-major (the binary batch layout without the label)
     * @param rawOffset index of the image's first byte
     * @param out       receives {@code length() × dInput()} floats, token-major
     * @param outOffset index of the first float written
     */
    public void encode(byte[] raw, int rawOffset, float[] out, int outOffset) {
        switch (this) {
            case SMNIST, SFASHION -> {
                for (int t = 0; t < length; t++) out[outOffset + t] = Tables.UNIT[raw[rawOffset + t] & 0xff];
            }
            case PSMNIST -> {
                int[] perm = Tables.PERMUTATION;
                for (int t = 0; t < length; t++) out[outOffset + t] = Tables.UNIT[raw[rawOffset + perm[t]] & 0xff];
            }
            case SCIFAR -> {
                for (int t = 0; t < CIFAR_PLANE; t++) {
                    int o = outOffset + 3 * t;
                    out[o] = Tables.RED[raw[rawOffset + t] & 0xff];
                    out[o + 1] = Tables.GREEN[raw[rawOffset + CIFAR_PLANE + t] & 0xff];
                    out[o + 2] = Tables.BLUE[raw[rawOffset + 2 * CIFAR_PLANE + t] & 0xff];
                }
            }
            case SCIFAR_GRAY -> {
                for (int t = 0; t < CIFAR_PLANE; t++) {
                    out[outOffset + t] = grayNormalised(raw[rawOffset + t] & 0xff,
                            raw[rawOffset + CIFAR_PLANE + t] & 0xff, raw[rawOffset + 2 * CIFAR_PLANE + t] & 0xff);
                }
            }
        }
    }

    /** The scifar-gray value of one pixel (0..255 channel values). */
    static float grayNormalised(int r, int g, int b) {
        float gray = 0.2989f * r + 0.5870f * g + 0.1140f * b;
        return (gray / 255f - Tables.GRAY_MEAN) / Tables.GRAY_STD;
    }

    /**
     * The fixed psMNIST permutation of the 784 pixel positions (a fresh copy).
     *
     * <p>Generated by a Fisher–Yates shuffle driven by SplitMix64 with seed {@value #PSMNIST_SEED},
     * i.e. by {@code java.util.SplittableRandom(0)}:
     * <pre>{@code
     * perm = [0, 1, ..., 783]
     * rng  = new SplittableRandom(0)
     * for i = 783 down to 1:
     *     j = rng.nextInt(i + 1)          // uniform in 0..i
     *     swap(perm[i], perm[j])
     * }</pre>
     * The generator is spelled out in this package (state {@code s += 0x9e3779b97f4a7c15};
     * output {@code z = (s ^ (s >>> 33)) * 0x62a9d9ed799705f5L;
     * (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32)}; {@code nextInt(bound)} as in
     * {@code SplittableRandom}: mask for powers of two, otherwise {@code u = r >>> 1},
     * {@code r = u % bound}, drawing again while {@code u + bound - 1 - r} overflows), so the
     * permutation does not depend on the JVM. Token {@code t} of a psMNIST sequence is pixel
     * {@code perm[t]} of the row-major image; the permutation starts
     * {@code 542, 291, 211, 727, 29, …}. It is not the permutation of any Python implementation,
     * so psMNIST weights trained elsewhere need that implementation's permutation.
     */
    public static int[] psmnistPermutation() {
        return Tables.PERMUTATION.clone();
    }

    static int[] fisherYates(int n, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        SplitMix64 rng = new SplitMix64(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        return perm;
    }

    /** Lookup tables, built once; a holder class so they exist only when first used. */
    private static final class Tables {
        static final float[] UNIT = new float[256];
        static final float[] RED = new float[256];
        static final float[] GREEN = new float[256];
        static final float[] BLUE = new float[256];
        // torchvision turns the Python doubles into float32 tensors, so round them to float first.
        static final float GRAY_MEAN = (float) (122.6 / 255.0);
        static final float GRAY_STD = (float) (61.0 / 255.0);
        static final int[] PERMUTATION = fisherYates(784, PSMNIST_SEED);

        static {
            float[] mean = {(float) 0.4914, (float) 0.4822, (float) 0.4465};
            float[] std = {(float) 0.2023, (float) 0.1994, (float) 0.2010};
            for (int v = 0; v < 256; v++) {
                float x = v / 255f;
                UNIT[v] = x;
                RED[v] = (x - mean[0]) / std[0];
                GREEN[v] = (x - mean[1]) / std[1];
                BLUE[v] = (x - mean[2]) / std[2];
            }
        }
    }
}
