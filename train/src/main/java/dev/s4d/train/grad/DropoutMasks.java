package dev.s4d.train.grad;

/**
 * Which channels dropout keeps, for every sample, layer and dropout site of a batch.
 *
 * <p>As in the public reference (its S4D layer's {@code DropoutNd} and example.py's {@code Dropout1d}),
 * a mask is tied along time: one keep-or-drop decision per channel, applied to every token. Each
 * decision is a hash of (batch seed, sample, layer, site, channel) rather than a draw from a shared
 * generator, so it is the same whichever thread handles the sample and in whatever order, and both
 * gradient implementations see the same masks.
 */
final class DropoutMasks {
    /** The site after the activation of every block. */
    static final int AFTER_ACTIVATION = 0;
    /** The site on a reference block's output, before the residual add. */
    static final int BLOCK_OUTPUT = 1;

    private static final long GOLDEN = 0x9e3779b97f4a7c15L;
    private static final double TO_UNIT = 0x1.0p-53;

    private final double rate;

    DropoutMasks(double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + rate);
        this.rate = rate;
    }

    boolean active() {
        return rate > 0;
    }

    /** The factor kept channels are multiplied by (inverted dropout), 1/(1 − rate). */
    double keptScale() {
        return 1.0 / (1.0 - rate);
    }

    boolean kept(long batchSeed, int sample, int layer, int site, int channel) {
        long h = mix(batchSeed + GOLDEN * (sample + 1L));
        h = mix(h + GOLDEN * (4L * layer + site + 1));
        h = mix(h + GOLDEN * (channel + 1L));
        return (h >>> 11) * TO_UNIT >= rate;
    }

    /** The SplitMix64 finaliser: nearby inputs give unrelated outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
