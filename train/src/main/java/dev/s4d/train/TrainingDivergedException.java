package dev.s4d.train;

/**
 * A run stopped because a loss, gradient or parameter became NaN or infinite. Continuing would only
 * spread the NaN through every parameter, so the run ends at the first one, saying where it appeared;
 * the last checkpoint, written before, still holds finite values.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final long step;
    private final String parameter;

    TrainingDivergedException(String message, long step, String parameter) {
        super(message);
        this.step = step;
        this.parameter = parameter;
    }

    /** The 1-based optimiser step in which the value appeared. */
    public long step() {
        return step;
    }

    /** The parameter whose gradient or value was first found non-finite, or null if only the loss was. */
    public String parameter() {
        return parameter;
    }
}
