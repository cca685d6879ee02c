package dev.s4d.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import dev.s4d.reference.ReferenceModel;
import dev.s4d.reference.ReferenceModel.Mode;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jtransforms.fft.FloatFFT_1D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Vector API convolution against a direct O(L²) convolution in double and against the JTransforms
 * path, over lengths that hit every pass layout (n = 4 … 8192, odd and even log2 n) and channel counts
 * that leave partial and missing lane blocks.
 */
class LaneConvolutionTest {

    static Stream<Arguments> shapes() {
        return IntStream.of(1, 2, 3, 17, 100, 784, 1000, 1024, 4096).boxed()
                .flatMap(l -> IntStream.of(1, 5, 16, 17, 64, 100).mapToObj(h -> Arguments.of(l, h)));
    }

    /**
     * A layer with random modes: |Ā| up to 0.9999 so kernels still matter thousands of steps back, random
     * phases so they oscillate, and a random skip D.
     */
    static DiscreteLayer randomLayer(int channels, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int modes = 6;
        double[] aRe = new double[channels * modes];
        double[] aIm = new double[channels * modes];
        double[] cRe = new double[channels * modes];
        double[] cIm = new double[channels * modes];
        double[] d = new double[channels];
        for (int i = 0; i < aRe.length; i++) {
            double radius = 1 - Math.pow(10, -1 - 3 * rng.nextDouble());
            double angle = Math.PI * rng.nextDouble();
            aRe[i] = radius * Math.cos(angle);
            aIm[i] = radius * Math.sin(angle);
            cRe[i] = rng.nextGaussian() * 0.1;
            cIm[i] = rng.nextGaussian() * 0.1;
        }
        for (int ch = 0; ch < channels; ch++) d[ch] = rng.nextGaussian();
        // B̄ = 1: the convolution reads only the folded C̃.
        double[] bRe = new double[channels * modes];
        Arrays.fill(bRe, 1.0);
        return new DiscreteLayer(channels, modes, aRe, aIm, bRe, new double[channels * modes], cRe, cIm, d);
    }

    static float[] randomInput(int length, int channels, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] z = new float[length * channels];
        for (int i = 0; i < z.length; i++) z[i] = (float) rng.nextGaussian();
        return z;
    }

    /** y[t][h] = Σ_{s≤t} K[h][t−s]·z[s][h] + D[h]·z[t][h] in double, term by term. */
    static double[] direct(DiscreteLayer layer, float[] z, int length) {
        int h = layer.channels();
        double[] k = layer.kernel(length);
        double[] y = new double[length * h];
        for (int ch = 0; ch < h; ch++) {
            for (int t = 0; t < length; t++) {
                double acc = layer.d()[ch] * z[t * h + ch];
                for (int s = 0; s <= t; s++) acc += k[ch * length + t - s] * z[s * h + ch];
                y[t * h + ch] = acc;
            }
        }
        return y;
    }

    /** Max |a − b| over max |b|. */
    static double relativeError(float[] a, double[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < b.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** Runs the lane convolution with NaN-filled work arrays and NaN past the input, which must not leak in. */
    static float[] lanes(LaneConvolution conv, int layer, float[] z, int length, int channels) {
        float[] padded = Arrays.copyOf(z, z.length + 3 * channels + 7);
        Arrays.fill(padded, z.length, padded.length, Float.NaN);
        LaneConvolution.Workspace ws = conv.workspace(null);
        Arrays.fill(ws.re, Float.NaN);
        Arrays.fill(ws.im, Float.NaN);
        float[] y = new float[length * channels];
        conv.convolve(layer, padded, y, ws);
        return y;
    }

    @ParameterizedTest(name = "L={0}, H={1}")
    @MethodSource("shapes")
    void matchesTheDirectConvolutionInDouble(int length, int channels) {
        DiscreteLayer[] layers = {randomLayer(channels, 1), randomLayer(channels, 2)};
        LaneConvolution conv = new LaneConvolution(layers, length);
        for (int layer = 0; layer < layers.length; layer++) {
            float[] z = randomInput(length, channels, 10 + layer);
            double[] exact = direct(layers[layer], z, length);
            assertThat(relativeError(lanes(conv, layer, z, length, channels), exact)).as("layer %d", layer).isLessThan(1e-5);
        }
    }

    @ParameterizedTest(name = "L={0}, H={1}")
    @MethodSource("shapes")
    void matchesTheJTransformsPath(int length, int channels) {
        DiscreteLayer[] layers = {randomLayer(channels, 3)};
        float[] z = randomInput(length, channels, 20);
        SpectralKernels spectral = new SpectralKernels(layers, length);
        float[] reference = new float[length * channels];
        spectral.convolve(0, z, reference, channels, new FloatFFT_1D(spectral.fftSize()), new float[spectral.fftSize()]);
        float[] y = lanes(new LaneConvolution(layers, length), 0, z, length, channels);
        assertThat(relativeError(y, toDouble(reference))).isLessThan(1e-5);
    }

    @Test
    void fftSizesArePowersOfTwoAtLeastTwiceTheLength() {
        assertThat(LaneTransform.sizeFor(1)).isEqualTo(4);
        assertThat(LaneTransform.sizeFor(2)).isEqualTo(4);
        assertThat(LaneTransform.sizeFor(3)).isEqualTo(8);
        assertThat(LaneTransform.sizeFor(784)).isEqualTo(2048);
        assertThat(LaneTransform.sizeFor(1024)).isEqualTo(2048);
        assertThat(LaneTransform.sizeFor(4097)).isEqualTo(16384);
    }

    @Test
    void engineWithLaneConvolutionsMatchesTheJTransformsEngineAndTheDoubleReference() {
        ModelConfig config = ModelConfig.reference(1, 20, 8, 3, 10);
        int length = 500;
        S4DModel model = TestModels.random(config, length);
        float[][] batch = {TestModels.sequence(length, 1, 6), TestModels.sequence(length, 1, 7), TestModels.sequence(length, 1, 8)};
        float[][] lanes = ConvEngine.compile(model, Kernels.scalar(), 2, true).logits(batch);
        float[][] jtransforms = ConvEngine.compile(model, Kernels.scalar(), 2, false).logits(batch);
        ReferenceModel ref = new ReferenceModel(model);
        for (int b = 0; b < batch.length; b++) {
            assertThat(EngineEquivalenceTest.relativeError(toDouble(lanes[b]), toDouble(jtransforms[b]))).isLessThan(1e-5);
            assertThat(EngineEquivalenceTest.relativeError(toDouble(lanes[b]), ref.logits(batch[b], length, Mode.RECURRENCE))).isLessThan(1e-4);
        }
        float[][] perToken = ConvEngine.compile(model, Kernels.scalar(), 1, true).perTokenLogits(batch[0]);
        double[][] exact = ref.perTokenLogits(batch[0], length, Mode.RECURRENCE);
        for (int t = 0; t < length; t += 83) {
            assertThat(EngineEquivalenceTest.relativeError(toDouble(perToken[t]), exact[t])).as("token %d", t).isLessThan(1e-4);
        }
    }
}
