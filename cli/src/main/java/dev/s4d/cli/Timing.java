package dev.s4d.cli;

import java.util.Arrays;

/** Percentiles of a set of measured durations. */
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
}
