package dev.s4d.cli;

import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.Streams;
import dev.s4d.kernel.Kernels;
import dev.s4d.model.S4DModel;
import java.util.Arrays;

/** Percentiles of measured durations, and the one measurement of single-stream latency the commands share. */
final class Timing {
    private Timing() {
    }

    /** The p-th percentile (0..100) by nearest rank of a copy of the values. */
    static double percentile(double[] values, double p) {
        if (values.length == 0) throw new IllegalArgumentException("no values");
        double[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    static double median(double[] values) {
        return percentile(values, 50);
    }

    /**
     * Microseconds per token of one stream on one thread of the float recurrent engine, token by token
     * over {@code sequence} (tokens × d_input) four times after two warm-up rounds for the JIT.
     */
    static double[] singleStreamMicros(S4DModel model, float[] sequence) {
        RecurrentEngine engine = RecurrentEngine.compile(model, Kernels.best(), 1);
        float[] logits = new float[model.config().nClasses()];
        int[] id = {0};
        int d = model.config().dInput();
        float[] token = new float[d];
        int length = sequence.length / d;
        int rounds = 6;
        double[] micros = new double[length * (rounds - 2)];
        try (Streams s = engine.open(1)) {
            for (int r = 0; r < rounds; r++) {
                s.reset(0);
                for (int t = 0; t < length; t++) {
                    System.arraycopy(sequence, t * d, token, 0, d);
                    long t0 = System.nanoTime();
                    s.step(id, 1, token, logits);
                    long dt = System.nanoTime() - t0;
                    if (r >= 2) micros[(r - 2) * length + t] = dt / 1e3; // first rounds warm the JIT up
                }
            }
        }
        return micros;
    }
}
