package dev.s4d.engine;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import java.util.concurrent.ForkJoinPool;

/**
 * Runs a model token by token: each S4D layer as the diagonal recurrence s ← Ā⊙s + u,
 * y = 2·Re(C̃·s) + D·u, with one state per stream. Compile once, then {@link #open} as many
 * independent {@link Streams} as needed; the engine itself holds no stream state and is thread-safe.
 */
public final class RecurrentEngine {
    final ModelConfig config;
    final TokenwiseLayers tokenwise;
    /** Per layer, [mode][channel] float coefficients for the recurrent kernel. */
    final float[][] aRe;
    final float[][] aIm;
    final float[][] cRe;
    final float[][] cIm;
    final float[][] d;
    final long fingerprint;
    final ForkJoinPool pool;
    final int threads;

    private RecurrentEngine(S4DModel model, Kernels kernels, int threads) {
        this.config = model.config();
        this.tokenwise = new TokenwiseLayers(model, kernels);
        int n = config.nLayers();
        int h = config.dModel();
        int m = config.modes();
        aRe = new float[n][];
        aIm = new float[n][];
        cRe = new float[n][];
        cIm = new float[n][];
        d = new float[n][];
        for (int i = 0; i < n; i++) {
            DiscreteLayer layer = Discretizer.discretize(model, i);
            aRe[i] = DiscreteLayer.modeMajor(layer.aRe(), h, m);
            aIm[i] = DiscreteLayer.modeMajor(layer.aIm(), h, m);
            cRe[i] = DiscreteLayer.modeMajor(layer.cRe(), h, m);
            cIm[i] = DiscreteLayer.modeMajor(layer.cIm(), h, m);
            d[i] = new float[h];
            for (int ch = 0; ch < h; ch++) d[i][ch] = (float) layer.d()[ch];
        }
        this.fingerprint = fingerprint(model);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    /** Compiles with the fastest kernels, stepping large stream sets on all cores. */
    public static RecurrentEngine compile(S4DModel model) {
        return compile(model, Kernels.best(), Runtime.getRuntime().availableProcessors());
    }

    public static RecurrentEngine compile(S4DModel model, Kernels kernels, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        return new RecurrentEngine(model, kernels, threads);
    }

    public ModelConfig config() {
        return config;
    }

    /** Opens {@code count} independent streams, all starting from the zero state. */
    public Streams open(int count) {
        if (count < 1) throw new IllegalArgumentException("need at least one stream, got " + count);
        return new Streams(this, count);
    }

    /** Bytes of state one stream holds: H × N/2 complex floats per layer plus the pooling sum. */
    public long stateBytesPerStream() {
        return (long) config.nLayers() * config.dModel() * config.modes() * 2 * Float.BYTES
                + (long) config.dModel() * Double.BYTES;
    }

    /**
     * Identifies the model's exact parameters, so a state snapshot is never restored into another model.
     * Built from the config's text, not its hashCode(): enum hash codes change from one JVM run to the
     * next, and a snapshot must restore in a later run.
     */
    private static long fingerprint(S4DModel model) {
        long h = model.config().toString().hashCode();
        for (var e : model.parameters().asMap().entrySet()) {
            h = 31 * h + e.getKey().hashCode();
            Tensor t = e.getValue();
            for (float v : t.data()) h = h * 1_000_003L + Float.floatToIntBits(v);
        }
        return h;
    }
}
