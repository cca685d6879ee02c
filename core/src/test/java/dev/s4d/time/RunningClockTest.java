package dev.s4d.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RunningClockTest {
    private static final long MS = 1_000_000L;

    @Test
    void countsTimeBetweenRegularLooks() {
        RunningClock clock = new RunningClock(0);
        for (long t = 100; t <= 5000; t += 100) clock.look(t * MS);
        assertEquals(5200 * MS, clock.read(5200 * MS));
    }

    @Test
    void leavesOutAStopBeyondTheThreshold() {
        RunningClock clock = new RunningClock(0);
        clock.look(100 * MS);
        // The process stood still for a minute: the next look comes 60 s after the last.
        clock.look(60_100 * MS);
        clock.look(60_200 * MS);
        // 200 ms of looks plus the one second that the threshold lets through.
        assertEquals(1200 * MS, clock.read(60_200 * MS));
    }

    @Test
    void readingsNeverGoBackDuringAStopNotYetSeen() {
        RunningClock clock = new RunningClock(0);
        clock.look(100 * MS);
        long previous = Long.MIN_VALUE;
        for (long t = 100; t <= 10_000; t += 7) {
            long reading = clock.read(t * MS);
            assertTrue(reading >= previous, "reading went back at " + t + " ms");
            previous = reading;
        }
        // Frozen at the threshold while the looks are missing...
        assertEquals(1100 * MS, clock.read(10_000 * MS));
        // ...and unchanged when the look after the stop records it.
        clock.look(10_000 * MS);
        assertEquals(1100 * MS, clock.read(10_000 * MS));
        assertEquals(1150 * MS, clock.read(10_050 * MS));
    }

    @Test
    void followsTheSystemClockWhileRunning() throws InterruptedException {
        long wall = System.nanoTime();
        long running = RunningClock.nanoTime();
        Thread.sleep(300);
        long wallElapsed = System.nanoTime() - wall;
        long runningElapsed = RunningClock.nanoTime() - running;
        // Nothing stopped the test: both measure the same span, up to the time between the two reads.
        assertTrue(Math.abs(wallElapsed - runningElapsed) < 50 * MS, wallElapsed + " vs " + runningElapsed);
    }
}
