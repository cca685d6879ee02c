package dev.s4d.model;

/**
 * Parameter names, identical to the state_dict keys of the public PyTorch reference model
 * (state-spaces/s4 example.py with its minimal S4D layer), so files move between the two unchanged.
 */
public final class ParameterNames {
    private ParameterNames() {
    }

    public static final String ENCODER_WEIGHT = "encoder.weight";
    public static final String ENCODER_BIAS = "encoder.bias";
    public static final String DECODER_WEIGHT = "decoder.weight";
    public static final String DECODER_BIAS = "decoder.bias";

    public static String layer(int i) {
        return "s4_layers." + i + ".";
    }

    public static String d(int i) {
        return layer(i) + "D";
    }

    public static String logDt(int i) {
        return layer(i) + "kernel.log_dt";
    }

    /** Complex C stored as (H, N/2, 2) with [re, im] last. */
    public static String c(int i) {
        return layer(i) + "kernel.C";
    }

    public static String logAReal(int i) {
        return layer(i) + "kernel.log_A_real";
    }

    public static String aImag(int i) {
        return layer(i) + "kernel.A_imag";
    }

    /** The pointwise linear after the activation, a Conv1d of kernel size 1: shape (out, H, 1). */
    public static String mixWeight(int i) {
        return layer(i) + "output_linear.0.weight";
    }

    public static String mixBias(int i) {
        return layer(i) + "output_linear.0.bias";
    }

    public static String normWeight(int i) {
        return "norms." + i + ".weight";
    }

    public static String normBias(int i) {
        return "norms." + i + ".bias";
    }
}
