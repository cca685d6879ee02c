package dev.s4d.train.grad;

import static dev.s4d.train.grad.DoubleLayers.*;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.reference.ReferenceModel;
import dev.s4d.train.GradientSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loss and gradient of the whole model in double precision with plain loops: the specification that
 * {@link FloatGradients} is tested against, and itself checked part by part and as a whole against
 * finite differences. Its forward pass is core's ReferenceModel's (a test holds the losses equal), with
 * dropout added: channel masks from {@link DropoutMasks} after the activation and, in reference blocks,
 * on the block output before the residual add. The S4D layers mix by direct O(L²) convolution, so keep
 * it to short sequences. With batch norms ({@link BatchNorms}) each S4D input is normalised over the
 * batch; the pass goes layer by layer over all samples either way.
 *
 * <p>Besides the float {@link GradientSource} contract it works on parameters held in double
 * ({@link #compute(Map, Map, float[][], int[], long)}, {@link #loss}), which finite differences need:
 * a step of 10⁻⁶ is below float resolution.
 */
public final class ReferenceGradients implements GradientSource {
    private final ModelConfig c;
    private final DropoutMasks dropout;
    private final LabelSmoothing smoothing;
    private final Distillation distillation;
    private final boolean batchNorm;

    /** Plain cross-entropy: {@code ReferenceGradients(config, dropout, LabelSmoothing.NONE)}. */
    public ReferenceGradients(ModelConfig config, double dropout) {
        this(config, dropout, LabelSmoothing.NONE);
    }

    /** Learning from the labels alone: {@code ReferenceGradients(config, dropout, smoothing, null)}. */
    public ReferenceGradients(ModelConfig config, double dropout, LabelSmoothing smoothing) {
        this(config, dropout, smoothing, null);
    }

    /**
     * @param dropout      rate of every dropout site in [0, 1)
     * @param smoothing    the loss's target: one-hot, or smoothed toward the uniform distribution
     * @param distillation the teacher's part of the loss, or null for none
     */
    public ReferenceGradients(ModelConfig config, double dropout, LabelSmoothing smoothing, Distillation distillation) {
        this(config, dropout, smoothing, distillation, false);
    }

    /**
     * As {@link #ReferenceGradients(ModelConfig, double, LabelSmoothing, Distillation)}, normalising each S4D
     * layer's input with the batch's statistics when {@code batchNorm} ({@link BatchNorms}; loihi flavour
     * only), whose γ and β are then parameters too.
     */
    public ReferenceGradients(ModelConfig config, double dropout, LabelSmoothing smoothing, Distillation distillation,
                              boolean batchNorm) {
        if (batchNorm) BatchNorms.requireFoldable(config);
        this.batchNorm = batchNorm;
        this.c = config;
        this.dropout = new DropoutMasks(dropout);
        this.smoothing = smoothing;
        this.distillation = Distillation.requireFits(config, distillation);
    }

    @Override
    public BatchStats compute(Parameters params, Parameters grads, float[][] sequences, int[] labels, long dropoutSeed) {
        BatchShape.checkParameters(c, batchNorm, grads, "grads");
        Map<String, double[]> p = wide(params);
        Map<String, double[]> g = new LinkedHashMap<>();
        BatchStats stats = compute(p, g, sequences, labels, dropoutSeed);
        g.forEach((name, d) -> {
            float[] out = grads.get(name).data();
            for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        });
        return stats;
    }

    @Override
    public boolean batchNormalises() {
        return batchNorm;
    }

    @Override
    public BatchNorms.Statistics statistics(Parameters params, float[][] sequences) {
        return statistics(wide(params), sequences);
    }

    /** The float parameters, checked, in double. */
    private Map<String, double[]> wide(Parameters params) {
        BatchShape.checkParameters(c, batchNorm, params, "params");
        Map<String, double[]> p = new LinkedHashMap<>();
        for (String name : BatchNorms.trainedShapes(c, batchNorm).keySet()) {
            float[] v = params.get(name).data();
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) d[i] = v[i];
            p.put(name, d);
        }
        return p;
    }

    /**
     * As {@link GradientSource#compute} on double parameters.
     *
     * @param params every parameter of {@code BatchNorms.trainedShapes(config, batchNorm)}, flat
     * @param grads  receives a fresh array per parameter: the batch-mean gradient
     */
    public BatchStats compute(Map<String, double[]> params, Map<String, double[]> grads, float[][] sequences,
                              int[] labels, long dropoutSeed) {
        return run(params, grads, sequences, labels, dropoutSeed);
    }

    /** The batch-mean loss alone (the forward pass), for finite differences. */
    public double loss(Map<String, double[]> params, float[][] sequences, int[] labels, long dropoutSeed) {
        return run(params, null, sequences, labels, dropoutSeed).loss();
    }

    /**
     * The per-layer mean and variance of the S4D inputs before batch normalisation over this batch, in a
     * forward pass without dropout: what the trainer pools into population statistics for folding.
     *
     * @throws UnsupportedOperationException if this source does not batch-normalise
     */
    public BatchNorms.Statistics statistics(Map<String, double[]> params, float[][] sequences) {
        if (!batchNorm) throw new UnsupportedOperationException("this gradient source does not batch-normalise");
        BatchShape.check(c, sequences, new int[sequences.length]);
        return new Pass(params, sequences, 0L, false).norms;
    }

    private BatchStats run(Map<String, double[]> p, Map<String, double[]> grads, float[][] sequences, int[] labels,
                           long seed) {
        BatchShape shape = BatchShape.check(c, sequences, labels);
        Pass pass = new Pass(p, sequences, seed, true);
        if (grads != null) {
            BatchNorms.trainedShapes(c, batchNorm).forEach((name, dims) -> {
                int n = 1;
                for (int d : dims) n *= d;
                grads.put(name, new double[n]);
            });
        }
        double[][] soft = distillation == null ? null : distillation.targets(sequences);
        double lossSum = 0;
        int correct = 0;
        double[][] dLogits = new double[shape.size()][c.nClasses()];
        for (int b = 0; b < shape.size(); b++) {
            double[] logits = pass.samples[b].logits;
            double loss = crossEntropy(logits, labels[b], smoothing, dLogits[b]);
            lossSum += soft == null ? loss : distill(logits, soft[b], distillation.weight(), distillation.temperature(), loss, dLogits[b]);
            if (argmax(logits) == labels[b]) correct++;
            for (int j = 0; j < c.nClasses(); j++) dLogits[b][j] /= shape.size();
        }
        if (grads != null) pass.backward(dLogits, grads);
        return new BatchStats(lossSum / shape.size(), correct, shape.size());
    }

    /**
     * The forward pass of a whole batch, layer by layer (a batch norm needs every sample's layer input
     * before any sample goes on), keeping what the backward pass needs.
     */
    private final class Pass {
        private final Map<String, double[]> p;
        private final int length;
        private final double[][] k;
        private final S4DKernel[] kernels;
        final Sample[] samples;
        /** Per layer, with batch norms: x̂ of every sample and 1/√(var + eps) per channel. */
        private final double[][][] normXhat;
        private final double[][] normInv;
        /** The batch's moments of each S4D input, with batch norms; else null. */
        final BatchNorms.Statistics norms;

        Pass(Map<String, double[]> p, float[][] sequences, long seed, boolean withDropout) {
            this.p = p;
            this.length = sequences[0].length / c.dInput();
            int layers = c.nLayers();
            int h = c.dModel();
            kernels = new S4DKernel[layers];
            k = new double[layers][];
            for (int i = 0; i < layers; i++) {
                kernels[i] = new S4DKernel(c.discretization(), h, c.modes(), p.get(ParameterNames.logDt(i)),
                        p.get(ParameterNames.logAReal(i)), p.get(ParameterNames.aImag(i)), p.get(ParameterNames.c(i)));
                k[i] = kernels[i].kernel(length);
            }
            samples = new Sample[sequences.length];
            for (int b = 0; b < samples.length; b++) {
                samples[b] = new Sample(p, k, length, seed, b, withDropout);
                samples[b].encode(sequences[b]);
            }
            normXhat = batchNorm ? new double[layers][][] : null;
            normInv = batchNorm ? new double[layers][h] : null;
            double[][] mean = batchNorm ? new double[layers][h] : null;
            double[][] var = batchNorm ? new double[layers][h] : null;
            for (int i = 0; i < layers; i++) {
                double[][] z = new double[samples.length][];
                if (batchNorm) {
                    double[][] in = new double[samples.length][];
                    normXhat[i] = new double[samples.length][];
                    for (int b = 0; b < samples.length; b++) {
                        in[b] = samples[b].x;
                        normXhat[i][b] = new double[in[b].length];
                        z[b] = new double[in[b].length];
                    }
                    batchNorm(in, h, p.get(BatchNorms.weight(i)), p.get(BatchNorms.bias(i)), BatchNorms.EPS, normXhat[i], mean[i], var[i],
                            normInv[i], z);
                } else {
                    for (int b = 0; b < samples.length; b++) z[b] = samples[b].blockInput(i);
                }
                for (int b = 0; b < samples.length; b++) samples[b].block(i, z[b]);
            }
            for (Sample s : samples) s.readout();
            norms = batchNorm ? new BatchNorms.Statistics(mean, var, (long) samples.length * length) : null;
        }

        /** Adds the batch's gradients to {@code g}, from each sample's ∂loss/∂logits. */
        void backward(double[][] dLogits, Map<String, double[]> g) {
            int h = c.dModel();
            double[][] dK = new double[k.length][];
            for (int i = 0; i < k.length; i++) dK[i] = new double[k[i].length];
            double[][] dx = new double[samples.length][];
            for (int b = 0; b < samples.length; b++) dx[b] = samples[b].readoutBackward(dLogits[b], g);
            for (int i = c.nLayers() - 1; i >= 0; i--) {
                double[][] dz = new double[samples.length][];
                for (int b = 0; b < samples.length; b++) dz[b] = samples[b].blockBackward(i, dx[b], g, dK);
                if (batchNorm) {
                    for (int b = 0; b < samples.length; b++) dx[b] = new double[dz[b].length];
                    batchNormBackward(normXhat[i], normInv[i], h, p.get(BatchNorms.weight(i)), dz, dx, g.get(BatchNorms.weight(i)),
                            g.get(BatchNorms.bias(i)));
                } else {
                    for (int b = 0; b < samples.length; b++) dx[b] = samples[b].inputGradient(i, dz[b], g);
                }
            }
            for (int b = 0; b < samples.length; b++) samples[b].encodeBackward(dx[b], g);
            for (int i = 0; i < kernels.length; i++) {
                kernels[i].backward(dK[i], length, 0, h, g.get(ParameterNames.logDt(i)), g.get(ParameterNames.logAReal(i)),
                        g.get(ParameterNames.aImag(i)), g.get(ParameterNames.c(i)));
            }
        }
    }

    /** One sample's passes, block by block, keeping what its backward pass needs. */
    private final class Sample {
        private final Map<String, double[]> p;
        private final double[][] k;
        private final int length;
        private final long seed;
        private final int index;
        private final boolean withDropout;
        private final boolean ref = c.flavour() == BlockFlavour.REFERENCE;
        private final Block[] blocks = new Block[c.nLayers()];
        private double[] u;
        /** The input of the next block, then the last block's output. */
        double[] x;
        private double[] pooled;
        double[] logits;

        /** What one block's backward pass needs of its forward pass. */
        private static final class Block {
            double[] x;          // block input
            double[] normXhat;   // this block's LayerNorm (before the S4D layer or after the residual)
            double[] normInv;
            double[] z;          // S4D input
            double[] y;          // S4D output before the activation
            double[] a;          // activation after dropout: the pointwise linear's input
            double[] v;          // pointwise linear's output, the GLU's input (reference flavour)
            double[] mask0;      // dropout factors per channel after the activation, or null
            double[] mask1;      // … on the block output, or null
            double[] dResidual;  // ∂loss/∂(block input) along the residual path (reference flavour)
        }

        Sample(Map<String, double[]> p, double[][] k, int length, long seed, int index, boolean withDropout) {
            this.p = p;
            this.k = k;
            this.length = length;
            this.seed = seed;
            this.index = index;
            this.withDropout = withDropout;
        }

        void encode(float[] sequence) {
            u = new double[sequence.length];
            for (int i = 0; i < u.length; i++) u[i] = sequence[i];
            x = new double[length * c.dModel()];
            linear(u, length, c.dInput(), p.get(ParameterNames.ENCODER_WEIGHT), p.get(ParameterNames.ENCODER_BIAS), c.dModel(), x);
        }

        /** The S4D input of block i without batch norms: the block input, or its LayerNorm with pre-norm. */
        double[] blockInput(int i) {
            Block bl = new Block();
            blocks[i] = bl;
            return ref && c.prenorm() ? norm(i, bl, x) : x;
        }

        /** Block i from its S4D input z; its output becomes {@link #x}. */
        void block(int i, double[] z) {
            int h = c.dModel();
            int n = length * h;
            if (blocks[i] == null) blocks[i] = new Block();
            Block bl = blocks[i];
            bl.x = x;
            bl.z = z;
            bl.y = new double[n];
            causalConvolution(k[i], p.get(ParameterNames.d(i)), bl.z, length, h, bl.y);
            bl.a = new double[n];
            if (ref) gelu(bl.y, bl.a);
            else relu(bl.y, bl.a);
            bl.mask0 = mask(i, DropoutMasks.AFTER_ACTIVATION);
            if (bl.mask0 != null) scaleChannels(bl.a, length, h, bl.mask0);
            int out = c.mixerOutputs();
            bl.v = new double[length * out];
            linear(bl.a, length, h, p.get(ParameterNames.mixWeight(i)), p.get(ParameterNames.mixBias(i)), out, bl.v);
            if (ref) {
                double[] r = new double[n];
                glu(bl.v, length, h, r);
                bl.mask1 = mask(i, DropoutMasks.BLOCK_OUTPUT);
                if (bl.mask1 != null) scaleChannels(r, length, h, bl.mask1);
                for (int j = 0; j < n; j++) r[j] += bl.x[j];
                x = c.prenorm() ? r : norm(i, bl, r);
            } else {
                x = bl.v;
            }
        }

        void readout() {
            int h = c.dModel();
            pooled = new double[h];
            pool(c.readout(), x, length, h, pooled);
            logits = new double[c.nClasses()];
            linear(pooled, 1, h, p.get(ParameterNames.DECODER_WEIGHT), p.get(ParameterNames.DECODER_BIAS), c.nClasses(), logits);
        }

        private double[] norm(int layer, Block bl, double[] in) {
            bl.normXhat = new double[in.length];
            bl.normInv = new double[length];
            double[] out = new double[in.length];
            layerNorm(in, length, c.dModel(), p.get(ParameterNames.normWeight(layer)), p.get(ParameterNames.normBias(layer)),
                    ReferenceModel.LAYER_NORM_EPS, bl.normXhat, bl.normInv, out);
            return out;
        }

        private double[] mask(int layer, int site) {
            if (!withDropout || !dropout.active()) return null;
            double[] m = new double[c.dModel()];
            for (int j = 0; j < m.length; j++) m[j] = dropout.kept(seed, index, layer, site, j) ? dropout.keptScale() : 0;
            return m;
        }

        /** Adds the decoder's gradients to {@code g}; returns ∂loss/∂(last block output). */
        double[] readoutBackward(double[] dLogits, Map<String, double[]> g) {
            int h = c.dModel();
            double[] dPooled = new double[h];
            linearBackward(pooled, 1, h, p.get(ParameterNames.DECODER_WEIGHT), c.nClasses(), dLogits, dPooled,
                    g.get(ParameterNames.DECODER_WEIGHT), g.get(ParameterNames.DECODER_BIAS));
            double[] dx = new double[length * h];
            poolBackward(c.readout(), dPooled, length, h, dx);
            return dx;
        }

        /**
         * From ∂loss/∂(block i output), adds the block's gradients to {@code g} and its ∂loss/∂K to {@code dK};
         * returns ∂loss/∂(S4D input).
         */
        double[] blockBackward(int i, double[] dx, Map<String, double[]> g, double[][] dK) {
            int h = c.dModel();
            int n = length * h;
            Block bl = blocks[i];
            double[] dv;
            if (ref) {
                double[] dr = dx;
                if (!c.prenorm()) {
                    dr = new double[n];
                    layerNormBackward(bl.normXhat, bl.normInv, length, h, p.get(ParameterNames.normWeight(i)), dx, dr,
                            g.get(ParameterNames.normWeight(i)), g.get(ParameterNames.normBias(i)));
                }
                bl.dResidual = dr;
                double[] dg = dr.clone();
                if (bl.mask1 != null) scaleChannels(dg, length, h, bl.mask1);
                dv = new double[length * 2 * h];
                gluBackward(bl.v, dg, length, h, dv);
            } else {
                dv = dx;
            }
            double[] da = new double[n];
            linearBackward(bl.a, length, h, p.get(ParameterNames.mixWeight(i)), c.mixerOutputs(), dv, da,
                    g.get(ParameterNames.mixWeight(i)), g.get(ParameterNames.mixBias(i)));
            if (bl.mask0 != null) scaleChannels(da, length, h, bl.mask0);
            if (ref) geluBackward(bl.y, da);
            else reluBackward(bl.y, da);
            double[] dz = new double[n];
            causalConvolutionBackward(k[i], p.get(ParameterNames.d(i)), bl.z, da, length, h, dz, dK[i], g.get(ParameterNames.d(i)));
            return dz;
        }

        /** Without batch norms: ∂loss/∂(block i input) from ∂loss/∂(S4D input), through the pre-norm and the residual path. */
        double[] inputGradient(int i, double[] dz, Map<String, double[]> g) {
            if (!ref) return dz;
            int h = c.dModel();
            Block bl = blocks[i];
            if (c.prenorm()) {
                double[] dNorm = new double[dz.length];
                layerNormBackward(bl.normXhat, bl.normInv, length, h, p.get(ParameterNames.normWeight(i)), dz, dNorm,
                        g.get(ParameterNames.normWeight(i)), g.get(ParameterNames.normBias(i)));
                dz = dNorm;
            }
            double[] dIn = bl.dResidual.clone();
            for (int j = 0; j < dIn.length; j++) dIn[j] += dz[j];
            return dIn;
        }

        void encodeBackward(double[] dx, Map<String, double[]> g) {
            linearBackward(u, length, c.dInput(), p.get(ParameterNames.ENCODER_WEIGHT), c.dModel(), dx, null,
                    g.get(ParameterNames.ENCODER_WEIGHT), g.get(ParameterNames.ENCODER_BIAS));
        }
    }
}
