package dev.s4d.data;

/**
 * An in-memory labelled set of sequences for one {@link SequenceTask}: sample {@code i} is a
 * sequence of {@link #length()} tokens of {@link #dInput()} features and a class label.
 *
 * <p>Sequences are token-major: feature {@code f} of token {@code t} is at index
 * {@code t * dInput() + f}. Implementations keep the raw image bytes and convert a sample when it
 * is asked for, so calling {@link #sequence(int, float[], int)} in a training loop is cheap and
 * allocation-free. Datasets are immutable and safe to read from several threads.
 */
public interface Dataset {

    /** A short description such as {@code "smnist test"}, for logs. */
    String name();

    /** The task whose encoding {@link #sequence} applies. */
    SequenceTask task();

    /** Number of samples. */
    int size();

    /** Class label of sample {@code i}, in {@code 0..nClasses()-1}. */
    int label(int i);

    /** Writes sample {@code i}'s {@code length() × dInput()} floats into {@code out} starting at {@code off}. */
    void sequence(int i, float[] out, int off);

    /** Samples {@code from} (inclusive) to {@code to} (exclusive) as a view sharing this dataset's memory. */
    Dataset slice(int from, int to);

    /** Tokens per sequence. */
    default int length() {
        return task().length();
    }

    /** Features per token. */
    default int dInput() {
        return task().dInput();
    }

    /** Tokens per image row, or 0 if the tokens are not pixels in row order: see {@link SequenceTask#rowWidth()}. */
    default int rowWidth() {
        return task().rowWidth();
    }

    /** Number of classes. */
    default int nClasses() {
        return task().nClasses();
    }

    /** Sample {@code i} as a new array of {@code length() × dInput()} floats, token-major. */
    default float[] sequence(int i) {
        float[] out = new float[length() * dInput()];
        sequence(i, out, 0);
        return out;
    }

    /** All labels, in sample order. */
    default int[] labels() {
        int[] labels = new int[size()];
        for (int i = 0; i < labels.length; i++) labels[i] = label(i);
        return labels;
    }

    /** The first {@code n} samples (all of them if there are fewer), as a view. */
    default Dataset limit(int n) {
        if (n < 0) throw new IllegalArgumentException("limit must be non-negative, got " + n);
        return n >= size() ? this : slice(0, n);
    }
}
