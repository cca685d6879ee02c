package dev.s4d.loihi.chip;

import dev.s4d.bench.SteadyTime;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.Readout;

import java.util.Locale;

/**
 * A by-hand speed check of the fixed-point engine (not a test): tokens per second for one stream and
 * for a set of streams stepped together, on a random model of the sMNIST size (H = 80, 32 modes,
 * 4 blocks: 10,240 S4D neurons). After
 * {@code ./mvnw -q -B -o -pl loihi -am test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt}:
 * <pre>
 *   java -cp loihi/target/classes:loihi/target/test-classes:$(cat loihi/cp.txt) \
 *        dev.s4d.loihi.chip.ChipEngineSpeed [streams] [threads] [sigma-delta threshold]
 * </pre>
 * Figures are the best of several rounds of at least 0.5 s after a warm-up.
 */
public final class ChipEngineSpeed {
    private ChipEngineSpeed() {
    }

    private static volatile float sink;

    private static double measure(Runnable op) {
        return SteadyTime.bestNanos(op, 500_000_000L, 60_000_000_000L);
    }

    public static void main(String[] args) {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        ChipOptions options = ChipOptions.defaults().withThreads(threads);
        if (args.length > 2) options = options.withSigmaDelta(Double.parseDouble(args[2]));
        QuantizedModel q = TestModels.random(1, 1, 80, 32, 4, 10, Readout.MEAN, QuantConfig.defaults());
        FixedPointEngine engine = FixedPointEngine.compile(q, options);
        int length = 784;
        float[] sequence = TestModels.sequence(length, 1, 2);
        System.out.printf(Locale.ROOT, "H=80, 32 modes, 4 blocks (10,240 S4D neurons), %s, %d threads%n",
                options.sigmaDelta() ? "sigma-delta θ=" + options.threshold() : "no sigma-delta", threads);

        try (ChipStreams one = engine.open(1)) {
            float[] token = new float[1];
            int[] t = {0};
            double ns = measure(() -> {
                for (int i = 0; i < 64; i++) {
                    // Sequences of 784 tokens, as evaluation runs them (the mean readout integrates over one).
                    if (t[0] % length == 0) one.reset(0);
                    token[0] = sequence[t[0]++ % length];
                    sink += one.step(0, token)[0];
                }
            }) / 64;
            System.out.printf(Locale.ROOT, "1 stream: %.1f µs per token, %.0f tokens/s%n", ns / 1e3, 1e9 / ns);
            printActivity(one.counters());
        }
        try (ChipStreams many = engine.open(streams)) {
            float[] tokens = new float[streams];
            float[] logits = new float[streams * q.model().nClasses()];
            int[] t = {0};
            double ns = measure(() -> {
                if (t[0] % length == 0) {
                    for (int s = 0; s < streams; s++) many.reset(s);
                }
                for (int s = 0; s < streams; s++) tokens[s] = sequence[(t[0] + 7 * s) % length];
                t[0]++;
                many.stepAll(tokens, logits);
                sink += logits[0];
            });
            System.out.printf(Locale.ROOT, "%d streams: %.2f ms per step, %.0f tokens/s%n", streams, ns / 1e6, streams * 1e9 / ns);
        }
    }

    private static void printActivity(ChipCounters c) {
        StringBuilder s = new StringBuilder("sparsity:");
        for (ChipTopology.NeuronGroup g : c.topology().neuronGroups()) {
            if (g.kind() != ChipTopology.NeuronKind.CLASS) s.append(String.format(Locale.ROOT, " %s %.2f", g.name(), c.sparsity(g.index())));
        }
        System.out.println(s);
        System.out.printf(Locale.ROOT, "per token: %.0f synops, %.0f messages; saturations %s%n",
                (double) c.totalSynops() / c.tokens(), (double) c.totalMessages() / c.tokens(), c.saturationsBySite());
    }
}
