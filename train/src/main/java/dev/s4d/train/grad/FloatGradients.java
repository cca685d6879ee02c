package dev.s4d.train.grad;

import dev.s4d.engine.Workers;
import dev.s4d.kernel.Kernels;
import dev.s4d.kernel.PackedWeights;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.reference.ReferenceModel;
import dev.s4d.train.GradientSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;

/**
 * The loss and gradient used for real training: float32, the S4D layers as FFT convolutions (forward
 * and backward, {@link SpectralConvolution}), dense layers and activations on {@link Kernels}. It
 * computes what {@link ReferenceGradients} specifies, with the same dropout masks for the same seed.
 *
 * <p>A batch is split over worker threads in fixed contiguous slices of whole samples. Each worker keeps
 * its activations in workspaces allocated once per sequence length and adds its samples' gradients into
 * buffers of its own; the buffers are summed in worker order at the end. The result is therefore the
 * same on every run with the same thread count (a different count only regroups float sums).
 *
 * <p>The S4D layer's own parameters are differentiated once per batch: workers add up ∂loss/∂K as
 * spectra, and at the end each channel's sum is transformed back and mapped to (C, log_dt, log_A_real,
 * A_imag) in double by {@link S4DKernel}, which also builds the kernels at the start; D rides along
 * as the kernel's tap at lag 0. Both steps are split over the workers by channel.
 *
 * <p>With batch norms ({@link BatchNorms}) a sample cannot go through all layers alone: each layer's
 * normalisation waits for the statistics of every sample's input to it, and its backward pass for the
 * batch's sums of the gradient. The pass then goes layer by layer, each worker keeping the activations of
 * all its samples; the statistics and sums are added per worker in sample order and combined in worker
 * order, so the result is as reproducible as without.
 *
 * <p>Not thread-safe: one caller at a time (the workspaces are reused between calls). The pool's
 * threads are daemons that go away when idle, so there is nothing to close.
 */
public final class FloatGradients implements GradientSource {
    private static final float LAYER_NORM_EPS = (float) ReferenceModel.LAYER_NORM_EPS;

    private final ModelConfig c;
    private final boolean ref;
    private final DropoutMasks dropout;
    private final LabelSmoothing smoothing;
    /** The teacher's part of the loss, or null to learn from the labels alone. */
    private final Distillation distillation;
    private final Kernels k;
    private final ForkJoinPool pool;
    private final Worker[] workers;
    private final TrainingConvolution conv;
    /** Whether each S4D input is batch-normalised ({@link BatchNorms}), which makes the pass go layer by layer over the batch. */
    private final boolean batchNorm;
    /** The parameters the workers sum directly: all but the S4D layer's (see the class comment), in the model's order. */
    private final List<String> summed = new ArrayList<>();

    /** Plain cross-entropy on the best kernels: {@code FloatGradients(config, dropout, LabelSmoothing.NONE, threads, Kernels.best())}. */
    public FloatGradients(ModelConfig config, double dropout, int threads) {
        this(config, dropout, LabelSmoothing.NONE, threads, Kernels.best());
    }

    /** Learning from the labels alone: {@code FloatGradients(config, dropout, smoothing, null, threads, kernels)}. */
    public FloatGradients(ModelConfig config, double dropout, LabelSmoothing smoothing, int threads, Kernels kernels) {
        this(config, dropout, smoothing, null, threads, kernels);
    }

    /**
     * @param dropout   rate of every dropout site, in [0, 1)
     * @param smoothing    the loss's target: one-hot, or smoothed toward the uniform distribution
     * @param distillation the teacher's part of the loss, or null for none
     * @param threads      worker threads (samples of a batch are split between them)
     * @param kernels      the float kernels (vector or scalar) the passes run on
     */
    public FloatGradients(ModelConfig config, double dropout, LabelSmoothing smoothing, Distillation distillation, int threads,
                          Kernels kernels) {
        this(config, dropout, smoothing, distillation, false, threads, kernels);
    }

    /**
     * As {@link #FloatGradients(ModelConfig, double, LabelSmoothing, Distillation, int, Kernels)}, normalising
     * each S4D layer's input with the batch's statistics when {@code batchNorm} ({@link BatchNorms}; loihi
     * flavour only), whose γ and β are then parameters too.
     */
    public FloatGradients(ModelConfig config, double dropout, LabelSmoothing smoothing, Distillation distillation, boolean batchNorm,
                          int threads, Kernels kernels) {
        if (batchNorm) BatchNorms.requireFoldable(config);
        this.batchNorm = batchNorm;
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.c = config;
        this.ref = config.flavour() == BlockFlavour.REFERENCE;
        this.dropout = new DropoutMasks(dropout);
        this.smoothing = smoothing;
        this.distillation = Distillation.requireFits(config, distillation);
        this.k = kernels;
        this.pool = new ForkJoinPool(threads);
        this.conv = TrainingConvolution.of(kernels, config.nLayers(), config.dModel());
        // The batch norms' γ and β are summed centrally from the workers' per-channel sums.
        for (String name : S4DModel.expectedShapes(config).keySet()) {
            if (!isKernelParameter(name)) summed.add(name);
        }
        this.workers = new Worker[threads];
        for (int w = 0; w < threads; w++) workers[w] = new Worker();
    }

    private boolean isKernelParameter(String name) {
        for (int i = 0; i < c.nLayers(); i++) {
            if (name.equals(ParameterNames.logDt(i)) || name.equals(ParameterNames.c(i)) || name.equals(ParameterNames.d(i))
                    || name.equals(ParameterNames.logAReal(i)) || name.equals(ParameterNames.aImag(i))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public BatchStats compute(Parameters params, Parameters grads, float[][] sequences, int[] labels, long dropoutSeed) {
        BatchShape.checkParameters(c, batchNorm, params, "params");
        BatchShape.checkParameters(c, batchNorm, grads, "grads");
        BatchShape shape = BatchShape.check(c, sequences, labels);
        int length = shape.length();
        int batch = shape.size();
        Weights weights = new Weights(params);
        S4DKernel[] kernels = prepare(params, weights, length);

        double[][] soft = distillation == null ? null : distillation.targets(sequences);
        double[] losses = new double[batch];
        boolean[] right = new boolean[batch];
        if (batchNorm) {
            new NormalisedPass(weights, sequences, dropoutSeed).train(labels, soft, losses, right, grads);
        } else {
            forEachWorker(w -> {
                Worker worker = workers[w];
                worker.resize(length, 1);
                worker.clearGradients();
                for (int b = slice(w, batch, true); b < slice(w, batch, false); b++) {
                    losses[b] = worker.sample(weights, sequences[b], labels[b], soft == null ? null : soft[b], b, dropoutSeed, 1f / batch);
                    right[b] = worker.slots[0].predicted == labels[b];
                }
            });
        }

        for (int n = 0; n < summed.size(); n++) {
            float[] out = grads.get(summed.get(n)).data();
            System.arraycopy(workers[0].grads[n], 0, out, 0, out.length);
            for (int w = 1; w < workers.length; w++) k.add(out, 0, workers[w].grads[n], 0, out.length);
        }
        // [layer] → gradients of log_dt, log_A_real, A_imag, C, D
        double[][][] kernelGrads = new double[c.nLayers()][][];
        for (int i = 0; i < kernels.length; i++) {
            kernelGrads[i] = new double[][]{new double[c.dModel()], new double[c.dModel() * c.modes()],
                    new double[c.dModel() * c.modes()], new double[c.dModel() * c.modes() * 2], new double[c.dModel()]};
        }
        forEachWorker(w -> workers[w].kernelGradients(kernels, kernelGrads, w));
        for (int i = 0; i < kernels.length; i++) {
            narrow(kernelGrads[i][0], grads, ParameterNames.logDt(i));
            narrow(kernelGrads[i][1], grads, ParameterNames.logAReal(i));
            narrow(kernelGrads[i][2], grads, ParameterNames.aImag(i));
            narrow(kernelGrads[i][3], grads, ParameterNames.c(i));
            narrow(kernelGrads[i][4], grads, ParameterNames.d(i));
        }

        double loss = 0;
        int correct = 0;
        for (int b = 0; b < batch; b++) {
            loss += losses[b];
            if (right[b]) correct++;
        }
        return new BatchStats(loss / batch, correct, batch);
    }

    @Override
    public boolean batchNormalises() {
        return batchNorm;
    }

    /**
     * The mean and variance of each S4D layer's input before its batch norm over these samples, from a
     * forward pass without dropout: what {@link BatchNorms.Statistics#pool} gathers into the population's
     * statistics that {@link BatchNorms#fold} needs.
     *
     * @throws UnsupportedOperationException if this source does not batch-normalise
     */
    @Override
    public BatchNorms.Statistics statistics(Parameters params, float[][] sequences) {
        if (!batchNorm) throw new UnsupportedOperationException("this gradient source does not batch-normalise");
        BatchShape.checkParameters(c, true, params, "params");
        BatchShape shape = BatchShape.check(c, sequences, new int[sequences.length]);
        Weights weights = new Weights(params);
        prepare(params, weights, shape.length());
        return new NormalisedPass(weights, sequences, 0L).forward(false);
    }

    /** Sizes the convolution for {@code length} and builds every layer's kernel (split over the workers). */
    private S4DKernel[] prepare(Parameters params, Weights weights, int length) {
        conv.resize(length);
        S4DKernel[] kernels = new S4DKernel[c.nLayers()];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = new S4DKernel(c.discretization(), c.dModel(), c.modes(), wide(params, ParameterNames.logDt(i)),
                    wide(params, ParameterNames.logAReal(i)), wide(params, ParameterNames.aImag(i)),
                    wide(params, ParameterNames.c(i)));
        }
        forEachWorker(w -> workers[w].setKernels(kernels, weights, w));
        return kernels;
    }

    private static double[] wide(Parameters p, String name) {
        float[] f = p.get(name).data();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static void narrow(double[] d, Parameters p, String name) {
        float[] f = p.get(name).data();
        for (int i = 0; i < f.length; i++) f[i] = (float) d[i];
    }

    /** Start (or end) of worker w's share of {@code count} items: contiguous, sizes differing by at most one. */
    private int slice(int w, int count, boolean start) {
        int part = start ? w : w + 1;
        return (int) ((long) count * part / workers.length);
    }

    private void forEachWorker(IntConsumer task) {
        Workers.runAll(pool, workers.length, task, "computing gradients");
    }

    /**
     * A batch going layer by layer, as batch norms need: each worker holds all its samples in slots, and
     * between layers the workers' per-channel sums are combined in worker order.
     */
    private final class NormalisedPass {
        private final Weights wt;
        private final float[][] sequences;
        private final long seed;
        private final int batch;
        private final int length;
        /** Per layer: the batch's mean of the S4D input before normalisation, and 1/√(var + eps). */
        private final double[][] mean;
        private final double[][] inv;

        NormalisedPass(Weights wt, float[][] sequences, long seed) {
            this.wt = wt;
            this.sequences = sequences;
            this.seed = seed;
            this.batch = sequences.length;
            this.length = sequences[0].length / c.dInput();
            this.mean = new double[c.nLayers()][];
            this.inv = new double[c.nLayers()][];
        }

        /** The forward pass through every layer (the readout too when {@code training}), returning the batch's moments. */
        BatchNorms.Statistics forward(boolean training) {
            int layers = c.nLayers();
            double[][] var = new double[layers][];
            forEachWorker(w -> {
                Worker worker = workers[w];
                worker.resize(length, slice(w, batch, false) - slice(w, batch, true));
                worker.clearMoments();
                int first = slice(w, batch, true);
                for (int b = first; b < slice(w, batch, false); b++) {
                    Worker.Slot s = worker.slots[b - first];
                    s.encode(wt, sequences[b]);
                    worker.addMoments(s.x[0], s.x[0]);
                }
            });
            for (int i = 0; i < layers; i++) {
                double[][] moments = combined(2);
                double tokens = (double) batch * length;
                mean[i] = new double[c.dModel()];
                var[i] = new double[c.dModel()];
                inv[i] = new double[c.dModel()];
                for (int j = 0; j < c.dModel(); j++) {
                    mean[i][j] = moments[0][j] / tokens;
                    var[i][j] = Math.max(0, moments[1][j] / tokens - mean[i][j] * mean[i][j]);
                    inv[i][j] = 1 / Math.sqrt(var[i][j] + BatchNorms.EPS);
                }
                int layer = i;
                boolean last = i == layers - 1;
                if (last && !training) break;
                // x̂ = x·inv − mean·inv, in float so that the loops vectorise
                float[] hatScale = new float[c.dModel()];
                float[] hatShift = new float[c.dModel()];
                for (int j = 0; j < c.dModel(); j++) {
                    hatScale[j] = (float) inv[i][j];
                    hatShift[j] = (float) (-mean[i][j] * inv[i][j]);
                }
                forEachWorker(w -> {
                    Worker worker = workers[w];
                    worker.clearMoments();
                    int first = slice(w, batch, true);
                    for (int b = first; b < slice(w, batch, false); b++) {
                        Worker.Slot s = worker.slots[b - first];
                        s.normalise(layer, hatScale, hatShift, wt.gamma[layer], wt.beta[layer]);
                        s.block(wt, layer, b, seed, training);
                        if (!last) worker.addMoments(s.x[layer + 1], s.x[layer + 1]);
                    }
                });
            }
            return new BatchNorms.Statistics(mean, var, (long) batch * length);
        }

        /** Forward and backward: each sample's loss and whether it was right, the gradients of the batch norms into {@code grads}. */
        void train(int[] labels, double[][] soft, double[] losses, boolean[] right, Parameters grads) {
            forward(true);
            float scale = 1f / batch;
            int layers = c.nLayers();
            for (int i = layers - 1; i >= 0; i--) {
                int layer = i;
                forEachWorker(w -> {
                    Worker worker = workers[w];
                    if (layer == layers - 1) worker.clearGradients();
                    worker.clearMoments();
                    int first = slice(w, batch, true);
                    for (int b = first; b < slice(w, batch, false); b++) {
                        Worker.Slot s = worker.slots[b - first];
                        if (layer == layers - 1) {
                            s.readout(wt);
                            losses[b] = s.loss(labels[b], soft == null ? null : soft[b], scale);
                            right[b] = s.predicted == labels[b];
                            s.readoutBackward(wt);
                        } else {
                            s.normaliseBackward(layer + 1, backwardCoefficients);
                        }
                        s.blockBackward(wt, layer);
                        worker.addMoments(s.dx, s.xhat[layer]);
                    }
                });
                double[][] sums = combined(2);
                narrow(sums[0], grads, BatchNorms.bias(layer));
                narrow(sums[1], grads, BatchNorms.weight(layer));
                backwardCoefficients = backwardCoefficients(wt.gamma[layer], inv[layer], sums);
            }
            forEachWorker(w -> {
                Worker worker = workers[w];
                int first = slice(w, batch, true);
                for (int b = first; b < slice(w, batch, false); b++) {
                    Worker.Slot s = worker.slots[b - first];
                    s.normaliseBackward(0, backwardCoefficients);
                    s.encodeBackward();
                }
            });
        }

        /** {@link #backwardCoefficients} of the layer whose backward pass ran last. */
        private float[][] backwardCoefficients;

        /**
         * Per channel, the factors of ∂loss/∂x = γ·inv·(g − Σg/M − x̂·Σg·x̂/M) written as g·k₀ + x̂·k₁ + k₂, from the
         * batch's sums over its M tokens: float, so that the loop over a sample vectorises.
         */
        private float[][] backwardCoefficients(float[] gamma, double[] invStd, double[][] sums) {
            double tokens = (double) batch * length;
            float[][] k = new float[3][c.dModel()];
            for (int j = 0; j < c.dModel(); j++) {
                double f = gamma[j] * invStd[j];
                k[0][j] = (float) f;
                k[1][j] = (float) (-f * sums[1][j] / tokens);
                k[2][j] = (float) (-f * sums[0][j] / tokens);
            }
            return k;
        }

        /** The workers' per-channel sums, added in worker order. */
        private double[][] combined(int count) {
            double[][] total = new double[count][c.dModel()];
            for (Worker worker : workers) {
                for (int m = 0; m < count; m++) {
                    for (int j = 0; j < c.dModel(); j++) total[m][j] += worker.moments[m][j];
                }
            }
            return total;
        }
    }

    /** This call's parameter values in the layouts the kernels want; read-only and shared by the workers. */
    private final class Weights {
        final PackedWeights enc;
        final float[] encB;
        final float[][] d = new float[c.nLayers()][];
        final PackedWeights[] mix = new PackedWeights[c.nLayers()];
        /** wᵀ of each pointwise linear: the input gradient dy·w is a linear layer with these weights. */
        final PackedWeights[] mixT = new PackedWeights[c.nLayers()];
        final float[][] mixB = new float[c.nLayers()][];
        final float[][] normW = new float[c.nLayers()][];
        final float[][] normB = new float[c.nLayers()][];
        /** The batch norms' γ and β, with batch norms. */
        final float[][] gamma = new float[c.nLayers()][];
        final float[][] beta = new float[c.nLayers()][];
        final PackedWeights dec;
        final float[] decW;
        final float[] decB;

        Weights(Parameters p) {
            int h = c.dModel();
            int out = c.mixerOutputs();
            enc = k.pack(p.get(ParameterNames.ENCODER_WEIGHT).data(), h, c.dInput());
            encB = p.get(ParameterNames.ENCODER_BIAS).data();
            for (int i = 0; i < c.nLayers(); i++) {
                d[i] = p.get(ParameterNames.d(i)).data();
                float[] w = p.get(ParameterNames.mixWeight(i)).data();
                mix[i] = k.pack(w, out, h);
                float[] wt = new float[w.length];
                for (int o = 0; o < out; o++) {
                    for (int j = 0; j < h; j++) wt[j * out + o] = w[o * h + j];
                }
                mixT[i] = k.pack(wt, h, out);
                mixB[i] = p.get(ParameterNames.mixBias(i)).data();
                if (ref) {
                    normW[i] = p.get(ParameterNames.normWeight(i)).data();
                    normB[i] = p.get(ParameterNames.normBias(i)).data();
                }
                if (batchNorm) {
                    gamma[i] = p.get(BatchNorms.weight(i)).data();
                    beta[i] = p.get(BatchNorms.bias(i)).data();
                }
            }
            decW = p.get(ParameterNames.DECODER_WEIGHT).data();
            dec = k.pack(decW, c.nClasses(), h);
            decB = p.get(ParameterNames.DECODER_BIAS).data();
        }
    }

    /**
     * One worker: its share of the kernel preparation, its samples' forward and backward passes in
     * workspaces sized once per length ({@link Slot}s: one reused for sample after sample, or one per
     * sample with batch norms), and its sums of the gradients.
     */
    private final class Worker {
        private final int layers = c.nLayers();
        private final int h = c.dModel();
        private final int out = c.mixerOutputs();
        private final ConvolutionScratch fft = new ConvolutionScratch();
        /** In {@link #summed} order. */
        final float[][] grads;
        private final int gEncW;
        private final int gEncB;
        private final int[] gMixW = new int[layers];
        private final int[] gMixB = new int[layers];
        private final int[] gNormW = new int[layers];
        private final int[] gNormB = new int[layers];
        private final int gDecW;
        private final int gDecB;
        /** [layer] → channels × FFT size: this worker's sum of the spectra of ∂loss/∂K. */
        private float[][] dKSpectra;
        /** Per-channel sums over this worker's samples for batch norms: Σx and Σx², or Σg and Σg·x̂. */
        final double[][] moments = new double[2][h];

        private int length;
        Slot[] slots = new Slot[0];
        // backward scratch
        private float[] dr;
        private float[] dv;
        private float[] da;
        private float[] dz;

        Worker() {
            grads = new float[summed.size()][];
            var shapes = S4DModel.expectedShapes(c);
            for (int n = 0; n < grads.length; n++) grads[n] = new float[Math.toIntExact(count(shapes.get(summed.get(n))))];
            gEncW = summed.indexOf(ParameterNames.ENCODER_WEIGHT);
            gEncB = summed.indexOf(ParameterNames.ENCODER_BIAS);
            gDecW = summed.indexOf(ParameterNames.DECODER_WEIGHT);
            gDecB = summed.indexOf(ParameterNames.DECODER_BIAS);
            for (int i = 0; i < layers; i++) {
                gMixW[i] = summed.indexOf(ParameterNames.mixWeight(i));
                gMixB[i] = summed.indexOf(ParameterNames.mixBias(i));
                gNormW[i] = summed.indexOf(ParameterNames.normWeight(i));
                gNormB[i] = summed.indexOf(ParameterNames.normBias(i));
            }
        }

        private static long count(int[] shape) {
            long n = 1;
            for (int s : shape) n *= s;
            return n;
        }

        /** Workspaces for sequences of {@code length} and at least {@code samples} slots. */
        void resize(int length, int samples) {
            conv.prepare(fft);
            if (length != this.length) {
                this.length = length;
                slots = new Slot[0];
                dKSpectra = new float[layers][conv.gradientSize()];
                int n = length * h;
                dr = new float[n];
                da = new float[n];
                dz = new float[n];
                dv = new float[length * out];
            }
            if (slots.length < samples) {
                Slot[] more = Arrays.copyOf(slots, samples);
                for (int s = slots.length; s < samples; s++) more[s] = new Slot();
                slots = more;
            }
        }

        void clearGradients() {
            for (float[] g : grads) Arrays.fill(g, 0f);
            for (float[] s : dKSpectra) Arrays.fill(s, 0f);
        }

        void clearMoments() {
            for (double[] m : moments) Arrays.fill(m, 0);
        }

        /**
         * Adds a sample's Σa and Σa·b per channel: with b = a the moments of a batch norm's input (Σx, Σx²),
         * with a = g and b = x̂ those of its gradient (Σg, Σg·x̂).
         */
        void addMoments(float[] a, float[] b) {
            double[] sum = moments[0];
            double[] cross = moments[1];
            for (int t = 0; t < length; t++) {
                int row = t * h;
                for (int j = 0; j < h; j++) {
                    double v = a[row + j];
                    sum[j] += v;
                    cross[j] += v * b[row + j];
                }
            }
        }

        /** K and its spectrum for this worker's share of the channel pairs of every layer. */
        void setKernels(S4DKernel[] kernels, Weights wt, int w) {
            conv.prepare(fft);
            int len = conv.length();
            double[] kk = new double[h * len];
            for (int i = 0; i < layers; i++) {
                for (int pair = slice(w, conv.pairs(), true); pair < slice(w, conv.pairs(), false); pair++) {
                    for (int ch : pairChannels(pair)) kernels[i].kernel(len, ch, ch + 1, kk);
                    conv.setKernels(i, pair, kk, wt.d[i], fft);
                }
            }
        }

        /** The channels of a pair that exist. */
        private int[] pairChannels(int pair) {
            int a = conv.channelA(pair);
            int b = conv.channelB(pair);
            return b < h ? new int[]{a, b} : a < h ? new int[]{a} : new int[0];
        }

        /** ∂loss/∂(log_dt, log_A_real, A_imag, C, D) for this worker's share of the channel pairs, from every worker's spectra. */
        void kernelGradients(S4DKernel[] kernels, double[][][] out, int w) {
            int len = conv.length();
            double[] dK = new double[h * len];
            float[][] parts = new float[workers.length][];
            for (int i = 0; i < layers; i++) {
                for (int p = 0; p < parts.length; p++) parts[p] = workers[p].dKSpectra[i];
                for (int pair = slice(w, conv.pairs(), true); pair < slice(w, conv.pairs(), false); pair++) {
                    conv.kernelGradient(parts, pair, dK, fft);
                    for (int ch : pairChannels(pair)) {
                        kernels[i].backward(dK, len, ch, ch + 1, out[i][0], out[i][1], out[i][2], out[i][3]);
                        out[i][4][ch] = dK[ch * len];   // D is the kernel's tap at lag 0
                    }
                }
            }
        }

        /**
         * Forward and backward of one sample in the first slot, layer after layer; adds its gradient (scaled
         * by {@code scale}) and returns its loss. {@code teacher} is the teacher's target for it, null without
         * distillation.
         */
        double sample(Weights wt, float[] sequence, int label, double[] teacher, int index, long seed, float scale) {
            Slot s = slots[0];
            s.encode(wt, sequence);
            for (int i = 0; i < layers; i++) s.block(wt, i, index, seed, true);
            s.readout(wt);
            double loss = s.loss(label, teacher, scale);
            s.readoutBackward(wt);
            for (int i = layers - 1; i >= 0; i--) s.blockBackward(wt, i);
            s.encodeBackward();
            return loss;
        }

        /** One sample's activations through the layers and the gradient flowing back through them. */
        final class Slot {
            private float[] u;
            // forward activations, [layer] unless noted
            final float[][] x;            // [layer + 1]: block inputs, then the last block's output
            private final float[][] z;    // S4D inputs: the batch norm's or pre-norm LayerNorm's output, else x[layer] itself
            private final float[][] zSpectra;
            private final float[][] y;    // S4D outputs before the activation
            private final float[][] a;    // activations after dropout
            private final float[][] v;    // pointwise linear outputs, the GLU inputs (reference flavour)
            private final float[][] gateExp; // exp(−gate) of each GLU output, kept for its backward pass
            final float[][] xhat;         // the batch norm's or LayerNorm's x̂
            private final float[][] inv;  // LayerNorm's 1/σ per token (reference flavour)
            private final float[][][] masks = new float[layers][2][];
            private final boolean[] masked = new boolean[layers];
            private final float[] pooled = new float[h];
            private final float[] logits = new float[c.nClasses()];
            private final float[] dLogits = new float[c.nClasses()];
            /** The logits and their gradient in double, for the loss. */
            private final double[] logitsWide = new double[c.nClasses()], dLogitsWide = new double[c.nClasses()];
            private final float[] dPooled = new float[h];
            /** ∂loss/∂(the activation the backward pass has reached). */
            final float[] dx;
            int predicted;

            Slot() {
                int n = length * h;
                x = new float[layers + 1][n];
                z = new float[layers][];
                for (int i = 0; i < layers; i++) z[i] = batchNorm || ref && c.prenorm() ? new float[n] : x[i];
                zSpectra = new float[layers][conv.spectrumSize()];
                y = new float[layers][n];
                a = new float[layers][n];
                v = ref ? new float[layers][length * out] : null;
                gateExp = ref ? new float[layers][n] : null;
                xhat = ref || batchNorm ? new float[layers][n] : null;
                inv = ref ? new float[layers][length] : null;
                for (int i = 0; i < layers; i++) {
                    for (int site = 0; site < 2; site++) masks[i][site] = new float[h];
                }
                dx = new float[n];
            }

            void encode(Weights wt, float[] sequence) {
                u = sequence;
                k.linear(u, 0, length, wt.enc, wt.encB, x[0], 0);
            }

            /** x̂ = x·hatScale + hatShift (that is, (x − mean)·inv) and z = γ·x̂ + β, for layer i's S4D input. */
            void normalise(int i, float[] hatScale, float[] hatShift, float[] gamma, float[] beta) {
                float[] in = x[i];
                float[] hat = xhat[i];
                float[] outZ = z[i];
                for (int t = 0; t < length; t++) {
                    int row = t * h;
                    for (int j = 0; j < h; j++) {
                        float v = in[row + j] * hatScale[j] + hatShift[j];
                        hat[row + j] = v;
                        outZ[row + j] = v * gamma[j] + beta[j];
                    }
                }
            }

            /** Turns {@link #dx} from ∂loss/∂z into ∂loss/∂x across layer i's batch norm: dx·k₀ + x̂·k₁ + k₂ per channel. */
            void normaliseBackward(int i, float[][] coefficients) {
                float[] hat = xhat[i];
                float[] k0 = coefficients[0];
                float[] k1 = coefficients[1];
                float[] k2 = coefficients[2];
                for (int t = 0; t < length; t++) {
                    int row = t * h;
                    for (int j = 0; j < h; j++) dx[row + j] = dx[row + j] * k0[j] + hat[row + j] * k1[j] + k2[j];
                }
            }

            /** Block i from its S4D input (z[i], which normalise wrote with batch norms) to x[i + 1]. */
            void block(Weights wt, int i, int index, long seed, boolean withDropout) {
                int n = length * h;
                if (ref && c.prenorm()) {
                    k.layerNormForward(x[i], length, h, wt.normW[i], wt.normB[i], LAYER_NORM_EPS, xhat[i], inv[i], z[i]);
                }
                conv.forward(i, z[i], y[i], zSpectra[i], fft);
                System.arraycopy(y[i], 0, a[i], 0, n);
                if (ref) k.gelu(a[i], 0, n);
                else k.relu(a[i], 0, n);
                masked[i] = withDropout && dropout.active();
                applyMask(a[i], mask(i, DropoutMasks.AFTER_ACTIVATION, index, seed));
                if (ref) {
                    k.linear(a[i], 0, length, wt.mix[i], wt.mixB[i], v[i], 0);
                    k.gluForward(v[i], length, h, x[i + 1], gateExp[i]);
                    applyMask(x[i + 1], mask(i, DropoutMasks.BLOCK_OUTPUT, index, seed));
                    k.add(x[i + 1], 0, x[i], 0, n);
                    if (!c.prenorm()) {
                        k.layerNormForward(x[i + 1], length, h, wt.normW[i], wt.normB[i], LAYER_NORM_EPS, xhat[i], inv[i], x[i + 1]);
                    }
                } else {
                    k.linear(a[i], 0, length, wt.mix[i], wt.mixB[i], x[i + 1], 0);
                }
            }

            void readout(Weights wt) {
                float[] last = x[layers];
                if (c.readout() == Readout.MEAN) {
                    double[] sum = new double[h];
                    for (int t = 0; t < length; t++) {
                        for (int j = 0; j < h; j++) sum[j] += last[t * h + j];
                    }
                    for (int j = 0; j < h; j++) pooled[j] = (float) (sum[j] / length);
                } else {
                    System.arraycopy(last, (length - 1) * h, pooled, 0, h);
                }
                k.linear(pooled, 0, 1, wt.dec, wt.decB, logits, 0);
            }

            /** The mask of a dropout site of this sample as per-channel factors, or null without dropout. */
            private float[] mask(int layer, int site, int index, long seed) {
                if (!masked[layer]) return null;
                float[] m = masks[layer][site];
                float kept = (float) dropout.keptScale();
                for (int j = 0; j < h; j++) m[j] = dropout.kept(seed, index, layer, site, j) ? kept : 0f;
                return m;
            }

            /** The mask {@link #mask} made for this sample in the forward pass, or null without dropout. */
            private float[] savedMask(int layer, int site) {
                return masked[layer] ? masks[layer][site] : null;
            }

            private void applyMask(float[] rows, float[] m) {
                if (m != null) k.scaleColumns(rows, length, h, m);
            }

            /**
             * Loss of the logits against the label's (smoothed) target, blended with the teacher's term when
             * distilling, in double by DoubleLayers; its gradient, times scale, into dLogits.
             */
            double loss(int label, double[] teacher, float scale) {
                for (int j = 0; j < logits.length; j++) logitsWide[j] = logits[j];
                predicted = DoubleLayers.argmax(logitsWide);
                double loss = DoubleLayers.crossEntropy(logitsWide, label, smoothing, dLogitsWide);
                if (teacher != null) loss = DoubleLayers.distill(logitsWide, teacher, distillation.weight(), distillation.temperature(), loss, dLogitsWide);
                for (int j = 0; j < logits.length; j++) dLogits[j] = (float) (dLogitsWide[j] * scale);
                return loss;
            }

            /** The decoder's gradients; {@link #dx} becomes ∂loss/∂(last block output). */
            void readoutBackward(Weights wt) {
                k.linearWeightGradient(dLogits, 0, pooled, 0, 1, c.nClasses(), h, grads[gDecW], grads[gDecB]);
                Arrays.fill(dPooled, 0f);
                for (int cl = 0; cl < c.nClasses(); cl++) {
                    float g = dLogits[cl];
                    for (int j = 0; j < h; j++) dPooled[j] += g * wt.decW[cl * h + j];
                }
                Arrays.fill(dx, 0f);
                if (c.readout() == Readout.MEAN) {
                    for (int j = 0; j < h; j++) dPooled[j] /= length;
                    for (int t = 0; t < length; t++) System.arraycopy(dPooled, 0, dx, t * h, h);
                } else {
                    System.arraycopy(dPooled, 0, dx, (length - 1) * h, h);
                }
            }

            /**
             * Block i's gradients from {@link #dx} = ∂loss/∂(its output); dx becomes ∂loss/∂(its input), or with
             * batch norms ∂loss/∂(its S4D input), which {@link #normaliseBackward} takes on.
             */
            void blockBackward(Weights wt, int i) {
                int n = length * h;
                float[] dOut = dx;
                if (ref) {
                    if (!c.prenorm()) {
                        k.layerNormBackward(xhat[i], inv[i], dx, length, h, wt.normW[i], dr, grads[gNormW[i]], grads[gNormB[i]]);
                        dOut = dr;
                    }
                    // dOut is now ∂loss/∂(residual sum): it flows to the block input unchanged, and to the GLU through the mask
                    System.arraycopy(dOut, 0, da, 0, n);
                    applyMask(da, savedMask(i, DropoutMasks.BLOCK_OUTPUT));
                    k.gluBackward(v[i], gateExp[i], da, length, h, dv);
                    k.linearWeightGradient(dv, 0, a[i], 0, length, out, h, grads[gMixW[i]], grads[gMixB[i]]);
                    k.linear(dv, 0, length, wt.mixT[i], null, da, 0);
                } else {
                    k.linearWeightGradient(dx, 0, a[i], 0, length, out, h, grads[gMixW[i]], grads[gMixB[i]]);
                    k.linear(dx, 0, length, wt.mixT[i], null, da, 0);
                }
                applyMask(da, savedMask(i, DropoutMasks.AFTER_ACTIVATION));
                if (ref) {
                    k.geluBackward(y[i], 0, da, 0, n);
                } else {
                    k.reluBackward(y[i], 0, da, 0, n);
                }
                conv.backward(i, zSpectra[i], da, dz, dKSpectra[i], fft);
                if (ref && c.prenorm()) {
                    k.layerNormBackward(xhat[i], inv[i], dz, length, h, wt.normW[i], dz, grads[gNormW[i]], grads[gNormB[i]]);
                }
                if (ref) {
                    // block input gradient = residual path + S4D path
                    if (dOut != dx) System.arraycopy(dOut, 0, dx, 0, n);
                    k.add(dx, 0, dz, 0, n);
                } else {
                    System.arraycopy(dz, 0, dx, 0, n);
                }
            }

            void encodeBackward() {
                k.linearWeightGradient(dx, 0, u, 0, length, h, c.dInput(), grads[gEncW], grads[gEncB]);
            }
        }
    }
}
