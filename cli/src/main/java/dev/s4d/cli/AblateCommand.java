package dev.s4d.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s4d.data.Dataset;
import dev.s4d.data.Split;
import dev.s4d.io.AtomicFiles;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.ChipStreams;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.cost.CostReport;
import dev.s4d.loihi.quant.Calibration;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.Quantizer;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.S4DModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What each integer width and the sigma-delta threshold cost in accuracy and energy: the ablation the
 * paper did not give. One calibration serves every point, since the ranges do not depend on the widths.
 */
@Command(name = "ablate", mixinStandardHelpOptions = true,
        description = {"Quantise a loihi-flavour float model at a range of widths and sigma-delta thresholds and run each in the"
                + " fixed-point engine on the test split: accuracy against the S4D coefficient width, the state width (states,"
                + " spikes and accumulators together) and the weight width, and modelled energy per token against the sigma-delta threshold.",
                "Every other width stays at its default (docs/LOIHI_ARITHMETIC.md). Energy includes static power over the"
                        + " step time, which depends on the mapping (wider numbers need more cores), so the dynamic part is shown too."
                        + " --limit sets the test samples per point"
                        + " (default 1000). DIR receives ablation.md, ablation.json, ablation-widths.png and ablation-sigma-delta.png."})
final class AblateCommand extends CliCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Float model file (loihi flavour).")
    Path model;

    @Mixin
    DatasetMixin data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the tables and plots (created if missing).")
    Path out;

    @Option(names = "--calibration", paramLabel = "N", description = "Training sequences whose ranges choose the formats (default 256).")
    int calibration = 256;

    @Option(names = "--coefficient-bits", split = ",", description = "S4D coefficient widths to try (default 6,8,10,12,14,16,20).")
    int[] coefficientBits = {6, 8, 10, 12, 14, 16, 20};

    @Option(names = "--state-bits", split = ",", description = "State/spike/accumulator widths to try (default 12,14,16,18,20,24,28).")
    int[] stateBits = {12, 14, 16, 18, 20, 24, 28};

    @Option(names = "--weight-bits", split = ",", description = "Weight widths to try (default 3,4,5,6,8,10,12).")
    int[] weightBits = {3, 4, 5, 6, 8, 10, 12};

    @Option(names = "--thresholds", split = ",", description = "Sigma-delta thresholds to try (default 0,0.001,0.003,0.01,0.03,0.1).")
    double[] thresholds = {0, 0.001, 0.003, 0.01, 0.03, 0.1};

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    /** One quantisation and engine setting. {@code threshold} null: no sigma-delta. */
    private record Point(String sweep, double x, QuantConfig quant, Double threshold) {
    }

    private record Outcome(Point point, double accuracy, CostReport cost) {
    }

    @Override
    public Integer call() throws Exception {
        if (data.limit == null) data.limit = 1000;
        data.checkOptions();
        if (calibration < 1) throw new IllegalArgumentException("--calibration must be at least 1, got " + calibration);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is not a directory");
        QuantConfig base = QuantConfig.defaults().withCalibrationSamples(calibration);
        List<Point> points = points(base);
        S4DModel m = CliFiles.loadModel(model);
        data.checkFits(m.config());
        if (m.config().flavour() != BlockFlavour.LOIHI) {
            throw new IllegalArgumentException(model + " is a " + m.config().flavour().id() + "-flavour model; only the loihi flavour runs on the chip");
        }
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Dataset train = data.load(Split.TRAIN);
        Dataset test = data.load(Split.TEST);
        Calibration.Ranges ranges;
        try (ProgressBar bar = progress("calibrate", Math.min(calibration, train.size()), "samples")) {
            ranges = Calibration.of(m, workers).run(train, calibration, n -> bar.advance(1));
        }
        double floatAccuracy = floatAccuracy(m, test);

        List<Outcome> outcomes = new ArrayList<>();
        long tokensPerPoint = (long) test.size() * data.task().length();
        try (ProgressBar bar = progress("ablate " + points.size() + " points", tokensPerPoint * points.size(), "tokens")) {
            for (Point p : points) {
                QuantizedModel q = Quantizer.quantize(m, ranges, p.quant());
                outcomes.add(run(q, p, test, workers, bar));
            }
        }
        Files.createDirectories(out);
        String table = markdown(floatAccuracy, test, outcomes);
        AtomicFiles.write(out.resolve("ablation.md"), table.getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(out.resolve("ablation.json"), json(floatAccuracy, test, outcomes).getBytes(StandardCharsets.UTF_8));
        widthsPlot(floatAccuracy, outcomes);
        sigmaDeltaPlot(outcomes);
        out().print(table);
        out().println("written to " + out);
        return 0;
    }

    private List<Point> points(QuantConfig base) {
        List<Point> p = new ArrayList<>();
        // The constructors check each width, so a bad value fails here, before any work.
        for (int b : coefficientBits) p.add(new Point("coefficient_bits", b, base.withCoefficientBits(b), null));
        for (int b : stateBits) p.add(new Point("state_bits", b, base.withStateBits(b), null));
        for (int b : weightBits) p.add(new Point("weight_bits", b, base.withWeightBits(b), null));
        p.add(new Point("sigma_delta", Double.NaN, base, null));
        for (double t : thresholds) {
            if (!(t >= 0 && Double.isFinite(t))) throw new IllegalArgumentException("--thresholds must be finite and >= 0, got " + t);
            p.add(new Point("sigma_delta", t, base, t));
        }
        return p;
    }

    private double floatAccuracy(S4DModel m, Dataset test) {
        Classifier conv = Classifier.of("conv", m);
        int correct = 0;
        for (int from = 0; from < test.size(); from += 64) {
            int count = Math.min(64, test.size() - from);
            float[][] seqs = new float[count][];
            for (int i = 0; i < count; i++) seqs[i] = test.sequence(from + i);
            float[][] logits = conv.logits(seqs);
            for (int i = 0; i < count; i++) if (Classifier.argmax(logits[i]) == test.label(from + i)) correct++;
        }
        return (double) correct / test.size();
    }

    private Outcome run(QuantizedModel q, Point p, Dataset test, int workers, ProgressBar bar) {
        ChipOptions options = new ChipOptions(p.threshold() != null, p.threshold() == null ? 0 : p.threshold(), workers);
        FixedPointEngine engine = FixedPointEngine.compile(q, options);
        int k = 64;
        try (ChipStreams s = engine.open(k)) {
            StreamReplay.Result r = StreamReplay.run(s, test, k, bar);
            double accuracy = (double) r.correct() / r.samples();
            return new Outcome(p, accuracy, ChipCost.report(engine.topology(), q.quant(), options.sigmaDelta(), s.counters()).withAccuracy(accuracy));
        }
    }

    private static String setting(Point p) {
        if (!p.sweep().equals("sigma_delta")) return String.valueOf((int) p.x());
        return p.threshold() == null ? "off" : String.valueOf(p.threshold());
    }

    private String markdown(double floatAccuracy, Dataset test, List<Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Ablation of %s on %s (%d test samples); float accuracy %.2f%%.%n"
                        + "Defaults elsewhere: 8-bit weights, 16-bit coefficients, 24-bit states/spikes/accumulators, no sigma-delta.%n",
                model.getFileName(), data.task().id(), test.size(), 100 * floatAccuracy));
        String sweep = "";
        for (Outcome o : outcomes) {
            if (!o.point().sweep().equals(sweep)) {
                sweep = o.point().sweep();
                sb.append(String.format(Locale.ROOT, "%n| %s | accuracy | vs float | saturations per token | cores | step µs | energy µJ/token (dynamic) | synaptic ops/token | mean sparsity |%n", sweep));
                sb.append("|---|---|---|---|---|---|---|---|---|\n");
            }
            CostReport c = o.cost();
            sb.append(String.format(Locale.ROOT, "| %s | %.2f%% | %+.2f | %.3g | %d | %.2f | %.3f (%.3f) | %,.0f | %.3f |%n",
                    setting(o.point()), 100 * o.accuracy(), 100 * (o.accuracy() - floatAccuracy),
                    (double) c.totalSaturations() / c.tokens(), c.cores(), c.stepNs() / 1e3, c.energyUjPerToken(),
                    c.energy().dynamicUj(), c.synopsPerToken(), meanSparsity(c)));
        }
        return sb.toString();
    }

    private static double meanSparsity(CostReport c) {
        return c.sparsity().values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private String json(double floatAccuracy, Dataset test, List<Outcome> outcomes) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("model", model.toString());
        root.put("dataset", data.task().id());
        root.put("test_samples", test.size());
        root.put("float_accuracy", floatAccuracy);
        ArrayNode list = root.putArray("points");
        for (Outcome o : outcomes) {
            ObjectNode n = list.addObject();
            n.put("sweep", o.point().sweep());
            n.put("setting", setting(o.point()));
            n.set("quant", mapper.valueToTree(o.point().quant()));
            n.set("report", o.cost().toJsonNode());
        }
        return mapper.writeValueAsString(root) + "\n";
    }

    private void widthsPlot(double floatAccuracy, List<Outcome> outcomes) throws IOException {
        XYChart chart = new XYChartBuilder().width(720).height(450).title("Fixed-point accuracy against integer widths")
                .xAxisTitle("bits").yAxisTitle("test accuracy (%)").build();
        for (String sweep : List.of("coefficient_bits", "state_bits", "weight_bits")) {
            List<Outcome> s = outcomes.stream().filter(o -> o.point().sweep().equals(sweep)).toList();
            chart.addSeries(sweep.replace('_', ' '), s.stream().mapToDouble(o -> o.point().x()).toArray(),
                    s.stream().mapToDouble(o -> 100 * o.accuracy()).toArray());
        }
        double[] span = outcomes.stream().filter(o -> !o.point().sweep().equals("sigma_delta")).mapToDouble(o -> o.point().x()).toArray();
        double lo = java.util.Arrays.stream(span).min().orElse(0);
        double hi = java.util.Arrays.stream(span).max().orElse(1);
        chart.addSeries("float", new double[]{lo, hi}, new double[]{100 * floatAccuracy, 100 * floatAccuracy})
                .setMarker(SeriesMarkers.NONE);
        AtomicFiles.write(out.resolve("ablation-widths.png"), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }

    /**
     * Dynamic energy (the part sigma-delta changes; static power over the step does not move) and accuracy
     * against the threshold on a log axis, so thresholds above 0 only; θ = 0 and "off" are in the table.
     */
    private void sigmaDeltaPlot(List<Outcome> outcomes) throws IOException {
        List<Outcome> s = outcomes.stream()
                .filter(o -> o.point().sweep().equals("sigma_delta") && o.point().threshold() != null && o.point().threshold() > 0).toList();
        if (s.isEmpty()) return;
        XYChart chart = new XYChartBuilder().width(720).height(450).title("Sigma-delta: modelled dynamic energy and accuracy")
                .xAxisTitle("threshold (fraction of each sender's calibrated range)").yAxisTitle("dynamic energy (µJ/token)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        double[] x = s.stream().mapToDouble(o -> o.point().threshold()).toArray();
        chart.addSeries("dynamic energy", x, s.stream().mapToDouble(o -> o.cost().energy().dynamicUj()).toArray());
        outcomes.stream().filter(o -> o.point().sweep().equals("sigma_delta") && o.point().threshold() == null).findFirst()
                .ifPresent(off -> chart.addSeries("dynamic energy without sigma-delta", new double[]{x[0], x[x.length - 1]},
                        new double[]{off.cost().energy().dynamicUj(), off.cost().energy().dynamicUj()}).setMarker(SeriesMarkers.NONE));
        XYSeries acc = chart.addSeries("accuracy (right axis)", x, s.stream().mapToDouble(o -> 100 * o.accuracy()).toArray());
        acc.setYAxisGroup(1);
        chart.setYAxisGroupTitle(1, "test accuracy (%)");
        AtomicFiles.write(out.resolve("ablation-sigma-delta.png"), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }

}
