package dev.s4d.cli;

import dev.s4d.data.Dataset;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.Streams;
import dev.s4d.engine.TokenStreams;
import dev.s4d.model.ModelConfig;

/**
 * Feeds a dataset through K streams token by token and times every step. Stream k plays samples
 * k, k+K, k+2K, …; a stream that runs out of samples stops taking part.
 */
final class StreamReplay {
    private StreamReplay() {
    }

    record Result(int samples, int correct, double p50Micros, double p99Micros, double tokensPerSecond, double[] stepMicros) {
    }

    /** Replays through the float recurrent engine. */
    static Result run(RecurrentEngine engine, Dataset ds, int k, ProgressBar bar) {
        try (Streams s = engine.open(k)) {
            return run(s, ds, k, bar);
        }
    }

    /**
     * Replays through the first K streams of any engine, resetting a stream before its next sample.
     * The caller owns the streams and the bar, which may go on counting other work.
     */
    static Result run(TokenStreams streams, Dataset ds, int k, ProgressBar bar) {
        ModelConfig config = streams.config();
        int d = config.dInput();
        int classes = config.nClasses();
        int n = ds.size();
        int length = ds.task().length();
        int rounds = (n + k - 1) / k;
        double[] step = new double[rounds * length];
        int correct = 0;
        long tokens = 0;
        long busy = 0;
        int[] ids = new int[k];
        float[] in = new float[k * d];
        float[] logits = new float[k * classes];
        float[][] seqs = new float[k][];
        for (int round = 0; round < rounds; round++) {
            int active = Math.min(k, n - round * k);
            for (int j = 0; j < active; j++) {
                ids[j] = j;
                seqs[j] = ds.sequence(round * k + j);
                streams.reset(j);
            }
            for (int t = 0; t < length; t++) {
                for (int j = 0; j < active; j++) System.arraycopy(seqs[j], t * d, in, j * d, d);
                long t0 = System.nanoTime();
                streams.step(ids, active, in, logits);
                long dt = System.nanoTime() - t0;
                busy += dt;
                step[round * length + t] = dt / 1e3;
                tokens += active;
                bar.advance(active);
            }
            for (int j = 0; j < active; j++) {
                float[] row = java.util.Arrays.copyOfRange(logits, j * classes, (j + 1) * classes);
                if (Classifier.argmax(row) == ds.label(round * k + j)) correct++;
            }
        }
        return new Result(n, correct, Timing.median(step), Timing.percentile(step, 99), tokens / (busy / 1e9), step);
    }
}
