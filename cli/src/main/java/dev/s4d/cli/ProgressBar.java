package dev.s4d.cli;

import dev.s4d.time.RunningClock;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress line on stderr: bar, count, rate and ETA. On a terminal it redraws in place at most ten
 * times a second; when stderr is redirected it prints a plain line every 10% so logs stay readable.
 */
final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 28;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintWriter out;
    private final boolean interactive;
    private final long start = RunningClock.nanoTime();
    private long done;
    private long skipped;
    private long lastDraw;
    private int lastLength;
    private int lastDecile = -1;
    private String suffix = "";

    ProgressBar(String label, long total, String unit, PrintWriter out, boolean interactive) {
        this.label = label;
        this.total = Math.max(total, 1);
        this.unit = unit;
        this.out = out;
        this.interactive = interactive;
    }

    /** Extra text after the rate, e.g. a running accuracy. */
    void suffix(String text) {
        this.suffix = text;
    }

    /** Counts {@code n} as done before this bar started (a resumed epoch): shown in the count, left out of the rate. */
    void skip(long n) {
        done += n;
        skipped += n;
    }

    void advance(long n) {
        done += n;
        long now = RunningClock.nanoTime();
        if (interactive) {
            if (now - lastDraw > 100_000_000L || done >= total) {
                String line = line(now);
                // Blank out what is left of a longer previous line (the rate or suffix can shrink).
                out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
                lastLength = line.length();
                out.flush();
                lastDraw = now;
            }
        } else {
            int decile = (int) (10 * done / total);
            if (decile > lastDecile) {
                out.println(line(now));
                out.flush();
                lastDecile = decile;
            }
        }
    }

    String line(long now) {
        double seconds = Math.max((now - start) / 1e9, 1e-9);
        double rate = (done - skipped) / seconds;
        double frac = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(frac * WIDTH);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        long eta = rate > 0 ? (long) ((total - done) / rate) : -1;
        return String.format(Locale.ROOT, "%s [%s] %3.0f%% %d/%d %s  %s/s  ETA %s%s",
                label, bar, 100 * frac, done, total, unit, human(rate), eta < 0 ? "?" : clock(eta),
                suffix.isEmpty() ? "" : "  " + suffix);
    }

    static String human(double v) {
        if (v >= 1e6) return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        if (v >= 1e3) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String clock(long seconds) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
    }

    @Override
    public void close() {
        if (interactive) out.println();
        out.flush();
    }
}
