package dev.s4d.engine;

import dev.s4d.model.ModelConfig;
import java.util.List;
import java.util.stream.IntStream;

/**
 * How often each channel of each S4D layer had a positive output (the D term included), counted over
 * the tokens of the sequences run with {@link ConvEngine#logits(float[][], ChannelActivity)}. In the
 * loihi flavour that output goes into a ReLU, so this is how often the ReLU passes something on: a
 * channel never positive is dead (it sends nothing, and no gradient reaches its parameters), and the
 * share of zeros is the activation sparsity that saves the chip's messages. In the reference flavour
 * the output goes into a GELU, for which "positive" is only a description of the signal.
 *
 * <p>Thread-safe: samples run on several workers add their counts under this object's lock.
 */
public final class ChannelActivity {
    /** Below this share of tokens a channel counts as "rarely active" in {@link #rarelyActive(int)}. */
    public static final double RARE = 0.01;

    private final long[][] positive;
    private long tokens;

    public ChannelActivity(ModelConfig config) {
        positive = new long[config.nLayers()][config.dModel()];
    }

    /** Adds one sample's counts: {@code counts[layer][channel]} positive outputs over {@code sampleTokens} tokens. */
    synchronized void add(long[][] counts, int sampleTokens) {
        for (int l = 0; l < positive.length; l++) {
            for (int j = 0; j < positive[l].length; j++) positive[l][j] += counts[l][j];
        }
        tokens += sampleTokens;
    }

    /** Counts the positive values of one layer's output y (length × H, token-major) into {@code into} (H). */
    static void countPositive(float[] y, int length, int h, long[] into) {
        for (int t = 0; t < length; t++) {
            int row = t * h;
            for (int j = 0; j < h; j++) {
                if (y[row + j] > 0) into[j]++;
            }
        }
    }

    public int layers() {
        return positive.length;
    }

    public int channels() {
        return positive[0].length;
    }

    /** Tokens counted, summed over all sequences. */
    public synchronized long tokens() {
        return tokens;
    }

    /** The share of tokens on which channel {@code channel} of layer {@code layer} was positive. */
    public synchronized double share(int layer, int channel) {
        return tokens == 0 ? 0 : positive[layer][channel] / (double) tokens;
    }

    /** Channels of {@code layer} that were never positive: dead ReLUs in the loihi flavour. */
    public synchronized int silent(int layer) {
        int n = 0;
        for (long p : positive[layer]) if (p == 0) n++;
        return n;
    }

    /** {@link #silent(int)} of every layer, in order: a run that loses many channels is losing width. */
    public synchronized List<Integer> silentPerLayer() {
        return IntStream.range(0, positive.length).map(this::silent).boxed().toList();
    }

    /** Channels of {@code layer} positive on fewer than {@link #RARE} of the tokens, the silent ones included. */
    public synchronized int rarelyActive(int layer) {
        int n = 0;
        for (int j = 0; j < positive[layer].length; j++) if (share(layer, j) < RARE) n++;
        return n;
    }

    /** The share of (token, channel) pairs of {@code layer} that were positive: 1 − the ReLU's sparsity. */
    public synchronized double meanShare(int layer) {
        if (tokens == 0) return 0;
        long sum = 0;
        for (long p : positive[layer]) sum += p;
        return sum / ((double) tokens * positive[layer].length);
    }
}
