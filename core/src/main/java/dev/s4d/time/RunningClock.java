package dev.s4d.time;

/**
 * Elapsed time without the spans the process was stopped ({@code kill -STOP}, Ctrl-Z in a terminal,
 * a debugger), so that the rates, ETAs and epoch times of long runs stay true across a pause.
 * ({@link System#nanoTime()} already leaves out a machine's suspend on Linux, not a stopped process.)
 *
 * <p>A daemon thread looks at the time every {@value #TICK_MILLIS} ms. A running JVM wakes it within
 * milliseconds even with every core busy, so a gap of more than {@value #STALL_MILLIS} ms between two
 * looks means the whole process stood still, and all of the gap beyond that threshold is left out.
 * Counting only the excess keeps readings continuous and never decreasing, also while a stall is
 * in progress and the thread has not yet seen it (a reading then stops at the threshold).
 */
public final class RunningClock {
    static final long TICK_MILLIS = 100;
    static final long STALL_MILLIS = 1000;
    private static final long STALL_NANOS = STALL_MILLIS * 1_000_000L;

    private long lastLook;
    private long stalled;

    RunningClock(long now) {
        lastLook = now;
    }

    /** Nanoseconds from an arbitrary origin, like {@link System#nanoTime()}, without the stopped spans. */
    public static long nanoTime() {
        return Ticker.CLOCK.read(System.nanoTime());
    }

    /** Records a look at the time {@code now}: a gap since the last look beyond the threshold counts as stopped. */
    synchronized void look(long now) {
        stalled += stallSince(now);
        lastLook = now;
    }

    /** The time at {@code now} without the stalls seen, and without a stall in progress. */
    synchronized long read(long now) {
        return now - stalled - stallSince(now);
    }

    private long stallSince(long now) {
        return Math.max(0, now - lastLook - STALL_NANOS);
    }

    /** Holds the process-wide clock, so that its thread starts on first use only. */
    private static final class Ticker {
        static final RunningClock CLOCK = new RunningClock(System.nanoTime());

        static {
            Thread looker = new Thread(() -> {
                try {
                    while (true) {
                        Thread.sleep(TICK_MILLIS);
                        CLOCK.look(System.nanoTime());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "s4d-running-clock");
            looker.setDaemon(true);
            looker.start();
        }
    }
}
