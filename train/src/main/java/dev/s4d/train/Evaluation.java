package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.s4d.data.Dataset;
import dev.s4d.engine.ChannelActivity;
import dev.s4d.engine.ConvEngine;
import dev.s4d.kernel.Kernels;
import dev.s4d.model.S4DModel;

/**
 * Loss and accuracy of a model on some samples, measured with the inference engine (no dropout):
 * what validation and the final test report.
 *
 * @param loss    mean cross-entropy
 * @param correct samples whose largest logit is their label
 * @param count   samples measured
 */
public record Evaluation(
        @JsonProperty("loss") double loss,
        @JsonProperty("correct") int correct,
        @JsonProperty("count") int count) {

    @JsonProperty("accuracy")
    public double accuracy() {
        return count == 0 ? 0 : correct / (double) count;
    }

    /**
     * Runs {@code model} on the samples {@code indices} of {@code data} with a {@link ConvEngine} on
     * {@code threads} threads, {@code batch} samples at a time, reporting each batch to {@code progress}.
     */
    public static Evaluation measure(S4DModel model, Dataset data, int[] indices, int batch, int threads,
                                     TrainListener.Progress progress) {
        return measure(model, data, indices, batch, threads, progress, null);
    }

    /** As {@link #measure(S4DModel, Dataset, int[], int, int, TrainListener.Progress)}, also counting channel activity when {@code activity} is not null. */
    public static Evaluation measure(S4DModel model, Dataset data, int[] indices, int batch, int threads,
                                     TrainListener.Progress progress, ChannelActivity activity) {
        ConvEngine engine = ConvEngine.compile(model, Kernels.best(), threads);
        double lossSum = 0;
        int correct = 0;
        for (int from = 0; from < indices.length; from += batch) {
            int count = Math.min(batch, indices.length - from);
            float[][] sequences = new float[count][];
            for (int i = 0; i < count; i++) sequences[i] = data.sequence(indices[from + i]);
            float[][] logits = engine.logits(sequences, activity);
            for (int i = 0; i < count; i++) {
                int label = data.label(indices[from + i]);
                lossSum += crossEntropy(logits[i], label);
                if (argmax(logits[i]) == label) correct++;
            }
            progress.advance(count, String.format(java.util.Locale.ROOT, "acc %.2f%%", 100.0 * correct / (from + count)));
        }
        return new Evaluation(indices.length == 0 ? 0 : lossSum / indices.length, correct, indices.length);
    }

    /** −log softmax(logits)[label], through log-sum-exp so large logits do not overflow. */
    static double crossEntropy(float[] logits, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        return max + Math.log(sum) - logits[label];
    }

    /** The first index of the largest value, as PyTorch's argmax breaks ties. */
    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }

    /** For logs: accuracy in percent with the counts, and the loss. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "accuracy %.2f%% (%d/%d), loss %.4f", 100 * accuracy(), correct, count, loss);
    }
}
