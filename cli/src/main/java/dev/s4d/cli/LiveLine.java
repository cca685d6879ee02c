package dev.s4d.cli;

/**
 * One line of {@code s4d live} input, parsed: a token for a stream, or a command to one. The format is
 * plain text so that anything can produce it (a shell pipe, a socket relay, a script):
 *
 * <pre>
 *   0.12, 0.5, -1          a token for the default stream "0" (d_input numbers, commas and/or spaces)
 *   left: 0.12 0.5 -1      a token for the stream named "left"
 *   left: reset            the stream "left" starts a new sequence (zero state)
 *   left: close            the stream "left" ends and frees its slot
 *   # anything             a comment; blank lines are skipped too
 * </pre>
 *
 * @param kind   what the line asks for
 * @param stream the stream's name
 * @param token  the token's d_input values (only for {@link Kind#TOKEN})
 */
record LiveLine(Kind kind, String stream, float[] token) {
    enum Kind { TOKEN, RESET, CLOSE, SKIP }

    static final String DEFAULT_STREAM = "0";
    private static final LiveLine SKIPPED = new LiveLine(Kind.SKIP, null, null);

    /**
     * Parses one line for a model reading {@code dInput} features per token.
     *
     * @throws IllegalArgumentException saying what was expected, without the line number (the caller knows it)
     */
    static LiveLine parse(String line, int dInput) {
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#")) return SKIPPED;
        String stream = DEFAULT_STREAM;
        int colon = text.indexOf(':');
        if (colon >= 0) {
            stream = text.substring(0, colon).strip();
            if (!isName(stream)) {
                throw new IllegalArgumentException("stream name '" + abbreviate(stream)
                        + "' is not 1-64 letters, digits, '_', '.' or '-'");
            }
            text = text.substring(colon + 1).strip();
        }
        if (text.equals("reset")) return new LiveLine(Kind.RESET, stream, null);
        if (text.equals("close")) return new LiveLine(Kind.CLOSE, stream, null);
        return new LiveLine(Kind.TOKEN, stream, values(text, dInput));
    }

    private static float[] values(String text, int dInput) {
        String[] fields = fields(text);
        if (fields.length != dInput) {
            throw new IllegalArgumentException("expected a token of " + dInput + (dInput == 1 ? " number" : " numbers")
                    + " (the model's d_input), 'reset' or 'close', got " + fields.length + " field(s): '" + abbreviate(text) + "'");
        }
        float[] token = new float[dInput];
        for (int i = 0; i < dInput; i++) {
            float v;
            try {
                v = Float.parseFloat(fields[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("value " + (i + 1) + " '" + abbreviate(fields[i]) + "' is not a number");
            }
            // parseFloat accepts "NaN", "Infinity" and overflows to infinity; none is a reading a model can use.
            if (!Float.isFinite(v)) throw new IllegalArgumentException("value " + (i + 1) + " '" + abbreviate(fields[i]) + "' is not finite");
            token[i] = v;
        }
        return token;
    }

    /**
     * The fields between runs of commas and whitespace (none at the ends: the text is stripped). A
     * scan rather than a regular expression: this runs once per token, and the split's regex machinery
     * cost more than the model's step on small models.
     */
    private static String[] fields(String text) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(4);
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSeparator(text.charAt(i))) i++;
            int start = i;
            while (i < n && !isSeparator(text.charAt(i))) i++;
            if (i > start) out.add(text.substring(start, i));
        }
        return out.toArray(String[]::new);
    }

    /** 1–64 ASCII letters, digits, '_', '.' or '-' (checked by hand for the same reason as {@link #fields}). */
    static boolean isName(String s) {
        if (s.isEmpty() || s.length() > 64) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    private static boolean isSeparator(char c) {
        return c == ',' || Character.isWhitespace(c);
    }

    /** Keeps error messages one readable line even when the input is a megabyte of garbage. */
    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
