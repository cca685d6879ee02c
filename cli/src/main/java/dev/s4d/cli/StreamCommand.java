package dev.s4d.cli;

import dev.s4d.data.Dataset;
import dev.s4d.data.Split;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.model.S4DModel;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Replays dataset samples token by token through K concurrent streams, as live sensors would send
 * them, and reports the latency of each step and the throughput.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = {"Replay samples token by token through the recurrent engine and report latency and throughput.",
                "Each of K streams takes the next sample when it finishes one; every step feeds one token to each stream.",
                "For your own tokens as they arrive, use s4d live."})
final class StreamCommand extends CliCommand {

    @Mixin
    ModelOnSplitMixin input;

    @Option(names = "--streams", paramLabel = "K", description = "Concurrent streams (default 1).")
    int streams = 1;

    @Option(names = "--threads", description = "Threads stepping the streams (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (streams < 1) throw new IllegalArgumentException("--streams must be at least 1, got " + streams);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        input.data.checkOptions();
        Split which = input.split.get();
        if (input.data.limit == null) input.data.limit = Math.max(streams, 100);
        S4DModel m = input.loadModel();
        int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        RecurrentEngine engine = RecurrentEngine.compile(m, dev.s4d.kernel.Kernels.best(), nThreads);
        Dataset ds = input.data.load(which);
        StreamReplay.Result r;
        try (ProgressBar bar = progress("stream " + input.data.task().id(), (long) ds.size() * input.data.task().length(), "tokens")) {
            r = StreamReplay.run(engine, ds, streams, bar);
        }
        java.io.PrintWriter out = out();
        out.printf(Locale.ROOT, "%s: %d samples through %d stream(s), %d thread(s), kernels %s%n",
                input.data.task().id(), r.samples(), streams, nThreads, dev.s4d.kernel.Kernels.best().name());
        out.printf(Locale.ROOT, "accuracy            %.2f%% (%d/%d)%n", 100.0 * r.correct() / r.samples(), r.correct(), r.samples());
        out.printf(Locale.ROOT, "step latency        p50 %.1f µs, p99 %.1f µs (one token for each of %d streams)%n",
                r.p50Micros(), r.p99Micros(), streams);
        out.printf(Locale.ROOT, "per-token cost      %.2f µs (step time / streams, median)%n", r.p50Micros() / streams);
        out.printf(Locale.ROOT, "throughput          %,.0f tokens/s%n", r.tokensPerSecond());
        return 0;
    }
}
