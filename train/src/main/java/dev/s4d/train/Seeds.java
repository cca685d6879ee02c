package dev.s4d.train;

import java.util.SplittableRandom;

/**
 * Every random choice of a run, derived from the run's seed and where in the run it is made (which
 * epoch, which step). Nothing random carries state from one step to the next, so a checkpoint needs
 * only the step counter to continue with the same shuffles and dropout masks.
 */
final class Seeds {
    private Seeds() {
    }

    /** Independent streams of one run; the values only need to differ. New ones go last: the ordinal is part of every derived seed. */
    enum Stream {
        VALIDATION_SPLIT, EPOCH_ORDER, DROPOUT, AUGMENT, CALIBRATION
    }

    /**
     * A seed for {@code stream} at {@code index}: two rounds of the SplitMix64 finaliser, so nearby
     * seeds, streams and indices give unrelated values.
     */
    static long derive(long seed, Stream stream, long index) {
        long z = mix(seed + 0x9e3779b97f4a7c15L * (stream.ordinal() + 1));
        return mix(z + 0xbf58476d1ce4e5b9L * (index + 1));
    }

    /** A Fisher–Yates permutation of {@code 0..n-1} drawn from the given seed. */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
