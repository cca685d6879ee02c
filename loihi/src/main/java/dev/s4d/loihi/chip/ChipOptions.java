package dev.s4d.loihi.chip;

/**
 * How a {@link FixedPointEngine} runs a quantised model.
 *
 * @param sigmaDelta send only changes of graded spikes (docs/LOIHI_ARITHMETIC.md, "Sigma-delta
 *                   messages"); with threshold 0 the results equal the plain engine's, with fewer messages
 * @param threshold  the sigma-delta threshold as a fraction of each sender group's calibrated
 *                   magnitude: θ = ⌈threshold · m_q⌉; must be 0 without sigma-delta
 * @param threads    workers that step large stream sets; results and counters do not depend on it
 */
public record ChipOptions(boolean sigmaDelta, double threshold, int threads) {

    public ChipOptions {
        if (!Double.isFinite(threshold) || threshold < 0) {
            throw new IllegalArgumentException("sigma-delta threshold must be a finite fraction ≥ 0, got " + threshold);
        }
        if (threshold > 0 && !sigmaDelta) {
            throw new IllegalArgumentException("a threshold (" + threshold + ") needs sigma-delta messages switched on");
        }
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }

    /** No sigma-delta, all available processors. */
    public static ChipOptions defaults() {
        return new ChipOptions(false, 0.0, Runtime.getRuntime().availableProcessors());
    }

    /** Sigma-delta messages with the given threshold fraction (0: exact, fewer messages). */
    public ChipOptions withSigmaDelta(double threshold) {
        return new ChipOptions(true, threshold, threads);
    }

    public ChipOptions withThreads(int n) {
        return new ChipOptions(sigmaDelta, threshold, n);
    }
}
