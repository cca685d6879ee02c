package dev.s4d.loihi.quant;

import dev.s4d.data.Dataset;
import dev.s4d.data.Datasets;
import dev.s4d.engine.DiscreteLayer;
import dev.s4d.engine.Discretizer;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import dev.s4d.reference.ReferenceModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The double pass is the float model's, and the ranges are the magnitudes of its activations. */
class CalibrationTest {
    private static final ModelConfig SMALL = ModelConfig.loihi(2, 8, 8, 2, 3);
    private static final int T = 40;

    @Test
    void logitsEqualTheReferenceModelsRecurrence() {
        ModelConfig[] configs = {SMALL, SMALL.withReadout(Readout.LAST), SMALL.withDiscretization(Discretization.BILINEAR),
                ModelConfig.loihi(1, 6, 4, 3, 5).withReadout(Readout.LAST)};
        for (int k = 0; k < configs.length; k++) {
            S4DModel m = QuantTestModels.random(configs[k], 11 + k);
            Calibration cal = Calibration.of(m, 1);
            ReferenceModel ref = new ReferenceModel(m);
            for (int s = 0; s < 3; s++) {
                float[] seq = QuantTestModels.sequence(T, configs[k].dInput(), 100 * k + s);
                double[] want = ref.logits(seq, T, ReferenceModel.Mode.RECURRENCE);
                double[] got = cal.logits(seq);
                double scale = 0;
                for (double v : want) scale = Math.max(scale, Math.abs(v));
                for (int c = 0; c < want.length; c++) {
                    assertThat(got[c]).as("config %d, sequence %d, class %d", k, s, c).isCloseTo(want[c], within(1e-9 * scale));
                }
            }
        }
    }

    @Test
    void rawCFromTheParametersEqualsTheFoldedCDividedByBBar() {
        for (Discretization d : Discretization.values()) {
            S4DModel m = QuantTestModels.random(SMALL.withDiscretization(d), 3);
            for (int l = 0; l < SMALL.nLayers(); l++) {
                DiscreteLayer disc = Discretizer.discretize(m, l);
                S4DCoefficients k = S4DCoefficients.of(m, l);
                for (int i = 0; i < k.cRe().length; i++) {
                    // C = C̃ / B̄
                    double den = disc.bRe()[i] * disc.bRe()[i] + disc.bIm()[i] * disc.bIm()[i];
                    double re = (disc.cRe()[i] * disc.bRe()[i] + disc.cIm()[i] * disc.bIm()[i]) / den;
                    double im = (disc.cIm()[i] * disc.bRe()[i] - disc.cRe()[i] * disc.bIm()[i]) / den;
                    double size = Math.hypot(k.cRe()[i], k.cIm()[i]);
                    assertThat(re).isCloseTo(k.cRe()[i], within(1e-12 * size));
                    assertThat(im).isCloseTo(k.cIm()[i], within(1e-12 * size));
                }
                assertThat(k.aRe()).isEqualTo(disc.aRe());
                assertThat(k.bIm()).isEqualTo(disc.bIm());
            }
        }
    }

    /** A one-mode, one-block model with identity mixing: its outputs are the relu payloads, which expose u and x. */
    private static S4DModel probe(S4DModel base, double cRe, double cIm, double d) {
        int h = base.config().dModel();
        return QuantTestModels.edit(base, p -> {
            float[] eye = new float[h * h];
            for (int j = 0; j < h; j++) eye[j * h + j] = 1;
            p.put(ParameterNames.mixWeight(0), new Tensor(new int[]{h, h, 1}, eye));
            p.put(ParameterNames.mixBias(0), Tensor.zeros(h));
            float[] c = new float[2 * h];
            float[] dd = new float[h];
            for (int j = 0; j < h; j++) {
                c[2 * j] = (float) cRe;
                c[2 * j + 1] = (float) cIm;
                dd[j] = (float) d;
            }
            p.put(ParameterNames.c(0), new Tensor(new int[]{h, 1, 2}, c));
            p.put(ParameterNames.d(0), new Tensor(new int[]{h}, dd));
        });
    }

    /** Largest reference output (= relu payload of the probe) over the sequences. */
    private static double maxOutput(S4DModel m, float[][] seqs) {
        ReferenceModel ref = new ReferenceModel(m);
        double max = 0;
        for (float[] s : seqs) {
            for (double v : ref.lastLayerOutputs(s, T, ReferenceModel.Mode.RECURRENCE)) max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    @Test
    void rangesAreTheMagnitudesOfTheReferenceModelsActivations() {
        ModelConfig oneMode = ModelConfig.loihi(2, 4, 2, 1, 3);
        S4DModel base = QuantTestModels.random(oneMode, 5);
        float[][] seqs = QuantTestModels.sequences(4, T, 2, 9);
        // y = ±u through D; y = ±Re x through C = ±1/2; y = ∓Im x through C = ±i/2.
        double u = Math.max(maxOutput(probe(base, 0, 0, 1), seqs), maxOutput(probe(base, 0, 0, -1), seqs));
        double re = Math.max(maxOutput(probe(base, 0.5, 0, 0), seqs), maxOutput(probe(base, -0.5, 0, 0), seqs));
        double im = Math.max(maxOutput(probe(base, 0, 0.5, 0), seqs), maxOutput(probe(base, 0, -0.5, 0), seqs));
        S4DModel plusRe = probe(base, 0.5, 0, 0);
        Calibration.Ranges r = Calibration.of(plusRe, 1).run(seqs, n -> { });
        assertThat(r.u(0)).isCloseTo(u, within(1e-10 * u));
        assertThat(r.encoderAccumulator()).isEqualTo(r.u(0));
        assertThat(r.state(0)).isCloseTo(Math.max(re, im), within(1e-10 * re));
        assertThat(r.relu(0)).isCloseTo(maxOutput(plusRe, seqs), within(1e-10 * re));
        assertThat(r.out()).isEqualTo(r.relu(0)).isEqualTo(r.mixAccumulator(0));
        // One mode: the mode output is the relu accumulator, whose magnitude is the larger relu of ±y.
        assertThat(r.modeOutput(0)).isEqualTo(r.reluAccumulator(0));
        assertThat(r.reluAccumulator(0)).isCloseTo(re, within(1e-10 * re));

        double input = 0;
        for (float[] s : seqs) for (float v : s) input = Math.max(input, Math.abs(v));
        assertThat(r.input()).isEqualTo(input);
        assertThat(r.samples()).isEqualTo(4);
    }

    @Test
    void decoderAccumulatorAndReadoutSumFollowThePerTokenLogits() {
        float[][] seqs = QuantTestModels.sequences(3, T, 2, 4);
        for (Readout readout : Readout.values()) {
            S4DModel m = QuantTestModels.random(SMALL.withReadout(readout), 8);
            ReferenceModel ref = new ReferenceModel(m);
            double acc = 0;
            double sum = 0;
            for (float[] s : seqs) {
                double[][] logits = ref.perTokenLogits(s, T, ReferenceModel.Mode.RECURRENCE);
                for (int t = 0; t < T; t++) {
                    for (int c = 0; c < logits[t].length; c++) {
                        if (readout == Readout.LAST) {
                            acc = Math.max(acc, Math.abs(logits[t][c]));
                        } else {
                            // The mean after t+1 tokens is the running sum over t+1; the token's own accumulator is the difference.
                            double running = (t + 1) * logits[t][c];
                            double previous = t == 0 ? 0 : t * logits[t - 1][c];
                            sum = Math.max(sum, Math.abs(running));
                            acc = Math.max(acc, Math.abs(running - previous));
                        }
                    }
                }
            }
            Calibration.Ranges r = Calibration.of(m, 1).run(seqs, n -> { });
            assertThat(r.decoderAccumulator()).as("%s", readout).isCloseTo(acc, within(1e-9 * acc));
            if (readout == Readout.MEAN) assertThat(r.readoutSum()).isCloseTo(sum, within(1e-9 * sum));
        }
    }

    @Test
    void rangesDoNotDependOnThreadsAndProgressCountsUp() {
        S4DModel m = QuantTestModels.random(SMALL, 2);
        float[][] seqs = QuantTestModels.sequences(9, T, 2, 1);
        List<Integer> reported = Collections.synchronizedList(new ArrayList<>());
        Calibration.Ranges two = Calibration.of(m, 2).run(seqs, reported::add);
        Calibration.Ranges one = Calibration.of(m, 1).run(seqs, n -> { });
        assertThat(two).isEqualTo(one);
        assertThat(reported).containsExactlyElementsOf(IntStream.rangeClosed(1, 9).boxed().toList());

        // The maxima of two halves are the maxima of the whole.
        Calibration.Ranges a = Calibration.of(m, 1).run(java.util.Arrays.copyOfRange(seqs, 0, 4), n -> { });
        Calibration.Ranges b = Calibration.of(m, 1).run(java.util.Arrays.copyOfRange(seqs, 4, 9), n -> { });
        for (int l = 0; l < 2; l++) {
            assertThat(one.state(l)).isEqualTo(Math.max(a.state(l), b.state(l)));
            assertThat(one.modeOutput(l)).isEqualTo(Math.max(a.modeOutput(l), b.modeOutput(l)));
        }
        assertThat(one.readoutSum()).isEqualTo(Math.max(a.readoutSum(), b.readoutSum()));
    }

    @Test
    void datasetSamplesAreSpreadEvenly() {
        S4DModel m = QuantTestModels.random(ModelConfig.loihi(1, 4, 4, 1, 10), 6);
        Dataset digits = Datasets.bundledMnistDigits();
        float[][] picked = new float[4][];
        for (int i = 0; i < 4; i++) picked[i] = digits.sequence(i * 25);
        Calibration cal = Calibration.of(m, 2);
        assertThat(cal.run(digits, 4, n -> { })).isEqualTo(cal.run(picked, n -> { }));
        assertThat(cal.run(digits.limit(2), 10, n -> { }).samples()).isEqualTo(2);
    }

    @Test
    void rejectsBadModelsAndData() {
        assertThatThrownBy(() -> Calibration.of(QuantTestModels.randomReference()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("calibration needs a loihi-flavour model", "reference");
        Calibration cal = Calibration.of(QuantTestModels.random(SMALL, 1), 2);
        assertThatThrownBy(() -> cal.run(new float[0][], n -> { })).hasMessageContaining("at least one sequence");
        float[][] seqs = QuantTestModels.sequences(3, T, 2, 1);
        seqs[1][7] = Float.NaN;
        assertThatThrownBy(() -> cal.run(seqs, n -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("calibration sequence 1 holds NaN at token 3, feature 1");
        seqs[1][7] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> cal.run(seqs, n -> { })).hasMessageContaining("holds Infinity");
        assertThatThrownBy(() -> cal.run(new float[][]{new float[5]}, n -> { }))
                .hasMessageContaining("calibration sequence 0 must hold a positive multiple of d_input=2 values, got 5");
        assertThatThrownBy(() -> cal.run(Datasets.bundledMnistDigits(), 4, n -> { }))
                .hasMessageContainingAll("1 features per token", "model expects 2");
        assertThatThrownBy(() -> cal.run(Datasets.bundledMnistDigits().limit(0), 4, n -> { })).hasMessageContaining("is empty");
        assertThatThrownBy(() -> Calibration.of(QuantTestModels.random(SMALL, 1), 0)).hasMessageContaining("threads must be at least 1");
    }
}
