package dev.s4d.loihi.quant;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Post-training quantisation: a loihi-flavour float model and its calibrated ranges become the integer
 * model the chip runs, by the rules of docs/LOIHI_ARITHMETIC.md ("Choosing the formats" and step 4's
 * coefficient definitions).
 *
 * <ul>
 *   <li>Weights: {@code f_W = ⌊log₂((2^(w−1)−1)/max|W|)⌋} per dense layer; biases at the accumulator's
 *       scale {@code f_W + f_a}, rounded and bounded to {@code accumulator_bits}.</li>
 *   <li>Payload formats {@code f_a = min(fmt(max|a|, P), fmt(max|acc_next|, Acc) − f_W_next)} for x, relu
 *       and out; {@code f_u = fmt(max|u|, P)}; {@code f_s = fmt(max state, S)};
 *       {@code f_y = min(fmt(max|y_h|, Acc), fmt(max|y_hn|, P))}; {@code f_z = fmt(max|Σ acc|, S)} for the
 *       mean readout, the decoder accumulator's format for the last-token readout.</li>
 *   <li>S4D mantissas with one exponent per array (real and imaginary parts share it), the largest that
 *       keeps the array within {@code coefficient_bits}.</li>
 * </ul>
 * Every fraction and exponent is clamped to [−32, 48] (see {@link Formats}), so a quantity that is zero
 * on the calibration data gets a finite format instead of an infinite one.
 */
public final class Quantizer {
    private Quantizer() {
    }

    /**
     * Quantises {@code model} with the formats its calibrated {@code ranges} call for.
     *
     * @throws IllegalArgumentException if the model is not loihi-flavoured or the ranges are for another depth
     */
    public static QuantizedModel quantize(S4DModel model, Calibration.Ranges ranges, QuantConfig q) {
        ModelConfig c = model.config();
        Calibration.requireLoihi(c, "quantisation");
        if (ranges == null || q == null) throw new IllegalArgumentException("quantisation needs calibrated ranges and a quantisation config");
        if (ranges.layers() != c.nLayers()) {
            throw new IllegalArgumentException("the ranges are for " + ranges.layers() + " blocks but the model has " + c.nLayers());
        }
        int layers = c.nLayers();
        int p = q.spikeBits();
        int acc = q.accumulatorBits();
        int h = q.headroomBits();

        int fwEncoder = weightFraction(model, ParameterNames.ENCODER_WEIGHT, q);
        int[] fwMix = new int[layers];
        for (int l = 0; l < layers; l++) fwMix[l] = weightFraction(model, ParameterNames.mixWeight(l), q);
        int fwDecoder = weightFraction(model, ParameterNames.DECODER_WEIGHT, q);

        int fx = Formats.clamp(Math.min(Formats.fmt(ranges.input(), p, h), Formats.fmt(ranges.encoderAccumulator(), acc, h) - fwEncoder));
        Map<String, Long> calibrated = new LinkedHashMap<>();
        calibrated.put("input", calibratedMax(ranges.input(), fx));

        List<QuantBlock> blocks = new ArrayList<>(layers);
        int sender = fx;
        int senderWeights = fwEncoder;
        String inputWeight = ParameterNames.ENCODER_WEIGHT;
        String inputBias = ParameterNames.ENCODER_BIAS;
        for (int l = 0; l < layers; l++) {
            int fu = Formats.clamp(Formats.fmt(ranges.u(l), p, h));
            int fs = Formats.clamp(Formats.fmt(ranges.state(l), q.stateBits(), h));
            int fy = Formats.clamp(Math.min(Formats.fmt(ranges.reluAccumulator(l), acc, h), Formats.fmt(ranges.modeOutput(l), p, h)));
            int fr = Formats.clamp(Math.min(Formats.fmt(ranges.relu(l), p, h), Formats.fmt(ranges.mixAccumulator(l), acc, h) - fwMix[l]));
            QuantDense input = dense(model, inputWeight, inputBias, senderWeights, sender, q);
            QuantS4D s4d = s4d(S4DCoefficients.of(model, l), fu, fs, fy, q.coefficientBits());
            blocks.add(new QuantBlock(input, fu, s4d, fs, fy, fr));
            calibrated.put("u" + (l + 1), calibratedMax(ranges.u(l), fu));
            calibrated.put("s4d" + (l + 1), calibratedMax(ranges.modeOutput(l), fy));
            calibrated.put("relu" + (l + 1), calibratedMax(ranges.relu(l), fr));
            sender = fr;
            senderWeights = fwMix[l];
            inputWeight = ParameterNames.mixWeight(l);
            inputBias = ParameterNames.mixBias(l);
        }
        int fo = Formats.clamp(Math.min(Formats.fmt(ranges.out(), p, h), Formats.fmt(ranges.decoderAccumulator(), acc, h) - fwDecoder));
        calibrated.put("out", calibratedMax(ranges.out(), fo));
        QuantDense outputLinear = dense(model, inputWeight, inputBias, senderWeights, sender, q);
        QuantDense decoder = dense(model, ParameterNames.DECODER_WEIGHT, ParameterNames.DECODER_BIAS, fwDecoder, fo, q);
        // Last-token readout: the class neurons hold the decoder accumulator itself.
        int fz = c.readout() == Readout.MEAN ? Formats.clamp(Formats.fmt(ranges.readoutSum(), q.stateBits(), h)) : fwDecoder + fo;
        return new QuantizedModel(c, q, fx, blocks, outputLinear, fo, decoder, fz, calibrated);
    }

    /** {@code f_W} of a dense layer: no headroom, since the weights are known exactly. */
    static int weightFraction(S4DModel model, String weight, QuantConfig q) {
        return Formats.arrayFraction(Formats.maxAbs(model.get(weight).data()), q.weightBits());
    }

    /** A dense layer's weight mantissas at {@code fw} and its bias at the accumulator's scale {@code fw + fa}. */
    private static QuantDense dense(S4DModel model, String weight, String bias, int fw, int fa, QuantConfig q) {
        float[] w = model.get(weight).data();
        float[] b = model.get(bias).data();
        int[] wq = new int[w.length];
        for (int i = 0; i < w.length; i++) wq[i] = Formats.quantize(w[i], fw, q.weightBits());
        int[] bq = new int[b.length];
        for (int i = 0; i < b.length; i++) bq[i] = Formats.quantize(b[i], fw + fa, q.accumulatorBits());
        return new QuantDense(b.length, w.length / b.length, wq, fw, bq);
    }

    /**
     * Step 4's mantissas: {@code a = q(Ā·2^eA)}, {@code b = q(B̄·2^(fs−fu)·2^eB)},
     * {@code c = q(2C·2^(fy−fs)·2^eC)}, {@code d = q(D·2^(fy−fu)·2^eD)}. Each exponent comes from the
     * scaled array, and the scalings are powers of two, so each array is rounded once.
     */
    private static QuantS4D s4d(S4DCoefficients k, int fu, int fs, int fy, int bits) {
        int expA = Formats.arrayFraction(Formats.maxAbs(k.aRe(), k.aIm()), bits);
        int expB = scaledExponent(fs - fu, bits, k.bRe(), k.bIm());
        // 2C: the factor 2 of y = 2·Re(C·x) is inside c.
        int expC = scaledExponent(fy - fs + 1, bits, k.cRe(), k.cIm());
        int expD = scaledExponent(fy - fu, bits, k.d());
        return new QuantS4D(k.channels(), k.modes(),
                Formats.quantize(k.aRe(), expA, bits), Formats.quantize(k.aIm(), expA, bits), expA,
                Formats.quantize(k.bRe(), fs - fu + expB, bits), Formats.quantize(k.bIm(), fs - fu + expB, bits), expB,
                Formats.quantize(k.cRe(), fy - fs + 1 + expC, bits), Formats.quantize(k.cIm(), fy - fs + 1 + expC, bits), expC,
                Formats.quantize(k.d(), fy - fu + expD, bits), expD);
    }

    /** The exponent of arrays scaled by 2^scale, computed on the scaled magnitude (exact: a power of two). */
    private static int scaledExponent(int scale, int bits, double[]... arrays) {
        return Formats.arrayFraction(Math.scalb(Formats.maxAbs(arrays), scale), bits);
    }

    /** A group's calibrated magnitude in its integer format, rounded up: the base of sigma-delta thresholds. */
    private static long calibratedMax(double m, int f) {
        return (long) Math.ceil(Math.scalb(m, f));
    }
}
