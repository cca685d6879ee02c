package dev.s4d.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Where one client's predictions go, in the format it asked for. Used by one thread at a time (the
 * one stepping the engine); equality is identity, so two clients never share a stream name.
 */
class LiveOutput {
    enum Format { TEXT, JSONL }

    private final PrintWriter out;
    private final Format format;
    private final StringBuilder buffer = new StringBuilder(128);

    LiveOutput(PrintWriter out, Format format) {
        this.out = out;
        this.format = format;
    }

    static Format format(String name) {
        return switch (name) {
            case "text" -> Format.TEXT;
            case "jsonl" -> Format.JSONL;
            default -> throw new IllegalArgumentException("unknown --format '" + name + "', expected text or jsonl");
        };
    }

    /**
     * One prediction: the stream, the tokens it has seen, the winning class and its softmax
     * probability; in JSON lines also the logits {@code logits[base..base+classes)}.
     */
    void prediction(String stream, long token, float[] logits, int base, int classes) {
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
        // Built by hand, not with printf: formatting is the larger part of a prediction's cost on small models.
        StringBuilder sb = buffer;
        sb.setLength(0);
        if (format == Format.TEXT) {
            sb.append(stream).append('\t').append(token).append('\t').append(best).append('\t');
            out.println(fixed(sb, p, 4));
            return;
        }
        // Names are letters, digits, '_', '.' and '-' (LiveLine), so they need no JSON escaping.
        sb.append("{\"stream\":\"").append(stream).append("\",\"token\":").append(token)
                .append(",\"class\":").append(best).append(",\"p\":");
        fixed(sb, p, 6).append(",\"logits\":[");
        for (int c = 0; c < classes; c++) {
            if (c > 0) sb.append(',');
            sb.append(logits[base + c]);
        }
        out.println(sb.append("]}"));
    }

    /** Appends p (in [0, 1]) with exactly {@code digits} decimals, rounded to nearest. */
    static StringBuilder fixed(StringBuilder sb, double p, int digits) {
        long scale = 1;
        for (int i = 0; i < digits; i++) scale *= 10;
        long v = Math.round(p * scale);
        String frac = Long.toString(v % scale);
        sb.append(v / scale).append('.');
        for (int i = frac.length(); i < digits; i++) sb.append('0');
        return sb.append(frac);
    }

    /** A refused input line (its message quotes the client's input, escaped in JSON), told to the client that sent it: {@code error<TAB>line N: …} or {@code {"error":…,"line":N}}. */
    void refused(long line, String message) {
        if (format == Format.TEXT) {
            out.printf(Locale.ROOT, "error\tline %d: %s%n", line, message);
        } else {
            out.printf(Locale.ROOT, "{\"error\":\"%s\",\"line\":%d}%n", new String(JsonStringEncoder.getInstance().quoteAsString(message)), line);
        }
    }

    void flush() {
        out.flush();
    }
}
