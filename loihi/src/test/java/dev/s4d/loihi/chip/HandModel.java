package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;

import java.util.Map;

/**
 * A model small enough to follow by hand: one input, one block of one channel with one mode, two
 * classes. The defaults are the numbers {@link HandComputedTokensTest} works through; tests change
 * fields to make single sites overflow. Shifts implied by the defaults: u 1, relu 1, out 1, mean
 * readout 2 (decoder accumulator at f = 5, integrator at f = 3).
 */
final class HandModel {
    QuantConfig quant = QuantConfig.defaults();
    Readout readout = Readout.MEAN;
    int inputFraction = 4;
    int encoderWeight = 3;
    int encoderWeightFraction = 2;
    int encoderBias = 5;
    int uFraction = 5;
    int aRe = 3;
    int aIm = 2;
    int expA = 2;
    int bRe = 4;
    int bIm = -1;
    int expB = 3;
    int cRe = 5;
    int cIm = 3;
    int expC = 2;
    int d = -6;
    int expD = 3;
    int yFraction = 4;
    int reluFraction = 3;
    int mixWeight = 2;
    int mixWeightFraction = 1;
    int mixBias = -3;
    int outputFraction = 3;
    int[] decoderWeights = {5, -2};
    int decoderWeightFraction = 2;
    int[] decoderBias = {1, 4};
    /** f_z of the mean-readout integrator; last-token readout uses the decoder accumulator's format. */
    int integratorFraction = 3;

    QuantizedModel build() {
        ModelConfig config = ModelConfig.loihi(1, 1, 2, 1, 2).withReadout(readout);
        QuantDense encoder = new QuantDense(1, 1, new int[]{encoderWeight}, encoderWeightFraction, new int[]{encoderBias});
        QuantS4D s4d = new QuantS4D(1, 1, new int[]{aRe}, new int[]{aIm}, expA, new int[]{bRe}, new int[]{bIm}, expB,
                new int[]{cRe}, new int[]{cIm}, expC, new int[]{d}, expD);
        QuantBlock block = new QuantBlock(encoder, uFraction, s4d, 4, yFraction, reluFraction);
        QuantDense mix = new QuantDense(1, 1, new int[]{mixWeight}, mixWeightFraction, new int[]{mixBias});
        QuantDense decoder = new QuantDense(2, 1, decoderWeights.clone(), decoderWeightFraction, decoderBias.clone());
        int logitFraction = readout == Readout.MEAN ? integratorFraction : decoderWeightFraction + outputFraction;
        Map<String, Long> calibrated = Map.of("input", 32L, "u1", 64L, "s4d1", 16L, "relu1", 16L, "out", 8L);
        return new QuantizedModel(config, quant, inputFraction, java.util.List.of(block), mix, outputFraction, decoder,
                logitFraction, calibrated);
    }

    FixedPointEngine engine() {
        return FixedPointEngine.compile(build(), ChipOptions.defaults().withThreads(1));
    }
}
