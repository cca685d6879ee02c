package dev.s4d.cli;

import dev.s4d.engine.ConvEngine;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.Streams;
import dev.s4d.model.S4DModel;

/** Final logits of a batch of whole sequences through the engine a user picked. */
interface Classifier {
    float[][] logits(float[][] sequences);

    static Classifier of(String engine, S4DModel model) {
        return switch (engine) {
            case "conv" -> ConvEngine.compile(model)::logits;
            case "recurrent" -> recurrent(RecurrentEngine.compile(model));
            default -> throw new IllegalArgumentException("unknown --engine '" + engine + "', expected conv or recurrent");
        };
    }

    /** Every sequence as its own stream, all streams stepped together token by token. */
    static Classifier recurrent(RecurrentEngine engine) {
        return sequences -> {
            int d = engine.config().dInput();
            int k = engine.config().nClasses();
            int n = sequences.length;
            int length = sequences[0].length / d;
            float[] tokens = new float[n * d];
            float[] logits = new float[n * k];
            try (Streams s = engine.open(n)) {
                for (int t = 0; t < length; t++) {
                    for (int b = 0; b < n; b++) System.arraycopy(sequences[b], t * d, tokens, b * d, d);
                    s.stepAll(tokens, logits);
                }
            }
            float[][] out = new float[n][];
            for (int b = 0; b < n; b++) out[b] = java.util.Arrays.copyOfRange(logits, b * k, (b + 1) * k);
            return out;
        };
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
