package dev.s4d.train.grad;

import static dev.s4d.train.grad.DoubleLayers.*;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
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
 * it to short sequences.
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
        this.c = config;
        this.dropout = new DropoutMasks(dropout);
        this.smoothing = smoothing;
        this.distillation = Distillation.requireFits(config, distillation);
    }

    @Override
    public BatchStats compute(Parameters params, Parameters grads, float[][] sequences, int[] labels, long dropoutSeed) {
        BatchShape.checkParameters(c, params, "params");
        BatchShape.checkParameters(c, grads, "grads");
        Map<String, double[]> p = new LinkedHashMap<>();
        for (String name : S4DModel.expectedShapes(c).keySet()) {
            float[] v = params.get(name).data();
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) d[i] = v[i];
            p.put(name, d);
        }
        Map<String, double[]> g = new LinkedHashMap<>();
        BatchStats stats = compute(p, g, sequences, labels, dropoutSeed);
        g.forEach((name, d) -> {
            float[] out = grads.get(name).data();
            for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        });
        return stats;
    }

    /**
     * As {@link GradientSource#compute} on double parameters.
     *
     * @param params every parameter of {@code S4DModel.expectedShapes(config)}, flat
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

    private BatchStats run(Map<String, double[]> p, Map<String, double[]> grads, float[][] sequences, int[] labels,
                           long seed) {
        BatchShape shape = BatchShape.check(c, sequences, labels);
        int length = shape.length();
        S4DKernel[] kernels = new S4DKernel[c.nLayers()];
        double[][] k = new double[c.nLayers()][];
        double[][] dK = new double[c.nLayers()][];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = new S4DKernel(c.discretization(), c.dModel(), c.modes(), p.get(ParameterNames.logDt(i)),
                    p.get(ParameterNames.logAReal(i)), p.get(ParameterNames.aImag(i)), p.get(ParameterNames.c(i)));
            k[i] = kernels[i].kernel(length);
            dK[i] = new double[k[i].length];
        }
        if (grads != null) {
            S4DModel.expectedShapes(c).forEach((name, dims) -> {
                int n = 1;
                for (int d : dims) n *= d;
                grads.put(name, new double[n]);
            });
        }
        double[][] soft = distillation == null ? null : distillation.targets(sequences);
        double lossSum = 0;
        int correct = 0;
        for (int b = 0; b < shape.size(); b++) {
            Sample s = new Sample(p, k, length, seed, b);
            s.forward(sequences[b]);
            double[] dLogits = new double[c.nClasses()];
            double loss = crossEntropy(s.logits, labels[b], smoothing, dLogits);
            lossSum += soft == null ? loss : distill(s.logits, soft[b], distillation.weight(), distillation.temperature(), loss, dLogits);
            if (argmax(s.logits) == labels[b]) correct++;
            if (grads != null) {
                for (int j = 0; j < dLogits.length; j++) dLogits[j] /= shape.size();
                s.backward(dLogits, grads, dK);
            }
        }
        if (grads != null) {
            for (int i = 0; i < kernels.length; i++) {
                kernels[i].backward(dK[i], length, 0, c.dModel(), grads.get(ParameterNames.logDt(i)),
                        grads.get(ParameterNames.logAReal(i)), grads.get(ParameterNames.aImag(i)),
                        grads.get(ParameterNames.c(i)));
            }
        }
        return new BatchStats(lossSum / shape.size(), correct, shape.size());
    }

    /** One sample's forward pass, keeping what its backward pass needs. */
    private final class Sample {
        private final Map<String, double[]> p;
        private final double[][] k;
        private final int length;
        private final long seed;
        private final int index;
        private final boolean ref = c.flavour() == BlockFlavour.REFERENCE;
        private final Block[] blocks = new Block[c.nLayers()];
        private double[] u;
        private double[] pooled;
        double[] logits;

        /** What one block's backward pass needs of its forward pass. */
        private static final class Block {
            double[] normXhat;   // this block's LayerNorm (before the S4D layer or after the residual)
            double[] normInv;
            double[] z;          // S4D input
            double[] y;          // S4D output before the activation
            double[] a;          // activation after dropout: the pointwise linear's input
            double[] v;          // pointwise linear's output, the GLU's input (reference flavour)
            double[] mask0;      // dropout factors per channel after the activation, or null
            double[] mask1;      // … on the block output, or null
        }

        Sample(Map<String, double[]> p, double[][] k, int length, long seed, int index) {
            this.p = p;
            this.k = k;
            this.length = length;
            this.seed = seed;
            this.index = index;
        }

        void forward(float[] sequence) {
            int h = c.dModel();
            int n = length * h;
            u = new double[sequence.length];
            for (int i = 0; i < u.length; i++) u[i] = sequence[i];
            double[] x = new double[n];
            linear(u, length, c.dInput(), p.get(ParameterNames.ENCODER_WEIGHT), p.get(ParameterNames.ENCODER_BIAS), h, x);
            for (int i = 0; i < blocks.length; i++) {
                Block bl = new Block();
                blocks[i] = bl;
                bl.z = x;
                if (ref && c.prenorm()) bl.z = norm(i, bl, x);
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
                    for (int j = 0; j < n; j++) r[j] += x[j];
                    x = c.prenorm() ? r : norm(i, bl, r);
                } else {
                    x = bl.v;
                }
            }
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
            if (!dropout.active()) return null;
            double[] m = new double[c.dModel()];
            for (int j = 0; j < m.length; j++) m[j] = dropout.kept(seed, index, layer, site, j) ? dropout.keptScale() : 0;
            return m;
        }

        /** Adds this sample's gradients to {@code g} and its ∂loss/∂K to {@code dK}. */
        void backward(double[] dLogits, Map<String, double[]> g, double[][] dK) {
            int h = c.dModel();
            int n = length * h;
            double[] dPooled = new double[h];
            linearBackward(pooled, 1, h, p.get(ParameterNames.DECODER_WEIGHT), c.nClasses(), dLogits, dPooled,
                    g.get(ParameterNames.DECODER_WEIGHT), g.get(ParameterNames.DECODER_BIAS));
            double[] dx = new double[n];
            poolBackward(c.readout(), dPooled, length, h, dx);
            for (int i = blocks.length - 1; i >= 0; i--) {
                Block bl = blocks[i];
                double[] dIn = new double[n];       // gradient of the block's input x
                double[] dv;
                if (ref) {
                    double[] dr = dx;
                    if (!c.prenorm()) {
                        dr = new double[n];
                        layerNormBackward(bl.normXhat, bl.normInv, length, h, p.get(ParameterNames.normWeight(i)), dx, dr,
                                g.get(ParameterNames.normWeight(i)), g.get(ParameterNames.normBias(i)));
                    }
                    System.arraycopy(dr, 0, dIn, 0, n);   // the residual path
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
                causalConvolutionBackward(k[i], p.get(ParameterNames.d(i)), bl.z, da, length, h, dz, dK[i],
                        g.get(ParameterNames.d(i)));
                if (ref && c.prenorm()) {
                    double[] dNorm = new double[n];
                    layerNormBackward(bl.normXhat, bl.normInv, length, h, p.get(ParameterNames.normWeight(i)), dz, dNorm,
                            g.get(ParameterNames.normWeight(i)), g.get(ParameterNames.normBias(i)));
                    dz = dNorm;
                }
                for (int j = 0; j < n; j++) dIn[j] += dz[j];
                dx = dIn;
            }
            linearBackward(u, length, c.dInput(), p.get(ParameterNames.ENCODER_WEIGHT), h, dx, null,
                    g.get(ParameterNames.ENCODER_WEIGHT), g.get(ParameterNames.ENCODER_BIAS));
        }
    }
}
