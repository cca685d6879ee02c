package dev.s4d.cli;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures one core's FP32 peak with the Vector API: many independent fused multiply-add chains, so
 * neither latency nor memory limits them. The fraction-of-peak figures of {@code s4d bench} divide by
 * this rather than by a datasheet number, which on a shared VM may not be what the core delivers.
 */
final class PeakFlops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private PeakFlops() {
    }

    /** Best of a few 100 ms runs, in GFLOP/s (an FMA counts as two operations). */
    static double measureOneCore() {
        double best = 0;
        for (int run = 0; run < 5; run++) best = Math.max(best, run(2_000_000));
        return best;
    }

    private static double run(int iterations) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector a = FloatVector.broadcast(S, 1e-7f);
        // Twelve chains: enough to cover FMA latency (4 cycles) on two FMA ports.
        FloatVector v0 = FloatVector.broadcast(S, 1f), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0;
        FloatVector v6 = v0, v7 = v0, v8 = v0, v9 = v0, v10 = v0, v11 = v0;
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            v0 = v0.fma(m, a); v1 = v1.fma(m, a); v2 = v2.fma(m, a); v3 = v3.fma(m, a);
            v4 = v4.fma(m, a); v5 = v5.fma(m, a); v6 = v6.fma(m, a); v7 = v7.fma(m, a);
            v8 = v8.fma(m, a); v9 = v9.fma(m, a); v10 = v10.fma(m, a); v11 = v11.fma(m, a);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        float sink = v0.add(v1).add(v2).add(v3).add(v4).add(v5).add(v6).add(v7).add(v8).add(v9).add(v10).add(v11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        if (sink == 42f) System.err.print("");  // keeps the loop from being optimised away
        return 12.0 * 2 * S.length() * iterations / seconds / 1e9;
    }
}
