package dev.s4d.cli;

import dev.s4d.io.AtomicFiles;
import dev.s4d.train.EpochMetrics;
import dev.s4d.train.MetricsFiles;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The validation curves of the stages of one training, one after another, or of separate runs side by side, on one plot. */
@Command(name = "curves", mixinStandardHelpOptions = true,
        description = {"Plot the validation accuracy of runs of s4d train taken as stages of one training (each going on from"
                + " the one before, as with --init), one after another, against the training hours or the epochs they took;"
                + " with --overlay, of separate runs each from 0, to compare them.",
                "Prints a line per run: its epochs and hours, and its best and last validation accuracy (and the averaged"
                        + " weights' last, where it averaged)."})
final class CurvesCommand extends CliCommand {

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run directories (s4d train --out), in the order they ran.")
    List<Path> runs;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "Where to write the plot (replaced atomically).")
    Path out;

    @Option(names = "--x", paramLabel = "hours|epochs", description = "What the horizontal axis counts: hours (sums of the"
            + " epochs' times, the default) or epochs.")
    String axis = "hours";

    @Option(names = "--target", paramLabel = "PERCENT", description = "Also draw a line at this accuracy.")
    Double target;

    @Option(names = "--overlay", description = "Start every run at 0 instead of where the one before ended: separate runs"
            + " (other rates, recipes, seeds) compared, rather than stages of one training.")
    boolean overlay;

    @Option(names = "--title", description = "The plot's title (default: Validation accuracy).")
    String title = "Validation accuracy";

    @Option(names = "--label", paramLabel = "NAME", description = "The legend's name of a run: once per run, in the runs' order"
            + " (default: as much of the end of each run's path as tells the runs apart).")
    List<String> labels;

    @Override
    public Integer call() throws Exception {
        boolean hours = switch (axis) {
            case "hours" -> true;
            case "epochs" -> false;
            default -> throw new IllegalArgumentException("--x must be hours or epochs, got " + axis);
        };
        if (target != null && !(target > 0 && target <= 100)) {
            throw new IllegalArgumentException("--target must be a percentage in (0, 100], got " + target);
        }
        if (labels != null && labels.size() != runs.size()) {
            throw new IllegalArgumentException("--label was given " + labels.size() + " time(s) for " + runs.size()
                    + " run(s): name every run, in order, or none");
        }
        if (labels != null && labels.stream().anyMatch(String::isBlank)) throw new IllegalArgumentException("--label must not be blank");
        CliFiles.requireWritable(out, "the plot");
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
                .xAxisTitle(hours ? "training hours (sum of the epochs' times)" : "epoch").yAxisTitle("validation accuracy (%)").build();
        List<List<EpochMetrics>> histories = new ArrayList<>();
        for (Path run : runs) {
            List<EpochMetrics> history = MetricsFiles.read(run);
            if (history.stream().anyMatch(m -> m.valAccuracy() == null)) {
                throw new IllegalArgumentException(run + " held out no validation samples (--val-fraction 0): nothing to plot");
            }
            histories.add(history);
        }
        List<String> names = labels != null ? labels : names(runs);
        double[][] xs = positions(histories, hours, overlay);
        double right = 0;
        double seconds = 0;
        int epochs = 0;
        for (int r = 0; r < runs.size(); r++) {
            List<EpochMetrics> history = histories.get(r);
            String name = names.get(r);
            double[] x = xs[r];
            chart.addSeries(name, x, percent(history, EpochMetrics::valAccuracy));
            int[] window = IntStream.range(0, x.length).filter(i -> history.get(i).avgValAccuracy() != null).toArray();
            if (window.length > 0) {
                chart.addSeries(name + ", averaged weights", IntStream.of(window).mapToDouble(i -> x[i]).toArray(),
                        IntStream.of(window).mapToDouble(i -> 100 * history.get(i).avgValAccuracy()).toArray());
            }
            out().println(describe(name, history));
            right = Math.max(right, x[x.length - 1]);
            epochs += history.size();
            seconds += history.stream().mapToDouble(EpochMetrics::seconds).sum();
        }
        if (target != null) {
            String label = "target " + BigDecimal.valueOf(target).stripTrailingZeros().toPlainString() + "%";
            XYSeries line = chart.addSeries(label, new double[]{0, right}, new double[]{target, target});
            line.setMarker(SeriesMarkers.NONE);
            line.setLineStyle(SeriesLines.DASH_DASH);
        }
        AtomicFiles.write(out, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        out().printf(Locale.ROOT, "%d epochs, %.1f h in all; plot written to %s%n", epochs, seconds / 3600, out);
        return 0;
    }

    /**
     * Where each epoch's point goes on the horizontal axis: at the end of the epoch, in hours (sums of
     * epoch times) or epochs, counted from the end of the run before, or from 0 for every run when
     * {@code overlay}.
     */
    static double[][] positions(List<List<EpochMetrics>> histories, boolean hours, boolean overlay) {
        double[][] xs = new double[histories.size()][];
        double offset = 0;
        int epochsBefore = 0;
        for (int r = 0; r < xs.length; r++) {
            List<EpochMetrics> history = histories.get(r);
            if (overlay) {
                offset = 0;
                epochsBefore = 0;
            }
            double[] x = new double[history.size()];
            double at = offset;
            for (int i = 0; i < x.length; i++) {
                at = hours ? at + history.get(i).seconds() / 3600 : epochsBefore + history.get(i).epoch();
                x[i] = at;
            }
            xs[r] = x;
            offset = at;
            epochsBefore += history.size();
        }
        return xs;
    }

    /**
     * Legend names for the runs: the last element of each path, lengthened by the elements before it
     * where that tells runs apart ({@code scifar-reference/training} and {@code scifar-reference2/training}
     * rather than two {@code training}), and numbered where the paths themselves are the same.
     */
    static List<String> names(List<Path> runs) {
        List<Path> paths = runs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        int[] depth = new int[paths.size()];
        Arrays.fill(depth, 1);
        boolean lengthened = true;
        while (lengthened) {
            lengthened = false;
            List<String> names = tails(paths, depth);
            for (int r = 0; r < paths.size(); r++) {
                int self = r;
                boolean clash = IntStream.range(0, paths.size())
                        .anyMatch(o -> names.get(o).equals(names.get(self)) && !paths.get(o).equals(paths.get(self)));
                if (clash && depth[r] < paths.get(r).getNameCount()) {
                    depth[r]++;
                    lengthened = true;
                }
            }
        }
        List<String> names = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (String base : tails(paths, depth)) {
            String name = base;
            for (int k = 2; !taken.add(name); k++) name = base + " (" + k + ")";
            names.add(name);
        }
        return names;
    }

    /** The last depth[r] elements of each path ("/" for the root, which has none). */
    private static List<String> tails(List<Path> paths, int[] depth) {
        List<String> names = new ArrayList<>();
        for (int r = 0; r < paths.size(); r++) {
            Path p = paths.get(r);
            int n = p.getNameCount();
            names.add(n == 0 ? p.toString() : p.subpath(n - Math.min(depth[r], n), n).toString());
        }
        return names;
    }

    private static double[] percent(List<EpochMetrics> history, Function<EpochMetrics, Double> value) {
        return history.stream().mapToDouble(m -> 100 * value.apply(m)).toArray();
    }

    /** "stage2: epochs 1–30, 5.8 h; validation best 80.24% (epoch 29), last 80.20%[; averaged weights, last 80.5% (10 epochs)]". */
    private static String describe(String name, List<EpochMetrics> history) {
        EpochMetrics best = history.stream().max((a, b) -> Double.compare(a.valAccuracy(), b.valAccuracy())).orElseThrow();
        EpochMetrics last = history.getLast();
        double seconds = history.stream().mapToDouble(EpochMetrics::seconds).sum();
        List<EpochMetrics> window = history.stream().filter(m -> m.avgValAccuracy() != null).toList();
        String averaged = window.isEmpty() ? "" : String.format(Locale.ROOT, "; averaged weights, last %.2f%% (%d epoch%s)",
                100 * window.getLast().avgValAccuracy(), window.size(), window.size() == 1 ? "" : "s");
        return String.format(Locale.ROOT, "%s: epochs %d–%d, %.1f h; validation best %.2f%% (epoch %d), last %.2f%%%s", name,
                history.getFirst().epoch(), last.epoch(), seconds / 3600, 100 * best.valAccuracy(), best.epoch(),
                100 * last.valAccuracy(), averaged);
    }
}
