package dev.s4d.engine;

import dev.s4d.bench.SteadyTime;
import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import java.util.Locale;
import org.jtransforms.fft.FloatFFT_1D;

/**
 * A by-hand speed check of the conv engine's convolutions (not a test): the lane FFT against the
 * JTransforms path on one sample per layer, then the whole engine on a batch, both engines with the
 * same tokenwise kernels ({@code Kernels.best()}). After
 * {@code ./mvnw -q -o -pl core test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt}:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes:$(cat core/cp.txt) \
 *        dev.s4d.engine.ConvolutionSpeed [length] [batch]
 * </pre>
 * Figures are the best of several rounds after a warm-up that waits for C2 (the Vector API is very
 * slow until then); compare ratios within one run.
 */
public final class ConvolutionSpeed {
    private ConvolutionSpeed() {
    }

    private static volatile float sink;

    private static double measure(Runnable op) {
        return SteadyTime.bestNanos(op, 100_000_000L, 20_000_000_000L);
    }

    public static void main(String[] args) {
        int length = args.length > 0 ? Integer.parseInt(args[0]) : 784;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        ModelConfig config = ModelConfig.reference(1, 64, 64, 4, 10);
        S4DModel model = TestModels.random(config, 1);
        int h = config.dModel();
        DiscreteLayer[] layers = new DiscreteLayer[config.nLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = Discretizer.discretize(model, i);
        float[] z = TestModels.sequence(length, h, 2);
        float[] y = new float[length * h];

        LaneConvolution lanes = new LaneConvolution(layers, length);
        LaneConvolution.Workspace work = lanes.workspace(null);
        SpectralKernels spectral = new SpectralKernels(layers, length);
        FloatFFT_1D fft = new FloatFFT_1D(spectral.fftSize());
        float[] buffer = new float[spectral.fftSize()];
        System.out.printf(Locale.ROOT, "L=%d, H=%d, %d layers, batch %d, kernels %s, %d threads%n",
                length, h, layers.length, batch, Kernels.best().name(), Runtime.getRuntime().availableProcessors());

        double laneNs = measure(() -> {
            for (int i = 0; i < layers.length; i++) lanes.convolve(i, z, y, work);
            sink += y[0];
        }) / layers.length;
        double jtNs = measure(() -> {
            for (int i = 0; i < layers.length; i++) spectral.convolve(i, z, y, h, fft, buffer);
            sink += y[0];
        }) / layers.length;
        System.out.printf(Locale.ROOT, "one layer, one sample: lane FFT (n=%d) %.1f µs, JTransforms (n=%d) %.1f µs, ratio %.1f%n",
                lanes.fftSize(), laneNs / 1e3, spectral.fftSize(), jtNs / 1e3, jtNs / laneNs);

        float[][] sequences = new float[batch][];
        for (int b = 0; b < batch; b++) sequences[b] = TestModels.sequence(length, config.dInput(), 100 + b);
        int threads = Runtime.getRuntime().availableProcessors();
        ConvEngine before = ConvEngine.compile(model, Kernels.best(), threads, false);
        ConvEngine after = ConvEngine.compile(model, Kernels.best(), threads, true);
        double beforeNs = measure(() -> sink += before.logits(sequences)[0][0]);
        double afterNs = measure(() -> sink += after.logits(sequences)[0][0]);
        double tokens = (double) batch * length;
        System.out.printf(Locale.ROOT, "ConvEngine.logits, batch of %d: JTransforms %.1f ms (%.0f tokens/s), lane FFT %.1f ms (%.0f tokens/s)%n",
                batch, beforeNs / 1e6, tokens / beforeNs * 1e9, afterNs / 1e6, tokens / afterNs * 1e9);
    }
}
