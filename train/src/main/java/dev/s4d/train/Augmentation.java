package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the trainer may do to a training image before the model sees it: any combination of the
 * operations below, applied in the order flip, translate, cutout to each sample, then mixup across the
 * batch. Validation and test samples are never changed. Named on the command line and in checkpoints by
 * its operations joined with {@code +} ({@code "flip+translate+cutout"}) or {@code "none"}.
 *
 * @param flips      each training sample mirrored left to right with probability ½ (drawn per step and
 *                   sample from the run's seed): a picture of a horse facing left is as much a horse. Digits
 *                   are not mirror-symmetric, so it suits CIFAR-10 and Fashion-MNIST
 * @param translates each training sample moved by a whole number of pixels across and down, each drawn
 *                   uniformly from −{@link #maxShift}…+{@link #maxShift} (4 pixels for 32-pixel rows, 3 for
 *                   28): what leaves the picture is dropped, what enters is 0, which is black for MNIST and
 *                   the mean colour for CIFAR-10's normalised values. The sequence counterpart of the padded
 *                   random crop of image classifiers
 * @param cuts       a square of {@link #cutoutSide} pixels (half the width) set to 0 in each training
 *                   sample, centred on a pixel drawn uniformly from the whole picture and clipped at its
 *                   edges (DeVries and Taylor's cutout): the model cannot lean on any one region, and unlike
 *                   dropout the rest of the picture reaches it untouched
 * @param mixes      each training sample blended, token by token, with another sample of its batch (Zhang
 *                   et al.'s mixup, on the samples after the operations above): λ·x_i + (1 − λ)·x_j, λ
 *                   drawn uniformly from [½, 1] per sample, so every sample stays mostly itself. A blend has
 *                   no one label, so it is for distillation with the teachers taking the whole loss, where
 *                   the student learns the teachers' answer to the blend itself (Beyer et al.'s function
 *                   matching); works on any tokens, not only pictures
 */
public record Augmentation(boolean flips, boolean translates, boolean cuts, boolean mixes) {

    public static final Augmentation NONE = new Augmentation(false, false, false, false);
    public static final Augmentation FLIP = new Augmentation(true, false, false, false);
    public static final Augmentation TRANSLATE = new Augmentation(false, true, false, false);
    public static final Augmentation FLIP_TRANSLATE = new Augmentation(true, true, false, false);

    private static final List<String> OPERATIONS = List.of("flip", "translate", "cutout", "mixup");

    /** Whether this augmentation needs the tokens to be pixels row by row ({@code Dataset.rowWidth() > 0}). */
    public boolean needsRows() {
        return flips || translates || cuts;
    }

    /** The largest shift translation draws for rows of {@code width} pixels: an eighth of the width. */
    static int maxShift(int width) {
        return width / 8;
    }

    /** The side of the cutout square for rows of {@code width} pixels: half the width (16 for CIFAR-10's 32). */
    static int cutoutSide(int width) {
        return width / 2;
    }

    /**
     * Applies this augmentation to one training sequence in place, drawing from {@code rng}: for a flip
     * one boolean per sample, then two integers for a translation, then two for a cutout. The order of the
     * draws is fixed so that runs recorded before an operation existed repeat exactly.
     */
    void apply(float[] x, int length, int dInput, int width, SplittableRandom rng) {
        if (flips && rng.nextBoolean()) mirrorRows(x, 0, length, dInput, width);
        if (translates) {
            int m = maxShift(width);
            int dx = rng.nextInt(-m, m + 1);
            int dy = rng.nextInt(-m, m + 1);
            translate(x, 0, length, dInput, width, dx, dy);
        }
        if (cuts) {
            requireRows(length, width);
            int row = rng.nextInt(length / width);
            int column = rng.nextInt(width);
            cutout(x, 0, length, dInput, width, row, column, cutoutSide(width));
        }
    }

    /** Applies this augmentation to a batch in place: {@link #apply} to each sequence in order, then {@link #mix}. */
    void apply(float[][] batch, int length, int dInput, int width, SplittableRandom rng) {
        for (float[] x : batch) apply(x, length, dInput, width, rng);
        mix(batch, rng);
    }

    /**
     * Blends each of the batch's sequences, in place, with another drawn from {@code rng} (one partner
     * and one λ per sample, in sample order), all blends made from the batch as it was before any: see
     * {@link #mixes}. A batch of one is left alone. Does nothing unless this augmentation mixes.
     */
    void mix(float[][] batch, SplittableRandom rng) {
        if (!mixes || batch.length < 2) return;
        float[][] before = new float[batch.length][];
        for (int i = 0; i < batch.length; i++) before[i] = batch[i].clone();
        for (int i = 0; i < batch.length; i++) {
            int j = (i + 1 + rng.nextInt(batch.length - 1)) % batch.length;
            float own = (float) (0.5 + 0.5 * rng.nextDouble());
            float[] x = batch[i];
            float[] other = before[j];
            for (int k = 0; k < x.length; k++) x[k] = own * x[k] + (1 - own) * other[k];
        }
    }

    /** The name on the command line and in checkpoints. */
    @JsonValue
    public String id() {
        boolean[] on = {flips, translates, cuts, mixes};
        List<String> parts = new ArrayList<>();
        for (int op = 0; op < on.length; op++) {
            if (on[op]) parts.add(OPERATIONS.get(op));
        }
        return parts.isEmpty() ? "none" : String.join("+", parts);
    }

    @Override
    public String toString() {
        return id();
    }

    /** The augmentation called {@code id}: {@code none}, or operations joined with {@code +} in any order. */
    @JsonCreator
    public static Augmentation parse(String id) {
        String name = id.toLowerCase(Locale.ROOT).strip();
        if (name.equals("none")) return NONE;
        boolean[] seen = new boolean[OPERATIONS.size()];
        for (String part : name.split("\\+", -1)) {
            int op = OPERATIONS.indexOf(part.strip());
            if (op < 0 || seen[op]) {
                throw new IllegalArgumentException("unknown augmentation '" + id + "', expected none or one or more of "
                        + OPERATIONS + " joined with +, each once (e.g. flip+translate+cutout)");
            }
            seen[op] = true;
        }
        return new Augmentation(seen[0], seen[1], seen[2], seen[3]);
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

    /**
     * Sets to 0, in place, every feature of the tokens in the {@code side} × {@code side} square centred
     * on pixel ({@code row}, {@code column}) — for an even side the centre is the square's lower-right
     * middle pixel — clipped at the picture's edges.
     *
     * @param width tokens per row; must divide {@code length}
     */
    static void cutout(float[] x, int off, int length, int dInput, int width, int row, int column, int side) {
        requireRows(length, width);
        int height = length / width;
        int r0 = Math.max(0, row - side / 2);
        int r1 = Math.min(height, row - side / 2 + side);
        int c0 = Math.max(0, column - side / 2);
        int c1 = Math.min(width, column - side / 2 + side);
        for (int r = r0; r < r1 && c0 < c1; r++) {
            java.util.Arrays.fill(x, off + (r * width + c0) * dInput, off + (r * width + c1) * dInput, 0f);
        }
    }

    private static void requireRows(int length, int width) {
        if (width < 1 || length % width != 0) {
            throw new IllegalArgumentException("rows of " + width + " tokens do not tile a sequence of " + length);
        }
    }

    /**
     * A copy of {@code x}, a whole sequence of {@code dInput} features per token, with every image row
     * reversed (see {@link #mirrorRows}): the picture mirrored left to right.
     *
     * @param width tokens per row; must divide the sequence's length
     */
    public static float[] mirrored(float[] x, int dInput, int width) {
        float[] copy = x.clone();
        mirrorRows(copy, 0, x.length / dInput, dInput, width);
        return copy;
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
