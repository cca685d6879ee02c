package dev.s4d.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Runs one job on several pool threads and waits for all, passing a worker's failure on unchanged.
 * Public for the trainer's gradient workers, which split their batches the same way.
 */
public final class Workers {
    private Workers() {
    }

    /**
     * Runs {@code job.accept(w)} for w in [0, workers) on the pool and returns when all are done.
     *
     * @param what names the work in the message if the wait is interrupted
     */
    public static void runAll(ForkJoinPool pool, int workers, IntConsumer job, String what) {
        List<Future<?>> futures = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            int worker = w;
            futures.add(pool.submit(() -> job.accept(worker)));
        }
        try {
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
