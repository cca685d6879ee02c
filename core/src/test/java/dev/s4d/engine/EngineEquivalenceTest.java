package dev.s4d.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.reference.ReferenceModel;
import dev.s4d.reference.ReferenceModel.Mode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The convolutional and recurrent forms of one model give the same answers, in double and in float. */
public class EngineEquivalenceTest {

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("reference post-norm", ModelConfig.reference(1, 8, 8, 2, 10), 64),
                Arguments.of("reference pre-norm", ModelConfig.reference(3, 12, 16, 2, 5).withPrenorm(true), 333),
                Arguments.of("reference bilinear", ModelConfig.reference(2, 8, 8, 3, 4).withDiscretization(Discretization.BILINEAR), 200),
                Arguments.of("loihi mean", ModelConfig.loihi(1, 8, 8, 3, 10), 784),
                Arguments.of("loihi last", ModelConfig.loihi(3, 6, 4, 2, 7).withReadout(Readout.LAST), 1000),
                Arguments.of("reference long", ModelConfig.reference(1, 4, 8, 2, 3), 4096),
                Arguments.of("loihi long", ModelConfig.loihi(2, 4, 8, 2, 3), 4096));
    }

    /** Max |a − b| over max |b|: the relative error of a whole logit vector. */
    public static double relativeError(double[] a, double[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / Math.max(scale, 1e-30);
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    @ParameterizedTest(name = "{0}, L={2}")
    @MethodSource("models")
    void doublePrecisionConvolutionAndRecurrenceAgreeTo1e9(String name, ModelConfig config, int length) {
        S4DModel model = TestModels.random(config, length);
        float[] seq = TestModels.sequence(length, config.dInput(), 1);
        ReferenceModel ref = new ReferenceModel(model);
        double[][] conv = ref.perTokenLogits(seq, length, Mode.CONVOLUTION);
        double[][] rec = ref.perTokenLogits(seq, length, Mode.RECURRENCE);
        for (int t : new int[]{0, length / 2, length - 1}) {
            assertThat(relativeError(conv[t], rec[t])).as("token %d", t).isLessThan(1e-9);
        }
    }

    @ParameterizedTest(name = "{0}, L={2}")
    @MethodSource("models")
    void floatEnginesAgreeWithEachOtherAndWithDouble(String name, ModelConfig config, int length) {
        S4DModel model = TestModels.random(config, length);
        float[][] batch = {TestModels.sequence(length, config.dInput(), 2), TestModels.sequence(length, config.dInput(), 3)};
        float[][] conv = ConvEngine.compile(model).logits(batch);
        float[][] rec = runRecurrent(RecurrentEngine.compile(model), batch, length);
        ReferenceModel ref = new ReferenceModel(model);
        for (int b = 0; b < batch.length; b++) {
            double[] exact = ref.logits(batch[b], length, Mode.RECURRENCE);
            assertThat(relativeError(toDouble(conv[b]), toDouble(rec[b]))).as("conv vs recurrent, sample %d", b).isLessThan(1e-4);
            assertThat(relativeError(toDouble(conv[b]), exact)).as("conv vs double, sample %d", b).isLessThan(1e-4);
            assertThat(relativeError(toDouble(rec[b]), exact)).as("recurrent vs double, sample %d", b).isLessThan(1e-4);
        }
    }

    @ParameterizedTest(name = "{0}, L={2}")
    @MethodSource("models")
    void perTokenOutputsOfBothEnginesMatchTheDoubleReference(String name, ModelConfig config, int length) {
        S4DModel model = TestModels.random(config, length);
        float[] seq = TestModels.sequence(length, config.dInput(), 4);
        float[][] conv = ConvEngine.compile(model).perTokenLogits(seq);
        double[][] exact = new ReferenceModel(model).perTokenLogits(seq, length, Mode.RECURRENCE);
        try (Streams s = RecurrentEngine.compile(model).open(1)) {
            for (int t = 0; t < length; t++) {
                float[] token = java.util.Arrays.copyOfRange(seq, t * config.dInput(), (t + 1) * config.dInput());
                float[] logits = s.step(0, token);
                if (t % 97 == 0 || t == length - 1) {
                    assertThat(relativeError(toDouble(logits), exact[t])).as("recurrent token %d", t).isLessThan(1e-4);
                    assertThat(relativeError(toDouble(conv[t]), exact[t])).as("conv token %d", t).isLessThan(1e-4);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}, L={2}")
    @MethodSource("models")
    void scalarAndBestKernelsGiveTheSameEngineResults(String name, ModelConfig config, int length) {
        S4DModel model = TestModels.random(config, length);
        float[][] batch = {TestModels.sequence(length, config.dInput(), 5)};
        float[] best = ConvEngine.compile(model, Kernels.best(), 1).logits(batch)[0];
        float[] scalar = ConvEngine.compile(model, Kernels.scalar(), 1).logits(batch)[0];
        assertThat(relativeError(toDouble(best), toDouble(scalar))).isLessThan(1e-5);
        float[] bestRec = runRecurrent(RecurrentEngine.compile(model, Kernels.best(), 2), batch, length)[0];
        float[] scalarRec = runRecurrent(RecurrentEngine.compile(model, Kernels.scalar(), 1), batch, length)[0];
        assertThat(relativeError(toDouble(bestRec), toDouble(scalarRec))).isLessThan(1e-5);
    }

    /** Steps every sequence of the batch as its own stream, all streams together. */
    public static float[][] runRecurrent(RecurrentEngine engine, float[][] batch, int length) {
        int d = engine.config().dInput();
        int classes = engine.config().nClasses();
        float[] tokens = new float[batch.length * d];
        float[] logits = new float[batch.length * classes];
        try (Streams s = engine.open(batch.length)) {
            for (int t = 0; t < length; t++) {
                for (int b = 0; b < batch.length; b++) System.arraycopy(batch[b], t * d, tokens, b * d, d);
                s.stepAll(tokens, logits);
            }
        }
        float[][] out = new float[batch.length][];
        for (int b = 0; b < batch.length; b++) out[b] = java.util.Arrays.copyOfRange(logits, b * classes, (b + 1) * classes);
        return out;
    }

}
