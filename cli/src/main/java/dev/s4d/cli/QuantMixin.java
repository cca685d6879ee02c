package dev.s4d.cli;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.Rounding;
import picocli.CommandLine.Option;

/** The widths and arithmetic modes of the chip's integer formats (docs/LOIHI_ARITHMETIC.md). */
final class QuantMixin {
    @Option(names = "--weight-bits", description = "Signed mantissa bits of dense weights (default 8).")
    Integer weightBits;

    @Option(names = "--coefficient-bits", description = "Signed mantissa bits of the S4D coefficients Ā, B̄, C, D (default 16).")
    Integer coefficientBits;

    @Option(names = "--state-bits", description = "Bits of neuron states, graded-spike payloads and accumulators (default 24).")
    Integer stateBits;

    @Option(names = "--rounding", paramLabel = "nearest|floor|toward_zero", description = "Rounding of right shifts (default nearest).")
    String rounding;

    @Option(names = "--overflow", paramLabel = "saturate|wrap", description = "Out-of-range values saturate (default) or wrap.")
    String overflow;

    @Option(names = "--calibration", paramLabel = "N", description = "Training sequences whose ranges choose the formats (default 256).")
    Integer calibration;

    QuantConfig resolve() {
        QuantConfig q = QuantConfig.defaults();
        if (weightBits != null) q = q.withWeightBits(weightBits);
        if (coefficientBits != null) q = q.withCoefficientBits(coefficientBits);
        if (stateBits != null) q = q.withStateBits(stateBits);
        if (rounding != null) q = q.withRounding(Rounding.parse(rounding));
        if (overflow != null) q = q.withOverflow(Overflow.parse(overflow));
        if (calibration != null) q = q.withCalibrationSamples(calibration);
        return q;
    }
}
