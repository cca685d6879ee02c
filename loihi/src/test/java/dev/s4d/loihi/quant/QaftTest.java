package dev.s4d.loihi.quant;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import dev.s4d.train.GradientSource;
import dev.s4d.train.MeanPoolLinearGradients;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fake quantisation puts tensors on the Quantizer's grids; the STE passes the inner gradient through. */
class QaftTest {
    private static final ModelConfig SMALL = ModelConfig.loihi(2, 8, 8, 2, 3);

    private static void assertSameBits(Parameters a, Parameters b) {
        assertThat(a.names()).containsExactlyElementsOf(b.names());
        for (String name : a.names()) {
            float[] x = a.get(name).data();
            float[] y = b.get(name).data();
            for (int i = 0; i < x.length; i++) {
                assertThat(Float.floatToRawIntBits(x[i])).as("%s[%d]", name, i).isEqualTo(Float.floatToRawIntBits(y[i]));
            }
        }
    }

    @Test
    void fakeQuantisationIsIdempotentAndLeavesTheRestAlone() {
        S4DModel m = QuantTestModels.random(SMALL, 3);
        for (QuantConfig q : new QuantConfig[]{QuantConfig.defaults(), QuantConfig.defaults().withWeightBits(3).withCoefficientBits(5)}) {
            Parameters once = FakeQuantization.apply(SMALL, m.parameters(), q);
            assertSameBits(FakeQuantization.apply(SMALL, once, q), once);
            for (String name : new String[]{ParameterNames.ENCODER_BIAS, ParameterNames.logDt(0), ParameterNames.logAReal(1),
                    ParameterNames.aImag(0), ParameterNames.mixBias(1), ParameterNames.DECODER_BIAS}) {
                assertThat(once.get(name).data()).as(name).containsExactly(m.get(name).data());
            }
            assertThat(once.get(ParameterNames.ENCODER_WEIGHT).data()).isNotEqualTo(m.get(ParameterNames.ENCODER_WEIGHT).data());
        }
        // The caller's parameters are not touched.
        assertSameBits(m.parameters(), QuantTestModels.random(SMALL, 3).parameters());
    }

    @Test
    void fakeQuantisedValuesAreTheQuantizersMantissasTimesTheirScale() {
        S4DModel m = QuantTestModels.random(SMALL, 5);
        Calibration.Ranges r = Calibration.of(m, 1).run(QuantTestModels.sequences(3, 30, 2, 5), n -> { });
        for (QuantConfig q : new QuantConfig[]{QuantConfig.defaults(), QuantConfig.defaults().withWeightBits(4).withCoefficientBits(9),
                QuantConfig.defaults().withWeightBits(16).withCoefficientBits(24)}) {
            QuantizedModel qm = Quantizer.quantize(m, r, q);
            Parameters fake = FakeQuantization.apply(SMALL, m.parameters(), q);
            assertEqualsAsFloat(fake.get(ParameterNames.ENCODER_WEIGHT), Dequantized.weights(qm.blocks().get(0).input()));
            assertEqualsAsFloat(fake.get(ParameterNames.mixWeight(0)), Dequantized.weights(qm.blocks().get(1).input()));
            assertEqualsAsFloat(fake.get(ParameterNames.mixWeight(1)), Dequantized.weights(qm.outputLinear()));
            assertEqualsAsFloat(fake.get(ParameterNames.DECODER_WEIGHT), Dequantized.weights(qm.decoder()));
            for (int l = 0; l < SMALL.nLayers(); l++) {
                S4DCoefficients back = Dequantized.s4d(qm.blocks().get(l));
                float[] c = fake.get(ParameterNames.c(l)).data();
                for (int i = 0; i < back.cRe().length; i++) {
                    assertThat(c[2 * i]).isEqualTo((float) back.cRe()[i]);
                    assertThat(c[2 * i + 1]).isEqualTo((float) back.cIm()[i]);
                    // The dequantised value is exact in float: nothing was lost in the cast.
                    assertThat((double) c[2 * i]).isEqualTo(back.cRe()[i]);
                }
                assertEqualsAsFloat(fake.get(ParameterNames.d(l)), back.d());
            }
        }
    }

    private static void assertEqualsAsFloat(Tensor fake, double[] dequantised) {
        float[] v = fake.data();
        assertThat(v).hasSameSizeAs(dequantised);
        for (int i = 0; i < v.length; i++) assertThat((double) v[i]).isEqualTo(dequantised[i]);
    }

    @Test
    void straightThroughGradientIsTheInnerGradientAtTheQuantisedPoint() {
        S4DModel m = QuantTestModels.random(SMALL, 7);
        QuantConfig q = QuantConfig.defaults().withWeightBits(3);
        GradientSource inner = new MeanPoolLinearGradients(SMALL, 0.1);
        float[][] seqs = QuantTestModels.sequences(5, 20, 2, 7);
        int[] labels = {0, 1, 2, 1, 0};

        Parameters ste = zeros(m.parameters());
        GradientSource.BatchStats viaQaft = new QaftGradients(inner, SMALL, q).compute(m.parameters(), ste, seqs, labels, 99);
        Parameters direct = zeros(m.parameters());
        GradientSource.BatchStats atQuantised = inner.compute(FakeQuantization.apply(SMALL, m.parameters(), q), direct, seqs, labels, 99);
        assertThat(viaQaft).isEqualTo(atQuantised);
        assertSameBits(ste, direct);

        // The point really moved: at the float parameters the loss and gradient differ.
        Parameters atFloat = zeros(m.parameters());
        GradientSource.BatchStats plain = inner.compute(m.parameters(), atFloat, seqs, labels, 99);
        assertThat(plain.loss()).isNotEqualTo(viaQaft.loss());
        assertThat(atFloat.get(ParameterNames.DECODER_WEIGHT).data()).isNotEqualTo(ste.get(ParameterNames.DECODER_WEIGHT).data());
        assertSameBits(m.parameters(), QuantTestModels.random(SMALL, 7).parameters());
    }

    private static Parameters zeros(Parameters like) {
        Map<String, Tensor> z = new LinkedHashMap<>();
        like.asMap().forEach((name, t) -> z.put(name, Tensor.zeros(t.shape())));
        return new Parameters(z);
    }

    @Test
    void rejectsTheReferenceFlavour() {
        S4DModel ref = QuantTestModels.randomReference();
        assertThatThrownBy(() -> FakeQuantization.apply(ref.config(), ref.parameters(), QuantConfig.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("quantisation-aware fine-tuning", "loihi-flavour", "reference");
        assertThatThrownBy(() -> new QaftGradients(new MeanPoolLinearGradients(ref.config(), 0), ref.config(), QuantConfig.defaults()))
                .hasMessageContaining("loihi-flavour");
        assertThatThrownBy(() -> new QaftGradients(null, SMALL, QuantConfig.defaults())).hasMessageContaining("inner gradient source");
    }
}
