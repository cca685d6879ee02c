package dev.s4d.bench;

/** Time per call in steady state, for the speed programs (mains in the test trees, not tests). */
public final class SteadyTime {
    private SteadyTime() {
    }

    /**
     * Best time per call in ns: runs {@code op} in rounds of at least {@code roundNanos} until five
     * rounds in a row fail to beat the best by 2 %, for at most {@code maxNanos}. Vector API code is
     * very slow until C2 has compiled it, which can take seconds on a busy machine, hence the wait for
     * a plateau rather than a fixed warm-up.
     */
    public static double bestNanos(Runnable op, long roundNanos, long maxNanos) {
        double best = Double.MAX_VALUE;
        int stale = 0;
        long start = System.nanoTime();
        while (stale < 5 && System.nanoTime() - start < maxNanos) {
            int calls = 0;
            long t0 = System.nanoTime();
            long now;
            do {
                op.run();
                calls++;
                now = System.nanoTime();
            } while (now - t0 < roundNanos);
            double t = (now - t0) / (double) calls;
            stale = t < 0.98 * best ? 0 : stale + 1;
            best = Math.min(best, t);
        }
        return best;
    }
}
