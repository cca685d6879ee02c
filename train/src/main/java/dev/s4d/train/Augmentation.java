package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the trainer may do to a training image before the model sees it. Validation and test samples
 * are never changed.
 */
public enum Augmentation {
    /** Every sample as the dataset gives it. */
    NONE("none", false, false),
    /**
     * Each training sample mirrored left to right with probability ½ (drawn per step and sample from the
     * run's seed): a picture of a horse facing left is as much a horse. For tasks whose tokens are the
     * pixels row by row; digits are not mirror-symmetric, so it suits CIFAR-10 and Fashion-MNIST.
     */
    FLIP("flip", true, false),
    /**
     * Each training sample moved by a whole number of pixels across and down, each drawn uniformly from
     * −{@link #maxShift}…+{@link #maxShift} (4 pixels for 32-pixel rows, 3 for 28): what leaves the
     * picture is dropped, what enters is 0, which is black for MNIST and the mean colour for CIFAR-10's
     * normalised values. The sequence counterpart of the padded random crop of image classifiers.
     */
    TRANSLATE("translate", false, true),
    /** {@link #FLIP} then {@link #TRANSLATE}, each drawn independently. */
    FLIP_TRANSLATE("flip+translate", true, true);

    private final String id;
    private final boolean flips;
    private final boolean translates;

    Augmentation(String id, boolean flips, boolean translates) {
        this.id = id;
        this.flips = flips;
        this.translates = translates;
    }

    /** Whether this augmentation needs the tokens to be pixels row by row ({@code Dataset.rowWidth() > 0}). */
    public boolean needsRows() {
        return flips || translates;
    }

    /** The largest shift {@link #TRANSLATE} draws for rows of {@code width} pixels: an eighth of the width. */
    static int maxShift(int width) {
        return width / 8;
    }

    /**
     * Applies this augmentation to one training sequence in place, drawing from {@code rng}: for
     * {@link #FLIP} one boolean per sample, as it always has, so runs recorded with it repeat exactly;
     * {@link #TRANSLATE} two integers after it.
     */
    void apply(float[] x, int length, int dInput, int width, SplittableRandom rng) {
        if (flips && rng.nextBoolean()) mirrorRows(x, 0, length, dInput, width);
        if (translates) {
            int m = maxShift(width);
            int dx = rng.nextInt(-m, m + 1);
            int dy = rng.nextInt(-m, m + 1);
            translate(x, 0, length, dInput, width, dx, dy);
        }
    }

    /** The name on the command line and in checkpoints. */
    @JsonValue
    public String id() {
        return id;
    }

    /** The augmentation called {@code id}. */
    @JsonCreator
    public static Augmentation parse(String id) {
        for (Augmentation a : values()) {
            if (a.id.equals(id.toLowerCase(Locale.ROOT))) return a;
        }
        throw new IllegalArgumentException("unknown augmentation '" + id + "', expected one of "
                + Arrays.stream(values()).map(Augmentation::id).toList());
    }

    /**
     * Moves the picture of one sequence {@code dx} pixels right and {@code dy} pixels down (negative:
     * left, up), in place: token (r, c) takes what was at (r − dy, c − dx), or 0 where that lies outside.
     *
     * @param width tokens per row; must divide {@code length}
     */
    static void translate(float[] x, int off, int length, int dInput, int width, int dx, int dy) {
        requireRows(length, width);
        if (dx == 0 && dy == 0) return;
        int height = length / width;
        float[] from = java.util.Arrays.copyOfRange(x, off, off + length * dInput);
        java.util.Arrays.fill(x, off, off + length * dInput, 0f);
        // Only the rows and columns whose source lies inside the picture are copied; the rest stays 0.
        int c0 = Math.max(0, dx);
        int c1 = Math.min(width, width + dx);
        if (c0 >= c1) return;
        for (int r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
            System.arraycopy(from, ((r - dy) * width + c0 - dx) * dInput, x, off + (r * width + c0) * dInput, (c1 - c0) * dInput);
        }
    }

    private static void requireRows(int length, int width) {
        if (width < 1 || length % width != 0) {
            throw new IllegalArgumentException("rows of " + width + " tokens do not tile a sequence of " + length);
        }
    }

    /**
     * Reverses every image row of one sequence in place: token (r, c) trades places with token
     * (r, width − 1 − c), all {@code dInput} features together.
     *
     * @param width tokens per row; must divide {@code length}
     */
    static void mirrorRows(float[] x, int off, int length, int dInput, int width) {
        requireRows(length, width);
        for (int row = off; row < off + length * dInput; row += width * dInput) {
            for (int l = 0, r = width - 1; l < r; l++, r--) {
                for (int f = 0; f < dInput; f++) {
                    int a = row + l * dInput + f;
                    int b = row + r * dInput + f;
                    float t = x[a];
                    x[a] = x[b];
                    x[b] = t;
                }
            }
        }
    }
}
