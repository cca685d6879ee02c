package dev.s4d.train.grad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The FFT convolution of the training path against the direct convolution in double
 * ({@link DoubleLayers}): outputs, input gradients, and ∂loss/∂K and ∂loss/∂D summed over several
 * signals, for channel counts that fill whole vectors of lanes, leave groups partial, or use one lane,
 * and lengths from 1 up (FFT sizes with and without passes over the whole work memory), for both
 * implementations.
 */
class TrainingConvolutionTest {

    @ParameterizedTest
    @CsvSource({"40, 37", "32, 64", "64, 100", "1, 9", "3, 1", "17, 2", "128, 30", "40, 300", "33, 1024"})
    void matchesTheDirectConvolution(int channels, int length) {
        check(new SpectralConvolution(1, channels), "portable", channels, length);
        check(new LaneTrainingConvolution(1, channels), "lanes", channels, length);
    }

    private static void check(TrainingConvolution conv, String name, int channels, int length) {
        SplittableRandom rng = new SplittableRandom(channels * 1000L + length);
        double[] k = GradientFixtures.random(rng, channels * length, 0.3);
        float[] d = new float[channels];
        double[] dWide = new double[channels];
        for (int h = 0; h < channels; h++) dWide[h] = d[h] = (float) rng.nextGaussian();
        conv.resize(length);
        ConvolutionScratch scratch = new ConvolutionScratch();
        conv.prepare(scratch);
        for (int pair = 0; pair < conv.pairs(); pair++) conv.setKernels(0, pair, k, d, scratch);

        double[] dK = new double[k.length];
        double[] dD = new double[channels];
        float[] dKSpectra = new float[conv.gradientSize()];
        String what = name + " H=" + channels + " L=" + length;
        for (int signal = 0; signal < 3; signal++) {
            float[] z = floats(GradientFixtures.random(rng, length * channels, 1));
            float[] dy = floats(GradientFixtures.random(rng, length * channels, 1));
            float[] y = new float[z.length];
            float[] dz = new float[z.length];
            float[] zSpectra = new float[conv.spectrumSize()];
            conv.forward(0, z, y, zSpectra, scratch);
            conv.backward(0, zSpectra, dy, dz, dKSpectra, scratch);

            double[] yExpected = new double[z.length];
            DoubleLayers.causalConvolution(k, dWide, wide(z), length, channels, yExpected);
            double[] dzExpected = new double[z.length];
            DoubleLayers.causalConvolutionBackward(k, dWide, wide(z), wide(dy), length, channels, dzExpected, dK, dD);
            assertClose(y, yExpected, what + " y");
            assertClose(dz, dzExpected, what + " dz");
        }
        double[] actual = new double[k.length];
        for (int pair = 0; pair < conv.pairs(); pair++) conv.kernelGradient(new float[][]{dKSpectra}, pair, actual, scratch);
        double scale = 0;
        for (double v : dK) scale = Math.max(scale, Math.abs(v));
        for (int h = 0; h < channels; h++) {
            for (int l = 0; l < length; l++) {
                // K′ = K + D·δ: the lag-0 value is also ∂loss/∂D
                double expected = dK[h * length + l];
                assertThat(actual[h * length + l]).as(what + " dK[" + h + "][" + l + "]").isCloseTo(expected, within(1e-5 * scale));
            }
            assertThat(actual[h * length]).as(what + " dD[" + h + "]").isCloseTo(dD[h], within(1e-5 * scale));
        }
    }

    private static void assertClose(float[] actual, double[] expected, String what) {
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) assertThat((double) actual[i]).as(what + "[" + i + "]").isCloseTo(expected[i], within(1e-5 * scale));
    }

    private static float[] floats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    private static double[] wide(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
