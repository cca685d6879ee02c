package dev.s4d.engine;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.jtransforms.fft.FloatFFT_1D;
import org.jtransforms.utils.CommonUtils;

/**
 * Runs whole sequences at once ("sample by sample"): each S4D layer as a causal FFT convolution with
 * its kernel, a batch spread over worker threads one sample per task. Kernel spectra are computed on
 * first use of each sequence length and cached. With the vector kernels the convolutions run as
 * {@link LaneConvolution} (a Vector API FFT over many channels at once); with the scalar kernels as
 * {@link SpectralKernels} (JTransforms, one channel at a time), the reference it is tested against.
 *
 * <p>Thread-safe; one engine can serve concurrent callers.
 */
public final class ConvEngine {
    static {
        // We parallelise over samples; JTransforms' own threads would only contend with ours.
        CommonUtils.setThreadsBeginN_1D_FFT_2Threads(Long.MAX_VALUE);
        CommonUtils.setThreadsBeginN_1D_FFT_4Threads(Long.MAX_VALUE);
    }

    private final ModelConfig config;
    private final TokenwiseLayers tokenwise;
    private final DiscreteLayer[] layers;
    private final boolean laneFft;
    private final Map<Integer, SpectralKernels> spectralByLength = new ConcurrentHashMap<>();
    private final Map<Integer, LaneConvolution> lanesByLength = new ConcurrentHashMap<>();
    private final ForkJoinPool pool;

    private ConvEngine(S4DModel model, Kernels kernels, int threads, boolean laneFft) {
        this.laneFft = laneFft;
        this.config = model.config();
        this.tokenwise = new TokenwiseLayers(model, kernels);
        this.layers = new DiscreteLayer[config.nLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = Discretizer.discretize(model, i);
        this.pool = threads == ForkJoinPool.getCommonPoolParallelism() ? ForkJoinPool.commonPool() : new ForkJoinPool(threads);
    }

    /** Compiles with the fastest kernels, using all cores. */
    public static ConvEngine compile(S4DModel model) {
        return compile(model, Kernels.best(), Runtime.getRuntime().availableProcessors());
    }

    public static ConvEngine compile(S4DModel model, Kernels kernels, int threads) {
        return compile(model, kernels, threads, kernels != Kernels.scalar());
    }

    /** As {@link #compile(S4DModel, Kernels, int)} with the convolution chosen apart from the kernels, for tests and benchmarks. */
    static ConvEngine compile(S4DModel model, Kernels kernels, int threads, boolean laneFft) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        return new ConvEngine(model, kernels, threads, laneFft);
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Final logits for each sequence of a batch; all sequences must have the same length.
     *
     * @param sequences each {@code length × d_input} floats, token-major
     * @return batch × classes
     */
    public float[][] logits(float[][] sequences) {
        return logits(sequences, null);
    }

    /**
     * As {@link #logits(float[][])}, also counting into {@code activity} (if not null) how often each
     * channel's S4D output was positive.
     */
    public float[][] logits(float[][] sequences, ChannelActivity activity) {
        int length = lengthOf(sequences);
        if (activity != null && (activity.layers() != config.nLayers() || activity.channels() != config.dModel())) {
            throw new IllegalArgumentException("activity counts " + activity.layers() + " layers of " + activity.channels()
                    + " channels, the model has " + config.nLayers() + " of " + config.dModel());
        }
        float[][] out = new float[sequences.length][];
        forEachSample(sequences.length, i -> out[i] = run(sequences[i], length, false, activity)[0]);
        return out;
    }

    /** Logits after every token of one sequence: row t depends on tokens 0..t only. */
    public float[][] perTokenLogits(float[] sequence) {
        int length = lengthOf(new float[][]{sequence});
        return run(sequence, length, true, null);
    }

    private int lengthOf(float[][] sequences) {
        if (sequences.length == 0) throw new IllegalArgumentException("empty batch");
        int d = config.dInput();
        int len = sequences[0].length;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i].length != len) {
                throw new IllegalArgumentException("sequence " + i + " has " + sequences[i].length
                        + " values but sequence 0 has " + len + "; a batch needs equal lengths");
            }
        }
        if (len == 0 || len % d != 0) {
            throw new IllegalArgumentException("a sequence must hold a positive multiple of d_input=" + d + " values, got " + len);
        }
        return len / d;
    }

    private interface SampleTask {
        void run(int index);
    }

    private void forEachSample(int count, SampleTask task) {
        if (count == 1) {
            task.run(0);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(count, pool.getParallelism());
        Workers.runAll(pool, workers, w -> {
            for (int i; (i = next.getAndIncrement()) < count; ) task.run(i);
        }, "running the batch");
    }

    /** Per-thread buffers, grown on demand, so a batch allocates nothing per sample. */
    private static final class Workspace {
        float[] x = new float[0];
        float[] z = new float[0];
        float[] y = new float[0];
        float[] scratch = new float[0];
        float[] fftBuffer = new float[0];
        FloatFFT_1D fft;
        int fftSize;
        LaneConvolution.Workspace lanes;

        void ensure(int tokens, int width, int scratchWidth) {
            if (x.length < tokens * width) {
                x = new float[tokens * width];
                z = new float[tokens * width];
                y = new float[tokens * width];
            }
            if (scratch.length < tokens * scratchWidth) scratch = new float[tokens * scratchWidth];
        }

        void ensureFft(int n) {
            if (fftSize != n) {
                fft = new FloatFFT_1D(n);
                fftBuffer = new float[n];
                fftSize = n;
            }
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** One S4D layer along time: y = K ∗ z + D·z, both length × H. */
    private interface Mixing {
        void convolve(int layer, float[] z, float[] y);
    }

    /** The convolution for this length (precomputed on first use) bound to this thread's buffers. */
    private Mixing mixing(int length, Workspace ws) {
        if (laneFft) {
            LaneConvolution lanes = lanesByLength.computeIfAbsent(length, l -> new LaneConvolution(layers, l));
            LaneConvolution.Workspace work = ws.lanes = lanes.workspace(ws.lanes);
            return (i, z, y) -> lanes.convolve(i, z, y, work);
        }
        SpectralKernels spectral = spectralByLength.computeIfAbsent(length, l -> new SpectralKernels(layers, l));
        ws.ensureFft(spectral.fftSize());
        int h = config.dModel();
        return (i, z, y) -> spectral.convolve(i, z, y, h, ws.fft, ws.fftBuffer);
    }

    private float[][] run(float[] sequence, int length, boolean perToken, ChannelActivity activity) {
        int h = config.dModel();
        Workspace ws = WORKSPACE.get();
        ws.ensure(length, h, tokenwise.scratchPerRow());
        Mixing mixing = mixing(length, ws);
        long[][] positive = activity == null ? null : new long[layers.length][h];
        tokenwise.encode(sequence, 0, length, ws.x);
        for (int i = 0; i < layers.length; i++) {
            tokenwise.beforeMixing(i, ws.x, ws.z, length);
            mixing.convolve(i, ws.z, ws.y);
            if (positive != null) ChannelActivity.countPositive(ws.y, length, h, positive[i]);
            tokenwise.afterMixing(i, ws.y, ws.x, length, ws.scratch);
        }
        if (activity != null) activity.add(positive, length);
        return perToken ? readoutEveryToken(ws.x, length, ws.z) : new float[][]{readoutLast(ws.x, length)};
    }

    private float[] readoutLast(float[] x, int length) {
        int h = config.dModel();
        float[] pooled = new float[h];
        if (config.readout() == Readout.MEAN) {
            double[] sum = new double[h];
            for (int t = 0; t < length; t++) {
                for (int j = 0; j < h; j++) sum[j] += x[t * h + j];
            }
            for (int j = 0; j < h; j++) pooled[j] = (float) (sum[j] / length);
        } else {
            System.arraycopy(x, (length - 1) * h, pooled, 0, h);
        }
        float[] logits = new float[config.nClasses()];
        tokenwise.decode(pooled, 1, logits, 0);
        return logits;
    }

    private float[][] readoutEveryToken(float[] x, int length, float[] pooled) {
        int h = config.dModel();
        if (config.readout() == Readout.MEAN) {
            double[] sum = new double[h];
            for (int t = 0; t < length; t++) {
                for (int j = 0; j < h; j++) {
                    sum[j] += x[t * h + j];
                    pooled[t * h + j] = (float) (sum[j] / (t + 1));
                }
            }
        } else {
            System.arraycopy(x, 0, pooled, 0, length * h);
        }
        int classes = config.nClasses();
        float[] flat = new float[length * classes];
        tokenwise.decode(pooled, length, flat, 0);
        float[][] out = new float[length][];
        for (int t = 0; t < length; t++) out[t] = java.util.Arrays.copyOfRange(flat, t * classes, (t + 1) * classes);
        return out;
    }
}
