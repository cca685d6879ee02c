package dev.s4d.cli;

import dev.s4d.engine.TokenStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the user's own tokens ({@link LiveLine} text, one per line) through named streams of any
 * engine and prints a prediction after every token.
 *
 * <p>Tokens are stepped as soon as no further input is waiting, so a live source gets its answer
 * without delay; when lines are already buffered (a file, a fast producer), consecutive tokens of
 * different streams go through the engine in one step, which lets it use its threads. Either way the
 * predictions come out in the order the tokens went in, and each stream sees its tokens in order.
 *
 * <p>A line that cannot be used is reported on the error writer with its number and skipped; no
 * stream moves for it.
 */
final class LiveSession {
    enum Format { TEXT, JSONL }

    /** What a session did: tokens stepped, lines refused, distinct stream names seen, step times. */
    record Summary(long tokens, long refusedLines, int streamsSeen, double p50Micros, double p99Micros, int timedSteps) {
    }

    /** How many recent step times the latency percentiles cover, so a session that runs for days keeps bounded memory. */
    static final int TIMED_STEPS = 1 << 16;

    private final TokenStreams streams;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Format format;
    private final int d;
    private final int classes;
    private final Map<String, Integer> slots = new HashMap<>();
    private final Deque<Integer> free = new ArrayDeque<>();
    private final java.util.Set<String> seen = new java.util.HashSet<>();

    // The pending step: rows 0..pending of ids/tokens, with the stream names for the output.
    private final int[] ids;
    private final String[] names;
    private final boolean[] inStep;
    private final float[] tokens;
    private final float[] logits;
    private int pending;

    private final double[] stepMicros = new double[TIMED_STEPS];
    private long steps;
    private long stepped;
    private long refused;

    LiveSession(TokenStreams streams, PrintWriter out, PrintWriter err, Format format) {
        this.streams = streams;
        this.out = out;
        this.err = err;
        this.format = format;
        this.d = streams.config().dInput();
        this.classes = streams.config().nClasses();
        int k = streams.count();
        for (int i = 0; i < k; i++) free.add(i);
        ids = new int[k];
        names = new String[k];
        inStep = new boolean[k];
        tokens = new float[k * d];
        logits = new float[k * classes];
    }

    /** Reads lines until the end of input, stepping and printing as it goes. */
    Summary run(BufferedReader in) throws IOException {
        long lineNo = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            try {
                accept(LiveLine.parse(line, d));
            } catch (IllegalArgumentException e) {
                refused++;
                err.println("s4d live: line " + lineNo + ": " + e.getMessage() + "; line skipped");
                err.flush();
            }
            if (!in.ready()) flush();
        }
        flush();
        int timed = (int) Math.min(steps, TIMED_STEPS);
        double[] times = Arrays.copyOf(stepMicros, timed);
        return new Summary(stepped, refused, seen.size(),
                timed == 0 ? Double.NaN : Timing.median(times), timed == 0 ? Double.NaN : Timing.percentile(times, 99), timed);
    }

    private void accept(LiveLine line) {
        switch (line.kind()) {
            case SKIP -> { }
            case TOKEN -> add(line.stream(), line.token());
            case RESET, CLOSE -> {
                // Earlier tokens of this stream must go through before its state is cleared.
                flush();
                Integer slot = slots.get(line.stream());
                if (slot == null) return;  // never seen or already closed: its state is zero already
                streams.reset(slot);
                if (line.kind() == LiveLine.Kind.CLOSE) {
                    slots.remove(line.stream());
                    free.add(slot);
                }
            }
        }
    }

    private void add(String name, float[] token) {
        Integer slot = slots.get(name);
        if (slot == null) {
            if (free.isEmpty()) {
                throw new IllegalArgumentException("stream '" + name + "' would be stream " + (streams.count() + 1) + " but at most "
                        + streams.count() + " are open (--streams); close one first ('NAME: close')");
            }
            slot = free.poll();
            slots.put(name, slot);
            seen.add(name);
        }
        // A stream takes one token per step: a second token for it waits for the next step.
        if (inStep[slot]) flush();
        ids[pending] = slot;
        names[pending] = name;
        inStep[slot] = true;
        System.arraycopy(token, 0, tokens, pending * d, d);
        pending++;
    }

    private void flush() {
        if (pending == 0) return;
        long t0 = System.nanoTime();
        streams.step(ids, pending, tokens, logits);
        stepMicros[(int) (steps++ % TIMED_STEPS)] = (System.nanoTime() - t0) / 1e3;
        for (int r = 0; r < pending; r++) {
            print(names[r], streams.tokensSeen(ids[r]), r);
            inStep[ids[r]] = false;
        }
        stepped += pending;
        pending = 0;
        out.flush();
    }

    private void print(String name, long token, int row) {
        int base = row * classes;
        int best = 0;
        float max = logits[base];
        for (int c = 1; c < classes; c++) {
            if (logits[base + c] > max) {
                max = logits[base + c];
                best = c;
            }
        }
        // Softmax of the winning class, shifted by the maximum so large logits cannot overflow.
        double sum = 0;
        for (int c = 0; c < classes; c++) sum += Math.exp(logits[base + c] - max);
        double p = 1 / sum;
        if (format == Format.TEXT) {
            out.printf(Locale.ROOT, "%s\t%d\t%d\t%.4f%n", name, token, best, p);
            return;
        }
        StringBuilder sb = new StringBuilder(64 + 12 * classes);
        // Names are letters, digits, '_', '.' and '-' (LiveLine), so they need no JSON escaping.
        sb.append("{\"stream\":\"").append(name).append("\",\"token\":").append(token)
                .append(",\"class\":").append(best).append(",\"p\":").append(String.format(Locale.ROOT, "%.6f", p))
                .append(",\"logits\":[");
        for (int c = 0; c < classes; c++) {
            if (c > 0) sb.append(',');
            sb.append(logits[base + c]);
        }
        out.println(sb.append("]}"));
    }
}
