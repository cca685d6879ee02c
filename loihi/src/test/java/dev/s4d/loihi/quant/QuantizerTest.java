package dev.s4d.loihi.quant;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules of "Choosing the formats" and step 4, checked on calibrated random models. */
class QuantizerTest {
    private static final ModelConfig SMALL = ModelConfig.loihi(2, 8, 8, 2, 3);
    private static final int T = 40;

    private record Case(S4DModel model, Calibration.Ranges ranges) {
        QuantizedModel quantize(QuantConfig q) {
            return Quantizer.quantize(model, ranges, q);
        }
    }

    private static Case calibrated(ModelConfig c, long seed) {
        S4DModel m = QuantTestModels.random(c, seed);
        return new Case(m, Calibration.of(m, 2).run(QuantTestModels.sequences(6, T, c.dInput(), seed), n -> { }));
    }

    private static List<Case> cases() {
        return List.of(calibrated(SMALL, 1), calibrated(SMALL.withReadout(Readout.LAST), 2), calibrated(ModelConfig.loihi(1, 6, 4, 3, 5), 3));
    }

    private static final QuantConfig[] CONFIGS = {QuantConfig.defaults(), QuantConfig.defaults().withWeightBits(4).withCoefficientBits(8),
            QuantConfig.defaults().withStateBits(16), QuantConfig.defaults().withWeightBits(16).withCoefficientBits(24)};

    /** 2^(b−1) − 1. */
    private static double largest(int bits) {
        return (1L << (bits - 1)) - 1;
    }

    /** m · 2^(f + headroom) ≤ 2^(b−1) − 1: the fmt inequality. */
    private static boolean fits(double m, int f, int bits, int headroom) {
        return Math.scalb(m, f + headroom) <= largest(bits);
    }

    private static List<QuantDense> denseLayers(QuantizedModel qm) {
        List<QuantDense> d = new ArrayList<>();
        for (QuantBlock b : qm.blocks()) d.add(b.input());
        d.add(qm.outputLinear());
        d.add(qm.decoder());
        return d;
    }

    /** The float layers in the order of {@link #denseLayers}: encoder, mix_1 … mix_L, decoder. */
    private static List<String[]> floatLayers(ModelConfig c) {
        List<String[]> d = new ArrayList<>();
        d.add(new String[]{ParameterNames.ENCODER_WEIGHT, ParameterNames.ENCODER_BIAS});
        for (int l = 0; l < c.nLayers(); l++) d.add(new String[]{ParameterNames.mixWeight(l), ParameterNames.mixBias(l)});
        d.add(new String[]{ParameterNames.DECODER_WEIGHT, ParameterNames.DECODER_BIAS});
        return d;
    }

    private static void assertWithin(int[] mantissas, int bits, String what) {
        for (int v : mantissas) assertThat(v).as(what).isBetween(-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
    }

    @Test
    void everyMantissaFitsItsWidth() {
        for (Case c : cases()) {
            for (QuantConfig q : CONFIGS) {
                QuantizedModel qm = c.quantize(q);
                for (QuantDense d : denseLayers(qm)) {
                    assertWithin(d.weights(), q.weightBits(), "weights");
                    assertWithin(d.bias(), q.accumulatorBits(), "bias");
                    assertThat(d.maxAbsWeight()).isLessThanOrEqualTo((1 << (q.weightBits() - 1)) - 1);
                }
                for (QuantBlock b : qm.blocks()) {
                    QuantS4D s = b.s4d();
                    for (int[] a : new int[][]{s.aRe(), s.aIm(), s.bRe(), s.bIm(), s.cRe(), s.cIm(), s.d()}) {
                        assertWithin(a, q.coefficientBits(), "coefficients");
                    }
                }
            }
        }
    }

    @Test
    void dequantisedWeightsAndCoefficientsAreWithinHalfAStep() {
        for (Case c : cases()) {
            for (QuantConfig q : CONFIGS) {
                QuantizedModel qm = c.quantize(q);
                List<QuantDense> dense = denseLayers(qm);
                List<String[]> names = floatLayers(c.model().config());
                for (int i = 0; i < dense.size(); i++) {
                    QuantDense d = dense.get(i);
                    float[] w = c.model().get(names.get(i)[0]).data();
                    double[] back = Dequantized.weights(d);
                    double half = Math.scalb(0.5, -d.weightFraction());
                    for (int j = 0; j < w.length; j++) assertThat(Math.abs(back[j] - w[j])).as(names.get(i)[0]).isLessThanOrEqualTo(half);
                    int sender = i < qm.blocks().size() ? qm.senderFraction(i) : i == qm.blocks().size()
                            ? qm.blocks().getLast().reluFraction() : qm.outputFraction();
                    float[] b = c.model().get(names.get(i)[1]).data();
                    double[] bias = Dequantized.bias(d, sender);
                    double halfBias = Math.scalb(0.5, -(d.weightFraction() + sender));
                    for (int j = 0; j < b.length; j++) assertThat(Math.abs(bias[j] - b[j])).as(names.get(i)[1]).isLessThanOrEqualTo(halfBias);
                }
                for (int l = 0; l < qm.blocks().size(); l++) {
                    QuantBlock b = qm.blocks().get(l);
                    QuantS4D s = b.s4d();
                    S4DCoefficients want = S4DCoefficients.of(c.model(), l);
                    S4DCoefficients got = Dequantized.s4d(b);
                    int fu = b.uFraction();
                    int fs = b.stateFraction();
                    int fy = b.yFraction();
                    assertHalfStep(got.aRe(), want.aRe(), Math.scalb(0.5, -s.expA()));
                    assertHalfStep(got.aIm(), want.aIm(), Math.scalb(0.5, -s.expA()));
                    assertHalfStep(got.bRe(), want.bRe(), Math.scalb(0.5, fu - fs - s.expB()));
                    assertHalfStep(got.bIm(), want.bIm(), Math.scalb(0.5, fu - fs - s.expB()));
                    assertHalfStep(got.cRe(), want.cRe(), Math.scalb(0.5, fs - fy - 1 - s.expC()));
                    assertHalfStep(got.cIm(), want.cIm(), Math.scalb(0.5, fs - fy - 1 - s.expC()));
                    assertHalfStep(got.d(), want.d(), Math.scalb(0.5, fu - fy - s.expD()));
                }
            }
        }
    }

    private static void assertHalfStep(double[] got, double[] want, double half) {
        for (int i = 0; i < want.length; i++) assertThat(Math.abs(got[i] - want[i])).as("index %d", i).isLessThanOrEqualTo(half);
    }

    @Test
    void formatsAreTheLargestThatSatisfyTheFmtInequalities() {
        for (Case c : cases()) {
            for (QuantConfig q : CONFIGS) {
                QuantizedModel qm = c.quantize(q);
                Calibration.Ranges r = c.ranges();
                int p = q.spikeBits();
                int acc = q.accumulatorBits();
                int h = q.headroomBits();
                int s = q.stateBits();
                // Weights: no headroom, and one more fraction bit would not fit.
                List<QuantDense> dense = denseLayers(qm);
                List<String[]> names = floatLayers(c.model().config());
                for (int i = 0; i < dense.size(); i++) {
                    double max = Formats.maxAbs(c.model().get(names.get(i)[0]).data());
                    int fw = dense.get(i).weightFraction();
                    assertThat(fits(max, fw, q.weightBits(), 0) && !fits(max, fw + 1, q.weightBits(), 0)).as(names.get(i)[0]).isTrue();
                }
                // A sender: its payload and the accumulator it feeds both fit; one more bit breaks one of them.
                int fwEnc = qm.blocks().getFirst().input().weightFraction();
                assertLargest(f -> fits(r.input(), f, p, h) && fits(r.encoderAccumulator(), fwEnc + f, acc, h), qm.inputFraction(), "f_x");
                for (int l = 0; l < qm.blocks().size(); l++) {
                    QuantBlock b = qm.blocks().get(l);
                    int li = l;
                    assertLargest(f -> fits(r.u(li), f, p, h), b.uFraction(), "f_u");
                    assertLargest(f -> fits(r.state(li), f, s, h), b.stateFraction(), "f_s");
                    assertLargest(f -> fits(r.reluAccumulator(li), f, acc, h) && fits(r.modeOutput(li), f, p, h), b.yFraction(), "f_y");
                    int fwNext = l + 1 < qm.blocks().size() ? qm.blocks().get(l + 1).input().weightFraction() : qm.outputLinear().weightFraction();
                    assertLargest(f -> fits(r.relu(li), f, p, h) && fits(r.mixAccumulator(li), fwNext + f, acc, h), b.reluFraction(), "f_r");
                }
                int fwDec = qm.decoder().weightFraction();
                assertLargest(f -> fits(r.out(), f, p, h) && fits(r.decoderAccumulator(), fwDec + f, acc, h), qm.outputFraction(), "f_o");
                if (qm.model().readout() == Readout.MEAN) {
                    assertLargest(f -> fits(r.readoutSum(), f, s, h), qm.logitFraction(), "f_z");
                } else {
                    assertThat(qm.logitFraction()).isEqualTo(qm.decoderAccumulatorFraction());
                    assertThat(qm.poolShift()).isZero();
                }
                // S4D exponents: the largest that keeps each scaled array within coefficient_bits.
                for (int l = 0; l < qm.blocks().size(); l++) {
                    QuantBlock b = qm.blocks().get(l);
                    QuantS4D k = b.s4d();
                    S4DCoefficients x = S4DCoefficients.of(c.model(), l);
                    int cb = q.coefficientBits();
                    double a = Formats.maxAbs(x.aRe(), x.aIm());
                    double bb = Math.scalb(Formats.maxAbs(x.bRe(), x.bIm()), b.stateFraction() - b.uFraction());
                    double cc = Math.scalb(2 * Formats.maxAbs(x.cRe(), x.cIm()), b.yFraction() - b.stateFraction());
                    double d = Math.scalb(Formats.maxAbs(x.d()), b.yFraction() - b.uFraction());
                    assertLargest(e -> fits(a, e, cb, 0), k.expA(), "e_A");
                    assertLargest(e -> fits(bb, e, cb, 0), k.expB(), "e_B");
                    assertLargest(e -> fits(cc, e, cb, 0), k.expC(), "e_C");
                    assertLargest(e -> fits(d, e, cb, 0), k.expD(), "e_D");
                }
            }
        }
    }

    private static void assertLargest(java.util.function.IntPredicate ok, int f, String what) {
        assertThat(f).as(what).isBetween(Formats.MIN_FRACTION, Formats.MAX_FRACTION);
        assertThat(ok.test(f)).as("%s = %d satisfies its inequalities", what, f).isTrue();
        assertThat(ok.test(f + 1)).as("%s + 1 = %d breaks one", what, f + 1).isFalse();
    }

    @Test
    void chosenFormatsKeepEveryAccumulatorAndStateWithinItsBitsOnTheCalibrationData() {
        for (Case c : cases()) {
            for (QuantConfig q : CONFIGS) {
                QuantizedModel qm = c.quantize(q);
                Calibration.Ranges r = c.ranges();
                double acc = Math.scalb(1.0, q.accumulatorBits() - 1);
                for (int l = 0; l < qm.blocks().size(); l++) {
                    QuantBlock b = qm.blocks().get(l);
                    // The accumulator feeding u_l, at the scale fixed by the sender's format and the weights.
                    int fAcc = b.input().weightFraction() + qm.senderFraction(l);
                    assertThat(Math.scalb(r.u(l), fAcc)).isLessThan(acc);
                    assertThat(Math.scalb(r.u(l), b.uFraction())).isLessThan(Math.scalb(1.0, q.spikeBits() - 1));
                    // u feeds the S4D state; the mode outputs feed the relu accumulator.
                    assertThat(Math.scalb(r.state(l), b.stateFraction())).isLessThan(Math.scalb(1.0, q.stateBits() - 1));
                    assertThat(Math.scalb(r.reluAccumulator(l), b.yFraction())).isLessThan(acc);
                }
                assertThat(Math.scalb(r.out(), qm.outputAccumulatorFraction())).isLessThan(acc);
                assertThat(Math.scalb(r.decoderAccumulator(), qm.decoderAccumulatorFraction())).isLessThan(acc);
                if (qm.model().readout() == Readout.MEAN) {
                    assertThat(Math.scalb(r.readoutSum(), qm.logitFraction())).isLessThan(Math.scalb(1.0, q.stateBits() - 1));
                }
            }
        }
    }

    @Test
    void calibratedMaxIsEachSendersMagnitudeInItsFormat() {
        Case c = cases().getFirst();
        QuantizedModel qm = c.quantize(QuantConfig.defaults());
        Calibration.Ranges r = c.ranges();
        assertThat(qm.calibratedMax()).containsOnlyKeys("input", "u1", "u2", "s4d1", "s4d2", "relu1", "relu2", "out");
        assertThat(qm.calibratedMax().get("input")).isEqualTo((long) Math.ceil(Math.scalb(r.input(), qm.inputFraction())));
        QuantBlock b = qm.blocks().get(1);
        assertThat(qm.calibratedMax().get("u2")).isEqualTo((long) Math.ceil(Math.scalb(r.u(1), b.uFraction())));
        assertThat(qm.calibratedMax().get("s4d2")).isEqualTo((long) Math.ceil(Math.scalb(r.modeOutput(1), b.yFraction())));
        assertThat(qm.calibratedMax().get("relu2")).isEqualTo((long) Math.ceil(Math.scalb(r.relu(1), b.reluFraction())));
        assertThat(qm.calibratedMax().get("out")).isEqualTo((long) Math.ceil(Math.scalb(r.out(), qm.outputFraction())));
        // One bit of headroom: a payload uses at most half of its range; u, limited by its payload alone,
        // at least a quarter (the others may be limited by the accumulator they feed).
        for (long m : qm.calibratedMax().values()) assertThat(m).isPositive().isLessThanOrEqualTo(1L << 22);
        assertThat(qm.calibratedMax().get("u1")).isGreaterThan(1L << 21);
    }

    @Test
    void widerCoefficientsAndWeightsGiveSmallerErrors() {
        Case c = cases().getFirst();
        double previousCoef = Double.POSITIVE_INFINITY;
        for (int bits : new int[]{6, 10, 14, 18, 22}) {
            QuantizedModel qm = c.quantize(QuantConfig.defaults().withCoefficientBits(bits));
            double err = 0;
            for (int l = 0; l < qm.blocks().size(); l++) {
                S4DCoefficients got = Dequantized.s4d(qm.blocks().get(l));
                S4DCoefficients want = S4DCoefficients.of(c.model(), l);
                err = Math.max(err, relativeError(got.aRe(), want.aRe()));
                err = Math.max(err, relativeError(got.bIm(), want.bIm()));
                err = Math.max(err, relativeError(got.cRe(), want.cRe()));
                err = Math.max(err, relativeError(got.d(), want.d()));
            }
            assertThat(err).as("coefficient_bits %d", bits).isLessThan(previousCoef / 8).isGreaterThan(0);
            previousCoef = err;
        }
        double previousWeight = Double.POSITIVE_INFINITY;
        for (int bits : new int[]{3, 6, 9, 12}) {
            QuantizedModel qm = c.quantize(QuantConfig.defaults().withWeightBits(bits));
            double err = relativeError(Dequantized.weights(qm.decoder()), toDouble(c.model().get(ParameterNames.DECODER_WEIGHT).data()));
            assertThat(err).as("weight_bits %d", bits).isLessThan(previousWeight / 4);
            previousWeight = err;
        }
    }

    private static double relativeError(double[] got, double[] want) {
        double e = 0;
        for (int i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]));
        return e / Formats.maxAbs(want);
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    @Test
    void formatRulesOnExactValues() {
        assertThat(Formats.fmt(1, 8, 0)).isEqualTo(6);          // 127 / 1 → 2^6 = 64 ≤ 127 < 128
        assertThat(Formats.fmt(127, 8, 0)).isEqualTo(0);
        assertThat(Formats.fmt(127.5, 8, 0)).isEqualTo(-1);
        assertThat(Formats.fmt(0.5, 8, 1)).isEqualTo(6);
        assertThat(Formats.fmt(0.75, 24, 1)).isEqualTo(22);     // (2^23 − 1) / 1.5 ≈ 2^22.4
        assertThat(Formats.fmt(Math.scalb(1.0, -40), 24, 0)).isEqualTo(62);
        assertThat(Formats.fmt(0, 24, 1)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Formats.clamp(Double.POSITIVE_INFINITY)).isEqualTo(Formats.MAX_FRACTION);
        assertThat(Formats.clamp(-1000)).isEqualTo(Formats.MIN_FRACTION);
        assertThat(Formats.arrayFraction(Float.MIN_VALUE, 8)).isEqualTo(Formats.MAX_FRACTION);
        // rint: half to even; clamp to the width.
        assertThat(Formats.quantize(new double[]{0.5, 1.5, 2.5, -2.5, 200, -200, 127.4}, 0, 8)).containsExactly(0, 2, 2, -2, 127, -128, 127);
        assertThat(Formats.quantize(0.3, 8, 8)).isEqualTo(77);  // 76.8
    }

    @Test
    void zeroQuantitiesGetFiniteFormatsAndZeroMantissas() {
        // Encoder all zero: u, the states, the mode outputs and the relu of block 1 are zero on every input.
        int h = SMALL.dModel();
        S4DModel dead = QuantTestModels.edit(QuantTestModels.random(SMALL, 4), p -> {
            p.put(ParameterNames.ENCODER_WEIGHT, Tensor.zeros(h, SMALL.dInput()));
            p.put(ParameterNames.ENCODER_BIAS, Tensor.zeros(h));
            p.put(ParameterNames.d(1), Tensor.zeros(h));
        });
        Calibration.Ranges r = Calibration.of(dead, 1).run(QuantTestModels.sequences(2, T, 2, 3), n -> { });
        assertThat(r.u(0)).isZero();
        assertThat(r.state(0)).isZero();
        assertThat(r.relu(0)).isZero();
        QuantizedModel qm = Quantizer.quantize(dead, r, QuantConfig.defaults());
        QuantBlock first = qm.blocks().getFirst();
        assertThat(first.input().weights()).containsOnly(0);
        assertThat(first.input().bias()).containsOnly(0);
        assertThat(first.input().weightFraction()).isEqualTo(Formats.MAX_FRACTION);
        assertThat(first.uFraction()).isEqualTo(Formats.MAX_FRACTION);
        assertThat(first.stateFraction()).isEqualTo(Formats.MAX_FRACTION);
        assertThat(qm.blocks().get(1).s4d().d()).containsOnly(0);
        assertThat(qm.inputFraction()).isBetween(Formats.MIN_FRACTION, Formats.MAX_FRACTION);
        assertThat(qm.calibratedMax().get("u1")).isZero();

        // All-zero ranges (a model that outputs only its biases on all-zero inputs) still quantise.
        Calibration.Ranges zero = new Calibration.Ranges(1, 0, new double[2], new double[2], new double[2], new double[2],
                new double[2], 0, 0, 0);
        QuantizedModel z = Quantizer.quantize(QuantTestModels.random(SMALL, 4), zero, QuantConfig.defaults());
        assertThat(z.inputFraction()).isEqualTo(Formats.MAX_FRACTION);
        assertThat(z.logitFraction()).isEqualTo(Formats.MAX_FRACTION);
        for (QuantBlock b : z.blocks()) {
            assertThat(new int[]{b.uFraction(), b.stateFraction(), b.yFraction(), b.reluFraction()}).containsOnly(Formats.MAX_FRACTION);
            assertThat(z.reluShift(z.blocks().indexOf(b))).isZero();
        }

        // Huge and tiny magnitudes are clamped rather than given absurd shifts.
        Calibration.Ranges extreme = new Calibration.Ranges(1, 1e30, new double[]{1e-300, 1}, new double[]{1, 1}, new double[]{1, 1},
                new double[]{1, 1}, new double[]{1, 1}, 1, 1, 1);
        QuantizedModel e = Quantizer.quantize(QuantTestModels.random(SMALL, 4), extreme, QuantConfig.defaults());
        assertThat(e.inputFraction()).isEqualTo(Formats.MIN_FRACTION);
        assertThat(e.blocks().getFirst().uFraction()).isEqualTo(Formats.MAX_FRACTION);
    }

    @Test
    void rejectsBadInputs() {
        Case c = cases().getFirst();
        assertThatThrownBy(() -> Quantizer.quantize(QuantTestModels.randomReference(), c.ranges(), QuantConfig.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("quantisation needs a loihi-flavour model", "reference");
        S4DModel deeper = QuantTestModels.random(ModelConfig.loihi(2, 8, 8, 3, 3), 1);
        assertThatThrownBy(() -> Quantizer.quantize(deeper, c.ranges(), QuantConfig.defaults()))
                .hasMessageContaining("the ranges are for 2 blocks but the model has 3");
        assertThatThrownBy(() -> Quantizer.quantize(c.model(), null, QuantConfig.defaults())).hasMessageContaining("needs calibrated ranges");
        assertThatThrownBy(() -> new Calibration.Ranges(0, 1, new double[1], new double[1], new double[1], new double[1], new double[1], 1, 1, 1))
                .hasMessageContaining("at least one calibration sample");
        assertThatThrownBy(() -> new Calibration.Ranges(1, 1, new double[]{Double.NaN}, new double[1], new double[1], new double[1],
                new double[1], 1, 1, 1)).hasMessageContaining("range of u must be finite and ≥ 0, got NaN");
        assertThatThrownBy(() -> new Calibration.Ranges(1, 1, new double[2], new double[1], new double[2], new double[2],
                new double[2], 1, 1, 1)).hasMessageContaining("ranges of state need one value per block (2), got 1");
    }
}
