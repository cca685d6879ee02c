package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.Rounding;
import dev.s4d.model.Readout;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Vector API loops give exactly the scalar loops' integers, counters included, for every rounding
 * and overflow mode. The shapes leave scalar tails everywhere: 10 channels × 11 modes (110 mode
 * neurons, 11 modes per fan-in), 9 classes, 3 inputs. Narrow widths and large inputs make several
 * sites saturate or wrap. Each mode runs at narrow widths, where the S4D update takes 64-bit lanes,
 * and at the default widths, where it takes split products in int lanes
 * ({@link VectorLoops#splitProductsFit}); there the inputs are scaled up until the S4D states
 * saturate too.
 */
class VectorLoopsTest {
    private static final int TOKENS = 60;

    static Stream<Arguments> modes() {
        return Stream.of(Rounding.values()).flatMap(r -> Stream.of(Overflow.values()).flatMap(o -> Stream.of(false, true).flatMap(
                wide -> Stream.of(Arguments.of(r, o, false, wide), Arguments.of(r, o, true, wide)))));
    }

    @ParameterizedTest(name = "{0}, {1}, sigma-delta {2}, default widths {3}")
    @MethodSource("modes")
    void vectorLoopsEqualScalarLoops(Rounding rounding, Overflow overflow, boolean sigmaDelta, boolean defaultWidths) {
        assumeTrue(FixedPointEngine.vectorLoopsAvailable(), "the Vector API is not available in this JVM");
        QuantConfig d = QuantConfig.defaults();
        QuantConfig widths = defaultWidths
                ? new QuantConfig(d.weightBits(), d.coefficientBits(), d.stateBits(), d.spikeBits(), d.accumulatorBits(), rounding, overflow, 1, 256)
                : new QuantConfig(8, 12, 14, 12, 14, rounding, overflow, 1, 256);
        QuantizedModel model = TestModels.random(5, 3, 10, 11, 2, 9, Readout.MEAN, widths);
        ChipOptions options = new ChipOptions(sigmaDelta, sigmaDelta ? 0.02 : 0, 1);
        FixedPointEngine vectorEngine = FixedPointEngine.compile(model, options, true);
        assertThat(vectorEngine.splitProducts()).as("split products at the default widths only").isEqualTo(defaultWidths);
        float[] input = TestModels.sequence(TOKENS, 3, 23);
        for (int i = 0; i < input.length; i++) input[i] *= (1 + (i % 7) * 3) * (defaultWidths ? 40 : 1);
        try (ChipStreams vector = vectorEngine.open(2);
             ChipStreams scalar = FixedPointEngine.compile(model, options, false).open(2)) {
            float[] a = new float[2 * 9];
            float[] b = new float[2 * 9];
            for (int t = 0; t < TOKENS; t++) {
                float[] tokens = new float[6];
                System.arraycopy(input, 3 * t, tokens, 0, 3);
                System.arraycopy(input, 3 * (TOKENS - 1 - t), tokens, 3, 3);
                vector.stepAll(tokens, a);
                scalar.stepAll(tokens, b);
                assertThat(a).containsExactly(b);
            }
            for (int l = 0; l < 2; l++) {
                assertThat(vector.re[l]).containsExactly(scalar.re[l]);
                assertThat(vector.im[l]).containsExactly(scalar.im[l]);
            }
            assertThat(vector.z).containsExactly(scalar.z);
            for (int g = 0; g < vector.lastSent.length; g++) {
                if (vector.lastSent[g] != null) assertThat(vector.lastSent[g]).containsExactly(scalar.lastSent[g]);
            }
            ChipCounters v = vector.counters();
            ChipCounters s = scalar.counters();
            assertThat(v.saturationsBySite()).isEqualTo(s.saturationsBySite());
            assertThat(v.totalSaturations()).as("the widths are narrow enough to saturate").isPositive();
            assertThat(v.saturationsBySite().entrySet().stream().filter(e -> e.getKey().endsWith(".state")).mapToLong(java.util.Map.Entry::getValue).sum())
                    .as("S4D states saturate or wrap: " + v.saturationsBySite()).isPositive();
            int groups = v.topology().neuronGroups().size();
            for (int g = 0; g < groups; g++) assertThat(v.messages(g)).isEqualTo(s.messages(g));
            for (int g = 0; g < groups - 1; g++) assertThat(v.synops(g)).isEqualTo(s.synops(g));
            assertThat(v.messages(groups - 2)).as("messages reach the decoder").isPositive();
        }
    }
}
