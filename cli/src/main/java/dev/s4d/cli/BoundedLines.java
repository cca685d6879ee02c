package dev.s4d.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lines of a byte stream with a cap on their length: a line longer than the cap is skipped to its end
 * without being stored, so a stray binary file or a hostile client cannot exhaust the memory. Bytes
 * that are not UTF-8 become U+FFFD, so they end in a line error, never in an exception.
 */
final class BoundedLines {
    private final InputStream in;
    private final int maxBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    BoundedLines(InputStream in, int maxBytes) {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in);
        this.maxBytes = maxBytes;
    }

    /**
     * The next line without its end ("\n" or "\r\n"), or null at the end of input.
     *
     * @throws IllegalArgumentException for a line over the cap, after skipping it: the next call reads the line after it
     */
    String next() throws IOException {
        line.reset();
        long n = 0;
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (n++ < maxBytes) line.write(b);
        }
        if (b == -1 && n == 0) return null;
        if (n > maxBytes) throw new IllegalArgumentException("line longer than " + maxBytes + " bytes");
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Whether more input is already waiting, so that reading it would not block. */
    boolean ready() throws IOException {
        return in.available() > 0;
    }
}
