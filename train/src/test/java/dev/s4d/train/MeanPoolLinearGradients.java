package dev.s4d.train;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.util.SplittableRandom;

/**
 * A stand-in for the S4D backward pass, for testing the trainer: a softmax classifier on the mean of
 * the tokens through the model's encoder and decoder, {@code logits = W_d·dropout(W_e·ū + b_e) + b_d},
 * with its exact gradient. Every other parameter gets a zero gradient. Cheap, deterministic, and
 * dropout masks follow from the step's seed as the contract asks.
 */
public final class MeanPoolLinearGradients implements GradientSource {
    private final ModelConfig config;
    private final double dropout;

    public MeanPoolLinearGradients(ModelConfig config, double dropout) {
        this.config = config;
        this.dropout = dropout;
    }

    @Override
    public BatchStats compute(Parameters params, Parameters grads, float[][] sequences, int[] labels, long dropoutSeed) {
        int h = config.dModel();
        int d = config.dInput();
        int classes = config.nClasses();
        float[] we = params.get(ParameterNames.ENCODER_WEIGHT).data();
        float[] be = params.get(ParameterNames.ENCODER_BIAS).data();
        float[] wd = params.get(ParameterNames.DECODER_WEIGHT).data();
        float[] bd = params.get(ParameterNames.DECODER_BIAS).data();
        double[] gWe = new double[we.length];
        double[] gBe = new double[be.length];
        double[] gWd = new double[wd.length];
        double[] gBd = new double[bd.length];
        SplittableRandom rng = new SplittableRandom(dropoutSeed);
        int batch = sequences.length;
        double lossSum = 0;
        int correct = 0;
        for (int b = 0; b < batch; b++) {
            float[] x = sequences[b];
            int tokens = x.length / d;
            double[] mean = new double[d];
            for (int t = 0; t < tokens; t++) {
                for (int f = 0; f < d; f++) mean[f] += x[t * d + f];
            }
            for (int f = 0; f < d; f++) mean[f] /= tokens;
            double[] scale = new double[h];
            double[] hidden = new double[h];
            for (int j = 0; j < h; j++) {
                scale[j] = dropout == 0 ? 1 : rng.nextDouble() < dropout ? 0 : 1 / (1 - dropout);
                double z = be[j];
                for (int f = 0; f < d; f++) z += we[j * d + f] * mean[f];
                hidden[j] = z * scale[j];
            }
            double[] logits = new double[classes];
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int c = 0; c < classes; c++) {
                double z = bd[c];
                for (int j = 0; j < h; j++) z += wd[c * h + j] * hidden[j];
                logits[c] = z;
                if (z > max) {
                    max = z;
                    argmax = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.exp(logits[c] - max);
            lossSum += max + Math.log(sum) - logits[labels[b]];
            if (argmax == labels[b]) correct++;
            double[] dHidden = new double[h];
            for (int c = 0; c < classes; c++) {
                double dLogit = (Math.exp(logits[c] - max) / sum - (c == labels[b] ? 1 : 0)) / batch;
                gBd[c] += dLogit;
                for (int j = 0; j < h; j++) {
                    gWd[c * h + j] += dLogit * hidden[j];
                    dHidden[j] += dLogit * wd[c * h + j];
                }
            }
            for (int j = 0; j < h; j++) {
                double dz = dHidden[j] * scale[j];
                gBe[j] += dz;
                for (int f = 0; f < d; f++) gWe[j * d + f] += dz * mean[f];
            }
        }
        for (Tensor t : grads.asMap().values()) java.util.Arrays.fill(t.data(), 0f);
        store(gWe, grads.get(ParameterNames.ENCODER_WEIGHT));
        store(gBe, grads.get(ParameterNames.ENCODER_BIAS));
        store(gWd, grads.get(ParameterNames.DECODER_WEIGHT));
        store(gBd, grads.get(ParameterNames.DECODER_BIAS));
        return new BatchStats(lossSum / batch, correct, batch);
    }

    private static void store(double[] from, Tensor to) {
        float[] data = to.data();
        for (int i = 0; i < data.length; i++) data[i] = (float) from[i];
    }
}
