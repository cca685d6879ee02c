package dev.s4d.train;

import java.util.List;

/**
 * What a run reports while it trains, for a progress display and logs. The trainer calls it on its own
 * thread; every method has a do-nothing default, so a listener implements only what it shows.
 */
public interface TrainListener {

    /** A phase with a known amount of work (an epoch's training samples, a validation pass). */
    interface Progress extends AutoCloseable {
        /** {@code n} more samples done; {@code status} is a short summary such as the running loss. */
        void advance(long n, String status);

        @Override
        void close();
    }

    /**
     * A phase begins.
     *
     * @param label       e.g. "epoch 3/10" or "validate"
     * @param total       samples in the phase
     * @param alreadyDone samples done before this run started (a resumed epoch), not counted in the rate
     */
    default Progress begin(String label, long total, long alreadyDone) {
        return new Progress() {
            @Override
            public void advance(long n, String status) {
            }

            @Override
            public void close() {
            }
        };
    }

    /** An optimiser step finished; {@code step} counts the steps taken so far (1 after the first). */
    default void stepFinished(long step, GradientSource.BatchStats stats) {
    }

    /** An epoch finished, validated and checkpointed; {@code history} holds every epoch so far, this one last. */
    default void epochFinished(EpochMetrics metrics, List<EpochMetrics> history) {
    }

    /** A line worth logging: a checkpoint written, a new best model, a resumed position. */
    default void info(String message) {
    }

    /** A listener that shows nothing. */
    static TrainListener silent() {
        return new TrainListener() {
        };
    }
}
