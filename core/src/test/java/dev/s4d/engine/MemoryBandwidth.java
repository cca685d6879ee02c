package dev.s4d.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's main-memory bandwidth as the recurrent engine's many-stream step sees it (not a test):
 * each thread runs y[i] += a·x[i] over two 128 MB float arrays, two read streams and one write stream,
 * like the diagonal recurrence over states far larger than the caches. With thousands of streams every
 * token moves its stream's whole state in and out, so this bounds the tokens per second (see
 * docs/BENCHMARKS.md, "The miss: 1,024 streams"). After {@code ./mvnw -q -o -pl core test-compile}:
 * <pre>
 *   java -Xmx2g -cp core/target/test-classes dev.s4d.engine.MemoryBandwidth [threads]
 * </pre>
 * Prints the best of 8 passes per thread, summed over the threads, counting 12 bytes per element
 * (the write-allocate reads of y are not counted: y is read anyway).
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {
    }

    private static final int FLOATS = 32 << 20;

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) results.add(pool.submit(MemoryBandwidth::bestGigabytesPerSecond));
            double total = 0;
            for (Future<Double> f : results) total += f.get();
            System.out.printf(Locale.ROOT, "%d thread(s): %.1f GB/s (2 read streams + 1 write stream, best of 8 passes each)%n",
                    threads, total);
        } finally {
            pool.shutdown();
        }
    }

    private static double bestGigabytesPerSecond() {
        float[] x = new float[FLOATS];
        float[] y = new float[FLOATS];
        Arrays.fill(x, 1f);
        double best = 0;
        for (int pass = 0; pass < 8; pass++) {
            long start = System.nanoTime();
            for (int i = 0; i < FLOATS; i++) y[i] += 0.999f * x[i];
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, 3.0 * Float.BYTES * FLOATS / seconds / 1e9);
        }
        // Keeps the loop's result alive.
        if (y[FLOATS / 2] == 42f) System.out.print("");
        return best;
    }
}
