package dev.s4d.loihi.quant;

import dev.s4d.data.Dataset;
import dev.s4d.engine.Workers;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * Runs a loihi-flavour float model in double precision through the chip's neuron graph
 * (docs/LOIHI_ARITHMETIC.md, "The neuron graph") and records the largest magnitude of every quantity
 * whose format the {@link Quantizer} chooses: input → dense encoder → u → S4D recurrence with B̄ at the
 * input ({@code x = Ā⊙x + B̄·u}; mode n of channel h sends {@code y_hn = 2·Re(C·x_hn)}, mode 0 adding
 * {@code D·u}) → relu of the summed {@code y_h} → mixing layer → … → out → decoder → mean or last-token
 * readout. Its logits are the float model's (the test holds them to {@code ReferenceModel}'s), so the
 * ranges are those of the real model, not of an approximation of it.
 *
 * <p>Samples are spread over worker threads; each keeps its own maxima and the maxima are combined at
 * the end, so the result does not depend on the thread count or scheduling.
 */
public final class Calibration {
    private final ModelConfig config;
    private final Dense encoder;
    private final Dense[] mix;
    private final Dense decoder;
    private final S4DCoefficients[] layers;
    private final int threads;

    private Calibration(S4DModel model, int threads) {
        this.config = model.config();
        requireLoihi(config, "calibration");
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.encoder = Dense.of(model, ParameterNames.ENCODER_WEIGHT, ParameterNames.ENCODER_BIAS);
        this.mix = new Dense[config.nLayers()];
        this.layers = new S4DCoefficients[config.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            mix[l] = Dense.of(model, ParameterNames.mixWeight(l), ParameterNames.mixBias(l));
            layers[l] = S4DCoefficients.of(model, l);
        }
        this.decoder = Dense.of(model, ParameterNames.DECODER_WEIGHT, ParameterNames.DECODER_BIAS);
    }

    /** Prepares calibration of {@code model} on all cores. */
    public static Calibration of(S4DModel model) {
        return of(model, Runtime.getRuntime().availableProcessors());
    }

    /** Prepares calibration of {@code model} (loihi flavour) on {@code threads} worker threads. */
    public static Calibration of(S4DModel model, int threads) {
        return new Calibration(model, threads);
    }

    /** Only the loihi flavour is the chip's graph: ReLU blocks without norm or residual. */
    static void requireLoihi(ModelConfig config, String what) {
        if (config.flavour() != BlockFlavour.LOIHI) {
            throw new IllegalArgumentException(what + " needs a loihi-flavour model (ReLU blocks without norm or residual, "
                    + "the graph the chip runs), got the " + config.flavour().id() + " flavour");
        }
    }

    /**
     * The ranges over {@code sequences}, each {@code T × d_input} floats, token-major (lengths may differ).
     *
     * @param samplesDone told the number of samples finished so far after each one (from a worker
     *                    thread, one call at a time, counts increasing), e.g. for a progress bar
     */
    public Ranges run(float[][] sequences, IntConsumer samplesDone) {
        if (sequences == null || sequences.length == 0) {
            throw new IllegalArgumentException("calibration needs at least one sequence, got none");
        }
        for (int i = 0; i < sequences.length; i++) checkLength(sequences[i], "calibration sequence " + i);
        return calibrate(sequences.length, i -> sequences[i], i -> "calibration sequence " + i, samplesDone);
    }

    /**
     * The ranges over {@code samples} sequences of {@code data} spread evenly over it (all of them if it
     * has fewer), so a dataset stored in class order still contributes every class.
     */
    public Ranges run(Dataset data, int samples, IntConsumer samplesDone) {
        if (samples < 1) throw new IllegalArgumentException("calibration needs at least one sample, got " + samples);
        if (data.size() == 0) throw new IllegalArgumentException("calibration needs at least one sequence, but " + data.name() + " is empty");
        if (data.dInput() != config.dInput()) {
            throw new IllegalArgumentException(data.name() + " has " + data.dInput() + " features per token but the model expects "
                    + config.dInput());
        }
        int n = Math.min(samples, data.size());
        IntUnaryOperator index = i -> (int) ((long) i * data.size() / n);
        return calibrate(n, i -> data.sequence(index.applyAsInt(i)),
                i -> "sample " + index.applyAsInt(i) + " of " + data.name(), samplesDone);
    }

    /** The logits of the double-precision pass over one sequence (what the recorded quantities lead to). */
    public double[] logits(float[] sequence) {
        checkLength(sequence, "sequence");
        return new Pass().forward(sequence, "sequence");
    }

    private void checkLength(float[] sequence, String what) {
        int d = config.dInput();
        if (sequence == null || sequence.length == 0 || sequence.length % d != 0) {
            throw new IllegalArgumentException(what + " must hold a positive multiple of d_input=" + d + " values, got "
                    + (sequence == null ? "null" : sequence.length));
        }
    }

    private Ranges calibrate(int count, IntFunction<float[]> sample, IntFunction<String> name, IntConsumer samplesDone) {
        Objects.requireNonNull(samplesDone, "samplesDone (pass i -> {} for no progress reports)");
        int workers = Math.min(threads, count);
        Maxima[] partial = new Maxima[workers];
        AtomicInteger next = new AtomicInteger();
        Object progressLock = new Object();
        int[] done = {0};
        IntConsumer job = w -> {
            Pass pass = new Pass();
            try {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    pass.forward(sample.apply(i), name.apply(i));
                    synchronized (progressLock) {
                        samplesDone.accept(++done[0]);
                    }
                }
            } catch (RuntimeException e) {
                next.set(count); // the other workers stop after their current sample
                throw e;
            }
            partial[w] = pass.maxima;
        };
        if (workers == 1) {
            job.accept(0);
        } else {
            try (ForkJoinPool pool = new ForkJoinPool(workers)) {
                Workers.runAll(pool, workers, job, "calibrating");
            }
        }
        Maxima all = new Maxima(layers.length);
        for (Maxima m : partial) all.merge(m);
        return all.toRanges();
    }

    /** A dense layer in double, {@code out = W·x + b}, summed in the order of {@code ReferenceModel}. */
    private record Dense(int outputs, int inputs, double[] w, double[] b) {
        static Dense of(S4DModel model, String weight, String bias) {
            float[] w = model.get(weight).data();
            float[] b = model.get(bias).data();
            double[] wd = new double[w.length];
            double[] bd = new double[b.length];
            for (int i = 0; i < w.length; i++) wd[i] = w[i];
            for (int i = 0; i < b.length; i++) bd[i] = b[i];
            return new Dense(b.length, w.length / b.length, wd, bd);
        }

        /** Writes the accumulators into {@code out} and returns their largest magnitude. */
        double apply(double[] x, double[] out) {
            double max = 0;
            for (int o = 0; o < outputs; o++) {
                double acc = b[o];
                for (int i = 0; i < inputs; i++) acc += x[i] * w[o * inputs + i];
                out[o] = acc;
                max = Math.max(max, Math.abs(acc));
            }
            return max;
        }
    }

    /** Running maxima of one worker. */
    private static final class Maxima {
        int samples;
        double input;
        final double[] u;
        final double[] state;
        final double[] modeOutput;
        final double[] reluAccumulator;
        final double[] relu;
        double out;
        double decoderAccumulator;
        double readoutSum;

        Maxima(int layers) {
            u = new double[layers];
            state = new double[layers];
            modeOutput = new double[layers];
            reluAccumulator = new double[layers];
            relu = new double[layers];
        }

        void merge(Maxima o) {
            samples += o.samples;
            input = Math.max(input, o.input);
            for (int l = 0; l < u.length; l++) {
                u[l] = Math.max(u[l], o.u[l]);
                state[l] = Math.max(state[l], o.state[l]);
                modeOutput[l] = Math.max(modeOutput[l], o.modeOutput[l]);
                reluAccumulator[l] = Math.max(reluAccumulator[l], o.reluAccumulator[l]);
                relu[l] = Math.max(relu[l], o.relu[l]);
            }
            out = Math.max(out, o.out);
            decoderAccumulator = Math.max(decoderAccumulator, o.decoderAccumulator);
            readoutSum = Math.max(readoutSum, o.readoutSum);
        }

        Ranges toRanges() {
            return new Ranges(samples, input, u, state, modeOutput, reluAccumulator, relu, out, decoderAccumulator, readoutSum);
        }
    }

    /** One worker's buffers and maxima; the forward pass token by token, as the chip streams it. */
    private final class Pass {
        final Maxima maxima = new Maxima(layers.length);
        final double[] x = new double[config.dInput()];
        final double[] a = new double[config.dModel()];
        final double[] r = new double[config.dModel()];
        final double[] z = new double[config.nClasses()];
        final double[] sum = new double[config.nClasses()];
        final double[][] re = new double[layers.length][];
        final double[][] im = new double[layers.length][];

        Pass() {
            for (int l = 0; l < layers.length; l++) {
                re[l] = new double[layers[l].channels() * layers[l].modes()];
                im[l] = new double[re[l].length];
            }
        }

        double[] forward(float[] sequence, String what) {
            int d = config.dInput();
            int length = sequence.length / d;
            for (int l = 0; l < layers.length; l++) {
                Arrays.fill(re[l], 0);
                Arrays.fill(im[l], 0);
            }
            Arrays.fill(sum, 0);
            for (int t = 0; t < length; t++) {
                for (int f = 0; f < d; f++) {
                    float v = sequence[t * d + f];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT,
                                "%s holds %s at token %d, feature %d; calibration needs finite inputs", what, v, t, f));
                    }
                    x[f] = v;
                    maxima.input = Math.max(maxima.input, Math.abs(v));
                }
                double acc = encoder.apply(x, a);
                for (int l = 0; l < layers.length; l++) {
                    maxima.u[l] = Math.max(maxima.u[l], acc); // u_l is its input layer's accumulator
                    s4dAndRelu(l);
                    acc = mix[l].apply(r, a);
                }
                maxima.out = Math.max(maxima.out, acc);
                maxima.decoderAccumulator = Math.max(maxima.decoderAccumulator, decoder.apply(a, z));
                for (int c = 0; c < z.length; c++) {
                    sum[c] += z[c];
                    maxima.readoutSum = Math.max(maxima.readoutSum, Math.abs(sum[c]));
                }
            }
            maxima.samples++;
            double[] logits = new double[z.length];
            for (int c = 0; c < z.length; c++) logits[c] = config.readout() == Readout.MEAN ? sum[c] / length : z[c];
            return logits;
        }

        /** One token through block l's mode neurons and relu neurons: u in {@code a}, payload into {@code r}. */
        private void s4dAndRelu(int l) {
            S4DCoefficients k = layers[l];
            double[] sr = re[l];
            double[] si = im[l];
            double[] aRe = k.aRe();
            double[] aIm = k.aIm();
            double[] bRe = k.bRe();
            double[] bIm = k.bIm();
            double[] cRe = k.cRe();
            double[] cIm = k.cIm();
            int m = k.modes();
            double stateMax = maxima.state[l];
            double modeMax = maxima.modeOutput[l];
            double accMax = maxima.reluAccumulator[l];
            double reluMax = maxima.relu[l];
            for (int h = 0; h < k.channels(); h++) {
                double u = a[h];
                double accY = 0;
                for (int n = 0; n < m; n++) {
                    int i = h * m + n;
                    double nr = aRe[i] * sr[i] - aIm[i] * si[i] + bRe[i] * u;
                    double ni = aRe[i] * si[i] + aIm[i] * sr[i] + bIm[i] * u;
                    sr[i] = nr;
                    si[i] = ni;
                    stateMax = Math.max(stateMax, Math.max(Math.abs(nr), Math.abs(ni)));
                    double y = 2 * (cRe[i] * nr - cIm[i] * ni);
                    if (n == 0) y += k.d()[h] * u; // the skip term rides on mode 0
                    modeMax = Math.max(modeMax, Math.abs(y));
                    accY += y;
                }
                accMax = Math.max(accMax, Math.abs(accY));
                r[h] = Math.max(accY, 0);
                reluMax = Math.max(reluMax, r[h]);
            }
            maxima.state[l] = stateMax;
            maxima.modeOutput[l] = modeMax;
            maxima.reluAccumulator[l] = accMax;
            maxima.relu[l] = reluMax;
        }
    }

    /**
     * The largest magnitudes, in real units, of every quantity of the neuron graph over the calibration
     * samples (all tokens, channels and modes). Arrays are indexed by block, 0-based.
     *
     * @param samples            sequences seen
     * @param input              |x| of the input features
     * @param u                  |u_l|: block l's u-neurons, which equal their input layer's accumulator
     *                           (the encoder's for block 0, mixing layer l−1's otherwise)
     * @param state              max(|Re x|, |Im x|) over block l's mode neurons
     * @param modeOutput         |y_hn| of block l, mode 0 including D·u
     * @param reluAccumulator    |y_h| = |Σₙ y_hn|, block l's relu-neurons' accumulator
     * @param relu               relu payloads r of block l
     * @param out                |o|: the out-neurons, i.e. the last mixing layer's accumulator
     * @param decoderAccumulator |acc_c| of the decoder at the class neurons, over all tokens
     * @param readoutSum         |Σ_{τ≤t} acc_c(τ)| over all t: the mean readout's integrator
     */
    public record Ranges(int samples, double input, double[] u, double[] state, double[] modeOutput,
                         double[] reluAccumulator, double[] relu, double out, double decoderAccumulator, double readoutSum) {

        public Ranges {
            if (samples < 1) throw new IllegalArgumentException("ranges need at least one calibration sample, got " + samples);
            if (u == null || u.length == 0) throw new IllegalArgumentException("ranges need at least one block");
            u = checked("u", u, u.length);
            state = checked("state", state, u.length);
            modeOutput = checked("mode output", modeOutput, u.length);
            reluAccumulator = checked("relu accumulator", reluAccumulator, u.length);
            relu = checked("relu", relu, u.length);
            checked("input", input);
            checked("out", out);
            checked("decoder accumulator", decoderAccumulator);
            checked("readout sum", readoutSum);
        }

        private static double[] checked(String name, double[] values, int layers) {
            if (values == null || values.length != layers) {
                throw new IllegalArgumentException("ranges of " + name + " need one value per block (" + layers + "), got "
                        + (values == null ? "none" : values.length));
            }
            for (double v : values) checked(name, v);
            return values.clone();
        }

        private static void checked(String name, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("range of " + name + " must be finite and ≥ 0, got " + v);
            }
        }

        /** Number of blocks. */
        public int layers() {
            return u.length;
        }

        public double u(int l) {
            return u[l];
        }

        public double state(int l) {
            return state[l];
        }

        public double modeOutput(int l) {
            return modeOutput[l];
        }

        public double reluAccumulator(int l) {
            return reluAccumulator[l];
        }

        public double relu(int l) {
            return relu[l];
        }

        /** The encoder's accumulator, bias included: block 0's u. */
        public double encoderAccumulator() {
            return u[0];
        }

        /** Mixing layer l's accumulator, bias included: block l+1's u, or out after the last block. */
        public double mixAccumulator(int l) {
            return l + 1 < u.length ? u[l + 1] : out;
        }

        @Override
        public double[] u() {
            return u.clone();
        }

        @Override
        public double[] state() {
            return state.clone();
        }

        @Override
        public double[] modeOutput() {
            return modeOutput.clone();
        }

        @Override
        public double[] reluAccumulator() {
            return reluAccumulator.clone();
        }

        @Override
        public double[] relu() {
            return relu.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ranges r && samples == r.samples && input == r.input && Arrays.equals(u, r.u)
                    && Arrays.equals(state, r.state) && Arrays.equals(modeOutput, r.modeOutput)
                    && Arrays.equals(reluAccumulator, r.reluAccumulator) && Arrays.equals(relu, r.relu)
                    && out == r.out && decoderAccumulator == r.decoderAccumulator && readoutSum == r.readoutSum;
        }

        @Override
        public int hashCode() {
            int h = Integer.hashCode(samples);
            for (double[] a : new double[][]{u, state, modeOutput, reluAccumulator, relu}) h = 31 * h + Arrays.hashCode(a);
            for (double v : new double[]{input, out, decoderAccumulator, readoutSum}) h = 31 * h + Double.hashCode(v);
            return h;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Ranges[samples=%d, input=%.4g, u=%s, state=%s, modeOutput=%s, reluAccumulator=%s, "
                            + "relu=%s, out=%.4g, decoderAccumulator=%.4g, readoutSum=%.4g]", samples, input, brief(u), brief(state),
                    brief(modeOutput), brief(reluAccumulator), brief(relu), out, decoderAccumulator, readoutSum);
        }

        private static String brief(double[] a) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < a.length; i++) b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", a[i]));
            return b.append(']').toString();
        }
    }
}
