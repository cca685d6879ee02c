package dev.s4d.loihi.quant;

/**
 * A dense synapse group in integers: weight mantissas, row-major (outputs × inputs), standing for
 * {@code W · 2^(−weightFraction)}, and the receiving neurons' bias already at the accumulator's scale
 * ({@code weightFraction} plus the sender's payload format).
 */
public record QuantDense(int outputs, int inputs, int[] weights, int weightFraction, int[] bias) {

    public QuantDense {
        if (outputs <= 0 || inputs <= 0) {
            throw new IllegalArgumentException("dense layer needs positive sizes, got " + outputs + " × " + inputs);
        }
        if (weights == null || weights.length != outputs * inputs) {
            throw new IllegalArgumentException("dense weights need " + outputs + " × " + inputs + " values, got "
                    + (weights == null ? "none" : weights.length));
        }
        if (bias == null || bias.length != outputs) {
            throw new IllegalArgumentException("dense bias needs " + outputs + " values, got " + (bias == null ? "none" : bias.length));
        }
    }

    /** The largest |mantissa|, for checks against the weight width. */
    public int maxAbsWeight() {
        int m = 0;
        for (int w : weights) m = Math.max(m, Math.abs(w));
        return m;
    }
}
