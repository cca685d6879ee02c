package dev.s4d.train.grad;

import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training throughput of {@link FloatGradients#compute} (forward and backward of a batch), run by hand,
 * not a test. From the project root:
 * <pre>
 *   ./mvnw -o -q -pl core,train install -DskipTests && ./mvnw -o -q -pl core,train test-compile
 *   ./mvnw -o -q -pl train dependency:build-classpath -Dmdep.outputFile=target/speed.classpath
 *   java --add-modules jdk.incubator.vector \
 *        -cp "core/target/classes:$(cat train/target/speed.classpath):train/target/classes:train/target/test-classes" \
 *        dev.s4d.train.grad.GradientSpeed [threads [smnist|scifar|scifar-loihi]]   (scifar-loihi: without and with batch norms)
 * </pre>
 * ({@code core/target/classes} first: the local repository's core jar may be another checkout's.) The
 * two models are REFERENCE.md §4's, where PyTorch trains 61 and 17 samples/s on this machine; batch 32,
 * dropout 0.1 as in the recipe. Each figure is the best of several timed rounds after a warm-up long
 * enough for C2 to compile the vector kernels.
 */
public final class GradientSpeed {
    private GradientSpeed() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        String only = args.length > 1 ? args[1] : "";
        System.out.printf(Locale.ROOT, "threads %d, kernels %s%n", threads, dev.s4d.kernel.Kernels.best().name());
        if (!only.equals("scifar")) {
            run("sMNIST  H=64  N=64 4 layers L=784  d_input 1", ModelConfig.reference(1, 64, 64, 4, 10), 784, threads);
        }
        if (!only.equals("smnist") && !only.equals("scifar-loihi")) {
            run("sCIFAR  H=128 N=64 4 layers L=1024 d_input 3", ModelConfig.reference(3, 128, 64, 4, 10), 1024, threads);
        }
        if (only.equals("scifar-loihi")) {
            // The shipped sCIFAR model's shape (docs/RESULTS.md), for profiling its training run, plain and batch-normalised.
            run("sCIFAR loihi H=192 N=64 4 layers L=1024 d_input 3",
                    ModelConfig.loihi(3, 192, 64, 4, 10), 1024, threads);
            run("sCIFAR loihi H=192 N=64 4 layers L=1024 d_input 3, batch norms",
                    ModelConfig.loihi(3, 192, 64, 4, 10), 1024, threads, true);
        }
    }

    private static void run(String label, ModelConfig config, int length, int threads) {
        run(label, config, length, threads, false);
    }

    private static void run(String label, ModelConfig config, int length, int threads, boolean batchNorm) {
        int batch = 32;
        S4DModel model = ModelInitializer.initialise(config, InitOptions.defaults(1));
        Parameters params = batchNorm ? BatchNorms.initial(model) : model.parameters();
        Parameters grads = GradientFixtures.zeros(config, batchNorm);
        SplittableRandom rng = new SplittableRandom(2);
        float[][] x = new float[batch][length * config.dInput()];
        for (float[] row : x) {
            for (int i = 0; i < row.length; i++) row[i] = (float) rng.nextGaussian();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.nextInt(config.nClasses());
        FloatGradients source = new FloatGradients(config, 0.1, LabelSmoothing.NONE, null, batchNorm, threads, dev.s4d.kernel.Kernels.best());

        long warmEnd = System.nanoTime() + 15_000_000_000L;
        int step = 0;
        while (System.nanoTime() < warmEnd) source.compute(params, grads, x, labels, step++);
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long start = System.nanoTime();
            int calls = 3;
            for (int i = 0; i < calls; i++) source.compute(params, grads, x, labels, step++);
            best = Math.min(best, (System.nanoTime() - start) / 1e9 / calls);
        }
        System.out.printf(Locale.ROOT, "%s: %.1f samples/s (%.0f ms per batch of %d)%n", label, batch / best, best * 1e3, batch);
    }
}
