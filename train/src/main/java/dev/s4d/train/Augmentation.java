package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the trainer may do to a training image before the model sees it. Validation and test samples
 * are never changed.
 */
public enum Augmentation {
    /** Every sample as the dataset gives it. */
    NONE("none"),
    /**
     * Each training sample mirrored left to right with probability ½ (drawn per step and sample from the
     * run's seed): a picture of a horse facing left is as much a horse. For tasks whose tokens are the
     * pixels row by row; digits are not mirror-symmetric, so it suits CIFAR-10 and Fashion-MNIST.
     */
    FLIP("flip");

    private final String id;

    Augmentation(String id) {
        this.id = id;
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
     * Reverses every image row of one sequence in place: token (r, c) trades places with token
     * (r, width − 1 − c), all {@code dInput} features together.
     *
     * @param width tokens per row; must divide {@code length}
     */
    static void mirrorRows(float[] x, int off, int length, int dInput, int width) {
        if (width < 1 || length % width != 0) {
            throw new IllegalArgumentException("rows of " + width + " tokens do not tile a sequence of " + length);
        }
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
