package dev.s4d.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s4d.data.Dataset;
import dev.s4d.data.Split;
import dev.s4d.io.AtomicFiles;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.ChipStreams;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.cost.Comparison;
import dev.s4d.loihi.cost.CoreMapping;
import dev.s4d.loihi.cost.CostConstants;
import dev.s4d.loihi.cost.CostModel;
import dev.s4d.loihi.cost.CostReport;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelInitializer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A quantised model run as the chip would run it: integer accuracy, and the modelled cores, latency, throughput and energy. */
@Command(name = "loihi", mixinStandardHelpOptions = true,
        description = {"Run a quantised model (from s4d quantize) in the bit-exact fixed-point engine and report the accuracy"
                + " and what Loihi 2 would need: cores and chips, fall-through latency, pipelined throughput, energy per token,"
                + " activation sparsity and saturations (docs/LOIHI_ARITHMETIC.md, docs/COST_MODEL.md).",
                "Latency, throughput and energy are modelled from the engine's operation counts and the constants of"
                        + " docs/COST_MODEL.md; they are set beside this machine's measured float recurrent engine and the paper's ratios.",
                "--stream replays the samples token by token through K streams of the integer engine, as live input would"
                        + " arrive, and reports this CPU's per-step latency as well; s4d live takes your own tokens instead."})
final class LoihiCommand extends CliCommand {

    @Option(names = "--model", required = true, paramLabel = "Q", description = "Quantised model file (s4d quantize).")
    Path model;

    @Mixin
    DatasetMixin data;

    @Mixin
    SplitMixin split;

    @Option(names = "--sigma-delta", arity = "0..1", fallbackValue = "0", paramLabel = "THRESHOLD",
            description = "Senders send only changes reaching THRESHOLD × their calibrated range (default off; 0 when given alone).")
    Double sigmaDelta;

    @Option(names = "--max-neurons-per-core", paramLabel = "N",
            description = "Spread neuron groups over more cores, at most N neurons each (default: as few cores as memory allows).")
    Integer maxNeuronsPerCore;

    @Option(names = "--cost-constants", paramLabel = "FILE.json", description = "Override cost constants (keys as in docs/COST_MODEL.md).")
    Path costConstants;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Write the report as JSON.")
    Path report;

    @Option(names = "--stream", description = "Replay token by token through --streams concurrent streams and report per-step latency.")
    boolean stream;

    @Option(names = "--streams", paramLabel = "K", description = "Concurrent streams (default: 1 with --stream, 64 otherwise).")
    Integer streams;

    @Option(names = "--threads", description = "Threads stepping the streams (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        data.checkOptions();
        Split which = split.get();
        int k = streams != null ? streams : stream ? 1 : 64;
        if (k < 1) throw new IllegalArgumentException("--streams must be at least 1, got " + k);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (maxNeuronsPerCore != null && maxNeuronsPerCore < 1) {
            throw new IllegalArgumentException("--max-neurons-per-core must be at least 1, got " + maxNeuronsPerCore);
        }
        if (report != null) CliFiles.requireWritable(report, "report");
        CostConstants constants = costConstants == null ? CostConstants.loihi2() : CostConstants.load(costConstants);
        QuantizedModel q = QuantizedModelFiles.load(model);
        data.checkFits(q.model());
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ChipOptions options = new ChipOptions(sigmaDelta != null, sigmaDelta == null ? 0 : sigmaDelta, nThreads);
        FixedPointEngine engine = FixedPointEngine.compile(q, options);
        Dataset ds = data.load(which);

        StreamReplay.Result r;
        CostReport cost;
        try (ChipStreams s = engine.open(k);
             ProgressBar bar = progress("loihi " + data.task().id(), (long) ds.size() * data.task().length(), "tokens")) {
            r = StreamReplay.run(s, ds, k, bar);
            CoreMapping mapping = ChipCost.mapping(engine.topology(), q.quant(), options.sigmaDelta(), maxNeuronsPerCore);
            cost = new CostModel(constants).estimate(mapping, s.counters()).withAccuracy((double) r.correct() / r.samples());
        }
        // The CPU side of the comparison: the float recurrent engine's time per token does not depend on
        // the weights, so a freshly initialised model of the same shape measures it.
        double cpuMicros = Timing.median(Timing.singleStreamMicros(
                ModelInitializer.initialise(q.model(), InitOptions.defaults(0)), ds.sequence(0)));
        Comparison comparison = Comparison.of(cost, "float recurrent engine, 1 stream, 1 thread", cpuMicros, Comparison.ASSUMED_CPU_WATTS);

        PrintWriter out = out();
        out.printf(Locale.ROOT, "%s %s, %d samples, fixed-point engine%s: accuracy %.2f%% (%d/%d)%n",
                data.task().id(), which.id(), r.samples(), options.sigmaDelta() ? ", sigma-delta threshold " + options.threshold() : "",
                100.0 * r.correct() / r.samples(), r.correct(), r.samples());
        if (stream) {
            out.printf(Locale.ROOT, "this CPU, integer engine: step p50 %.1f µs, p99 %.1f µs for %d stream(s); %,.0f tokens/s%n",
                    r.p50Micros(), r.p99Micros(), k, r.tokensPerSecond());
        }
        out.println(cost.toText());
        out.println(comparison.toMarkdown());
        if (report != null) {
            writeReport(cost, comparison, ds, which);
            out.println("report written to " + report);
        }
        return 0;
    }

    private void writeReport(CostReport cost, Comparison comparison, Dataset ds, Split which) throws java.io.IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = cost.toJsonNode();
        root.put("model", model.toString());
        root.put("dataset", data.task().id());
        root.put("split", which.id());
        root.put("samples", ds.size());
        root.put("sigma_delta", sigmaDelta != null);
        if (sigmaDelta != null) root.put("threshold", sigmaDelta);
        root.set("comparison", comparison.toJsonNode());
        AtomicFiles.write(report, (json.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
