package dev.s4d.loihi.quant;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * For quantisation-aware fine-tuning: float parameters mapped to the values the chip will compute
 * with, for the tensors whose grid depends on the tensor alone.
 *
 * <ul>
 *   <li>Dense weights (encoder, every mixing layer, decoder): rounded on the power-of-two grid of
 *       {@code weight_bits} set by the tensor's largest magnitude, the {@link Quantizer}'s {@code f_W}
 *       rule, so the values are exactly the Quantizer's mantissas × 2^(−f_W).</li>
 *   <li>Each layer's C (real and imaginary parts together) and D: rounded on the power-of-two grid of
 *       {@code coefficient_bits} set by the array's largest magnitude. The chip's integer is
 *       {@code c = q(2C·2^(f_y−f_s)·2^(e_C))} with e_C the largest exponent keeping the largest
 *       |2C·2^(f_y−f_s)|·2^(e_C) within the width. Scaling an array by a power of two shifts that
 *       exponent by the same power, so the total scale {@code 2^(f_y−f_s+1+e_C)} is the largest power of
 *       two keeping max|C| within the width, whatever f_y and f_s are: C's grid is 2^(−that), fixed by C
 *       alone, and needs no calibration. Likewise {@code d = q(D·2^(f_y−f_u)·2^(e_D))}. (This holds
 *       while the exponents stay inside the clamp range of {@code Formats}, as they do for any model
 *       whose C and D are not all but zero.)</li>
 * </ul>
 * Biases, log Δ, A and the activations stay float: biases are added at the accumulator's scale (24
 * bits by default, far finer than the 8-bit weights), Ā and B̄ are 16-bit functions of log Δ and A
 * whose rounding is small beside that of the weights, and the activations' formats depend on
 * calibration, which changes as the parameters do.
 */
public final class FakeQuantization {
    private FakeQuantization() {
    }

    /**
     * A copy of {@code params} with the dense weights, C and D of a loihi-flavour model of {@code config}
     * replaced by their quantised values; every other tensor is copied unchanged.
     */
    public static Parameters apply(ModelConfig config, Parameters params, QuantConfig quant) {
        Calibration.requireLoihi(config, "quantisation-aware fine-tuning");
        Parameters out = params.copy();
        for (String name : denseWeights(config)) roundOnGrid(out.get(name), quant.weightBits());
        for (int l = 0; l < config.nLayers(); l++) {
            roundOnGrid(out.get(ParameterNames.c(l)), quant.coefficientBits());
            roundOnGrid(out.get(ParameterNames.d(l)), quant.coefficientBits());
        }
        return out;
    }

    private static List<String> denseWeights(ModelConfig config) {
        List<String> names = new ArrayList<>();
        names.add(ParameterNames.ENCODER_WEIGHT);
        for (int l = 0; l < config.nLayers(); l++) names.add(ParameterNames.mixWeight(l));
        names.add(ParameterNames.DECODER_WEIGHT);
        return names;
    }

    /**
     * Rounds a tensor in place to {@code q·2^(−f)} with the largest f that keeps its largest magnitude
     * within {@code bits}. Mantissas of up to 24 bits times a power of two are exact in float.
     */
    private static void roundOnGrid(Tensor t, int bits) {
        float[] v = t.data();
        int f = Formats.arrayFraction(Formats.maxAbs(v), bits);
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.scalb((double) Formats.quantize(v[i], f, bits), -f);
    }
}
