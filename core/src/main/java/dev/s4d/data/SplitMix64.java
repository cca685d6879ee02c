package dev.s4d.data;

/**
 * The SplitMix64 generator with the exact output functions of {@link java.util.SplittableRandom}
 * (seed increment 0x9e3779b97f4a7c15, {@code mix32}, and its rejection loop for {@code nextInt(bound)}).
 *
 * <p>Written out here, rather than calling {@code SplittableRandom}, because the psMNIST permutation
 * is part of the task's definition: the JDK only promises equal sequences "in the same program",
 * and a spelled-out algorithm can be reproduced in any language. A test checks it still agrees
 * with the JDK class.
 */
final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private long seed;

    SplitMix64(long seed) {
        this.seed = seed;
    }

    int nextInt() {
        seed += GOLDEN_GAMMA;
        long z = seed;
        z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
        return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
    }

    /** Uniform in {@code [0, bound)}: mask for powers of two, else modulo with rejection of the biased top range. */
    int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        int r = nextInt();
        int m = bound - 1;
        if ((bound & m) == 0) {
            return r & m;
        }
        // u + m - r overflows exactly when u falls in the incomplete last block of size bound.
        for (int u = r >>> 1; u + m - (r = u % bound) < 0; u = nextInt() >>> 1) {
            // draw again
        }
        return r;
    }
}
