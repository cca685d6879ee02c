package dev.s4d.cli;

import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.TokenStreams;
import dev.s4d.io.AtomicFiles;
import dev.s4d.kernel.Kernels;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.ChipStreams;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.cost.CostReport;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The user's own tokens, live: lines of numbers in (stdin, a file, or TCP clients), a prediction out
 * after every token. A float model runs in the recurrent engine, a quantised one in the fixed-point engine, which
 * also reports what these tokens would cost on Loihi 2.
 */
@Command(name = "live", mixinStandardHelpOptions = true,
        description = {"Run your own tokens through a model as they arrive: one token per input line, one prediction per token out.",
                "Input lines: 'v1,v2,...' (d_input numbers, commas or spaces) for stream 0; 'NAME: v1,...' for the stream NAME;"
                        + " 'NAME: reset' starts that stream's next sequence; 'NAME: close' frees its slot; '#' starts a comment.",
                "Output (text): stream, tokens seen, predicted class, its softmax probability, tab-separated; --format jsonl adds the logits.",
                "A float model runs in the recurrent engine; a quantised one (s4d quantize) in the fixed-point engine, and the"
                        + " modelled Loihi 2 cost of the tokens seen is printed at the end (stderr).",
                "A line that cannot be used is reported on stderr with its number and skipped; the exit code is then 1.",
                "--listen serves TCP clients instead: each sends such lines and reads its own predictions on the same connection"
                        + " (a refused line gets 'error<TAB>line N: reason'); tokens that arrive together share one engine step."})
final class LiveCommand extends CliCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Float model, or quantised model (s4d quantize).")
    Path model;

    @Option(names = "--input", paramLabel = "FILE", description = "Token lines to read ('-', the default: standard input).")
    String input = "-";

    @Option(names = "--streams", paramLabel = "K", description = "Streams open at once (default 64).")
    int streams = 64;

    @Option(names = "--format", paramLabel = "text|jsonl", description = "Prediction lines as text (default) or JSON lines with logits.")
    String format = "text";

    @Option(names = "--emit", paramLabel = "token|end", description = "Print a prediction after every token (default), or only"
            + " when a stream's sequence ends: at 'NAME: reset', 'NAME: close', or the end of the input (or of a TCP client's input).")
    String emit = "token";

    @Option(names = "--threads", description = "Threads stepping the streams (default: all cores).")
    Integer threads;

    @Option(names = "--sigma-delta", arity = "0..1", fallbackValue = "0", paramLabel = "THRESHOLD",
            description = "Quantised models only: senders send only changes reaching THRESHOLD × their calibrated range.")
    Double sigmaDelta;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Quantised models only: write the Loihi 2 cost report of the tokens seen as JSON.")
    Path report;

    @Mixin
    ImportMixin importOptions;

    @Option(names = "--state", paramLabel = "FILE", description = "Carry the streams over between runs: restore them from FILE"
            + " if it exists, and at the end of the input save every open stream there (atomically) instead of ending its sequence.")
    Path state;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT",
            description = "Serve TCP clients instead of reading --input: each sends token lines and reads its predictions"
                    + " (and 'error<TAB>line N: ...' for a refused line) on the same connection; HOST defaults to 127.0.0.1.")
    String listen;

    /** Counted down when the command has printed everything, which a Ctrl-C on a server waits for. */
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        try {
            return live();
        } finally {
            finished.countDown();
        }
    }

    private int live() throws Exception {
        if (streams < 1) throw new IllegalArgumentException("--streams must be at least 1, got " + streams);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        LiveOutput.Format fmt = LiveOutput.format(format);
        LiveRouter.Emit when = switch (emit) {
            case "token" -> LiveRouter.Emit.TOKEN;
            case "end" -> LiveRouter.Emit.END;
            default -> throw new IllegalArgumentException("unknown --emit '" + emit + "', expected token or end");
        };
        InetSocketAddress address = listen == null ? null : address(listen);
        if (address != null && !input.equals("-")) throw new IllegalArgumentException("--input and --listen exclude each other");
        if (address != null && state != null) {
            throw new IllegalArgumentException("--state keeps the streams of one input; TCP clients' streams end with their connections,"
                    + " so --state and --listen exclude each other");
        }
        if (state != null) {
            if (Files.exists(state)) CliFiles.requireFile(state, "state file");
            CliFiles.requireWritable(state, "state file");
        }
        if (address == null && !input.equals("-")) CliFiles.requireFile(Path.of(input), "input file");
        boolean quantised = CliFiles.isQuantised(model);
        if (!quantised && (sigmaDelta != null || report != null)) {
            throw new IllegalArgumentException((sigmaDelta != null ? "--sigma-delta" : "--report") + " needs a quantised model (s4d quantize); "
                    + model + " is a float model");
        }
        if (report != null) CliFiles.requireWritable(report, "report");
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        PrintWriter err = spec.commandLine().getErr();
        if (!quantised) {
            RecurrentEngine engine = RecurrentEngine.compile(CliFiles.loadModel(model, importOptions.options()), Kernels.best(), nThreads);
            try (TokenStreams ts = engine.open(streams)) {
                return run(new LiveRouter(ts, when), fmt, address, err);
            }
        }
        QuantizedModel q = QuantizedModelFiles.load(model);
        ChipOptions options = new ChipOptions(sigmaDelta != null, sigmaDelta == null ? 0 : sigmaDelta, nThreads);
        FixedPointEngine engine = FixedPointEngine.compile(q, options);
        try (ChipStreams cs = engine.open(streams)) {
            int code = run(new LiveRouter(cs, when), fmt, address, err);
            // With no token there is nothing to cost: every per-token figure would be 0/0.
            if (cs.counters().tokens() > 0) {
                CostReport cost = ChipCost.report(engine.topology(), q.quant(), options.sigmaDelta(), cs.counters());
                err.println("modelled on Loihi 2 for these tokens (docs/COST_MODEL.md):");
                err.println(cost.toText());
                if (report != null) {
                    AtomicFiles.write(report, (cost.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
                    err.println("report written to " + report);
                }
            } else if (report != null) {
                err.println("no token was read, so there is no cost to report; " + report + " not written");
            }
            err.flush();
            return code;
        }
    }

    /** Reads --input or serves --listen until the input ends or the server is stopped, then prints the summary. */
    private int run(LiveRouter router, LiveOutput.Format fmt, InetSocketAddress address, PrintWriter err) throws Exception {
        LiveRouter.Summary s;
        long refused;
        if (address == null) {
            InputStream file = input.equals("-") ? null : Files.newInputStream(Path.of(input));
            // Someone who typed the command at a terminal with nothing piped in would otherwise face a silent wait.
            if (file == null && System.console() != null && System.console().isTerminal()) {
                err.printf("s4d live: reading tokens from the terminal, one per line ('NAME: v1,...' for a named stream;"
                        + " the model reads %d number(s) per token); Ctrl-D ends%n", router.dInput());
                err.flush();
            }
            try {
                BoundedLines in = new BoundedLines(file != null ? file : System.in, LiveServer.MAX_LINE);
                LiveSession session = new LiveSession(router, new LiveOutput(out(), fmt), err, state == null);
                if (state != null && Files.exists(state)) {
                    java.util.SortedMap<String, byte[]> saved = LiveStateFile.read(state);
                    for (var e : saved.entrySet()) {
                        try {
                            router.restore(session.output(), e.getKey(), e.getValue());
                        } catch (IllegalArgumentException ex) {
                            throw new IllegalArgumentException("cannot restore " + state + ": " + ex.getMessage(), ex);
                        }
                    }
                    err.printf("s4d live: %d stream(s) restored from %s%n", saved.size(), state);
                }
                LiveSession.Summary r = session.run(in);
                s = r.engine();
                refused = r.refusedLines();
                if (state != null) {
                    java.util.SortedMap<String, byte[]> open = router.snapshots(session.output());
                    LiveStateFile.write(state, open);
                    err.printf("s4d live: %d stream(s) saved to %s%n", open.size(), state);
                }
            } finally {
                // Standard input is not closed: it belongs to whoever runs the command.
                if (file != null) file.close();
            }
        } else {
            ServerSocket socket = new ServerSocket();
            socket.bind(address);
            try (LiveServer server = new LiveServer(router, fmt, socket, err)) {
                err.printf("s4d live: listening on %s:%d (stop with Ctrl-C)%n", address.getHostString(), server.port());
                err.flush();
                // Ctrl-C or a TERM signal stops the server; the JVM then waits for this hook, and the hook for
                // the summary and the cost report to be printed.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    server.close();
                    try {
                        finished.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                summarise(err, server.serve(), server.refusedLines());
                // Refused lines were the clients' mistakes, told to them; the server itself did its job.
                return 0;
            }
        }
        summarise(err, s, refused);
        return refused == 0 ? 0 : 1;
    }

    private static void summarise(PrintWriter err, LiveRouter.Summary s, long refused) {
        err.printf(Locale.ROOT, "s4d live: %,d token(s) on %d stream(s), %d line(s) refused%s%n", s.tokens(), s.streamsOpened(), refused,
                s.timedSteps() == 0 ? "" : String.format(Locale.ROOT, "; engine step p50 %.1f µs, p99 %.1f µs", s.p50Micros(), s.p99Micros()));
        err.flush();
    }

    /** "PORT" or "HOST:PORT"; port 0 picks a free one (printed when listening). */
    static InetSocketAddress address(String spec) {
        int colon = spec.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : spec.substring(0, colon);
        String port = spec.substring(colon + 1);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen expects [HOST:]PORT, got '" + spec + "': '" + port + "' is not a port number");
        }
        if (p < 0 || p > 65535) throw new IllegalArgumentException("--listen port must be 0..65535, got " + p);
        InetSocketAddress a = new InetSocketAddress(host, p);
        if (a.isUnresolved()) throw new IllegalArgumentException("--listen host '" + host + "' cannot be resolved");
        return a;
    }
}
