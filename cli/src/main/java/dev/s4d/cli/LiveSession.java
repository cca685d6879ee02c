package dev.s4d.cli;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * One reader's token lines ({@link LiveLine}: standard input or a file) through a {@link LiveRouter},
 * predictions to one writer.
 *
 * <p>Tokens are stepped as soon as no further input is waiting, so a live source gets its answer
 * without delay; when lines are already buffered (a file, a fast producer), consecutive tokens of
 * different streams go through the engine in one step, which lets it use its threads.
 *
 * <p>A line that cannot be used is reported on the error writer with its number and skipped; no
 * stream moves for it.
 */
final class LiveSession {
    /** The router's summary and the number of lines refused. */
    record Summary(LiveRouter.Summary engine, long refusedLines) {
    }

    private final LiveRouter router;
    private final LiveOutput output;
    private final PrintWriter err;

    private final boolean endAtEof;

    /** A session whose end of input ends every open sequence (what {@code --emit end} then prints). */
    LiveSession(LiveRouter router, LiveOutput output, PrintWriter err) {
        this(router, output, err, true);
    }

    /** {@code endAtEof} false: the streams stay open at the end, for their state to be kept (s4d live --state). */
    LiveSession(LiveRouter router, LiveOutput output, PrintWriter err, boolean endAtEof) {
        this.router = router;
        this.output = output;
        this.err = err;
        this.endAtEof = endAtEof;
    }

    LiveOutput output() {
        return output;
    }

    /** Reads lines until the end of input, stepping and printing as it goes. */
    Summary run(BoundedLines in) throws IOException {
        long lineNo = 0;
        long refused = 0;
        while (true) {
            lineNo++;
            try {
                String line = in.next();
                if (line == null) break;
                router.accept(output, LiveLine.parse(line, router.dInput()));
            } catch (IllegalArgumentException e) {
                refused++;
                err.println("s4d live: line " + lineNo + ": " + e.getMessage() + "; line skipped");
                err.flush();
            }
            if (!in.ready()) router.flush();
        }
        if (endAtEof) {
            // The end of the input ends every sequence still open.
            router.closeAll(output, true);
        } else {
            router.flush();
        }
        return new Summary(router.summary(), refused);
    }
}
