package dev.s4d.train.grad;

/**
 * How far training's cross-entropy target is moved from the one-hot label: with ε the target of a
 * sample of class y among K classes is (1 − ε)·one-hot(y) + ε/K, as PyTorch's {@code label_smoothing}.
 * A model trained so can never drive its loss to 0 by growing its logits without bound, which holds
 * back the overconfidence of a model that fits its training samples much better than held-out ones.
 * ε = 0 is the plain cross-entropy, to the last bit.
 *
 * @param epsilon the share of the target spread evenly over all classes, in [0, 1)
 */
public record LabelSmoothing(double epsilon) {
    /** Plain cross-entropy against the one-hot label. */
    public static final LabelSmoothing NONE = new LabelSmoothing(0);

    public LabelSmoothing {
        if (!(epsilon >= 0 && epsilon < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + epsilon);
    }

    /** The target probability of class {@code j} for a sample labelled {@code label}, of {@code classes} classes. */
    public double target(int j, int label, int classes) {
        return (j == label ? 1 - epsilon : 0) + epsilon / classes;
    }
}
