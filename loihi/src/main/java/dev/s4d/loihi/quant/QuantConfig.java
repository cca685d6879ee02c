package dev.s4d.loihi.quant;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Bit widths and arithmetic modes of the fixed-point engine (docs/LOIHI_ARITHMETIC.md). Defaults
 * follow REFERENCE.md §3: 8-bit weights, 24-bit states, spikes and accumulators. It travels inside
 * the quantised model file as JSON (snake_case names).
 *
 * @param weightBits         signed mantissa width of dense synaptic weights (2..16)
 * @param coefficientBits    signed mantissa width of the S4D coefficients Ā, B̄, C, D (2..24)
 * @param stateBits          width of neuron states: S4D real/imag states, the mean-readout integrator (8..30)
 * @param spikeBits          graded-spike payload width (2..30)
 * @param accumulatorBits    width of a neuron's dendritic accumulator (8..30)
 * @param rounding           rounding of every right shift
 * @param overflow           saturate or wrap at a width
 * @param headroomBits       spare bits above the calibrated magnitude when formats are chosen (0..8)
 * @param calibrationSamples training sequences whose ranges choose the formats
 */
public record QuantConfig(
        @JsonProperty("weight_bits") int weightBits,
        @JsonProperty("coefficient_bits") int coefficientBits,
        @JsonProperty("state_bits") int stateBits,
        @JsonProperty("spike_bits") int spikeBits,
        @JsonProperty("accumulator_bits") int accumulatorBits,
        @JsonProperty("rounding") Rounding rounding,
        @JsonProperty("overflow") Overflow overflow,
        @JsonProperty("headroom_bits") int headroomBits,
        @JsonProperty("calibration_samples") int calibrationSamples) {

    public QuantConfig {
        // Upper bounds keep every product and sum of the spec inside a 64-bit long.
        requireIn("weight_bits", weightBits, 2, 16);
        requireIn("coefficient_bits", coefficientBits, 2, 24);
        requireIn("state_bits", stateBits, 8, 30);
        requireIn("spike_bits", spikeBits, 2, 30);
        requireIn("accumulator_bits", accumulatorBits, 8, 30);
        requireIn("headroom_bits", headroomBits, 0, 8);
        requireIn("calibration_samples", calibrationSamples, 1, 1_000_000);
        if (rounding == null) throw new IllegalArgumentException("rounding must be nearest, floor or toward_zero, got null");
        if (overflow == null) throw new IllegalArgumentException("overflow must be saturate or wrap, got null");
    }

    private static void requireIn(String name, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    /** The defaults of REFERENCE.md §3. */
    public static QuantConfig defaults() {
        return new QuantConfig(8, 16, 24, 24, 24, Rounding.NEAREST, Overflow.SATURATE, 1, 256);
    }

    public QuantConfig withWeightBits(int b) {
        return new QuantConfig(b, coefficientBits, stateBits, spikeBits, accumulatorBits, rounding, overflow, headroomBits, calibrationSamples);
    }

    public QuantConfig withCoefficientBits(int b) {
        return new QuantConfig(weightBits, b, stateBits, spikeBits, accumulatorBits, rounding, overflow, headroomBits, calibrationSamples);
    }

    /** Neuron states, spikes and accumulators all at {@code b} bits, as the chip's 24-bit default. */
    public QuantConfig withStateBits(int b) {
        return new QuantConfig(weightBits, coefficientBits, b, b, b, rounding, overflow, headroomBits, calibrationSamples);
    }

    public QuantConfig withRounding(Rounding r) {
        return new QuantConfig(weightBits, coefficientBits, stateBits, spikeBits, accumulatorBits, r, overflow, headroomBits, calibrationSamples);
    }

    public QuantConfig withOverflow(Overflow o) {
        return new QuantConfig(weightBits, coefficientBits, stateBits, spikeBits, accumulatorBits, rounding, o, headroomBits, calibrationSamples);
    }

    public QuantConfig withCalibrationSamples(int n) {
        return new QuantConfig(weightBits, coefficientBits, stateBits, spikeBits, accumulatorBits, rounding, overflow, headroomBits, n);
    }
}
