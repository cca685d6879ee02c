package dev.s4d.cli;

import dev.s4d.io.AtomicFiles;
import dev.s4d.train.EpochMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The loss and accuracy curves of a training run as PNG files, redrawn after every epoch. */
final class TrainingPlots {
    private TrainingPlots() {
    }

    static final String LOSS = "loss.png";
    static final String ACCURACY = "accuracy.png";

    /** Replaces {@value #LOSS} and {@value #ACCURACY} in {@code dir} with curves of {@code history}. */
    static void write(List<EpochMetrics> history, Path dir) throws IOException {
        // Validation is held out for the whole run or not at all, so the first epoch tells.
        boolean validated = history.getFirst().valAccuracy() != null;
        XYChart loss = chart("Loss", "cross-entropy");
        add(loss, "train", history, EpochMetrics::trainLoss);
        if (validated) add(loss, "validation", history, EpochMetrics::valLoss);
        XYChart accuracy = chart("Accuracy", "accuracy (%)");
        add(accuracy, "train", history, m -> 100 * m.trainAccuracy());
        if (validated) add(accuracy, "validation", history, m -> 100 * m.valAccuracy());
        List<EpochMetrics> window = history.stream().filter(m -> m.avgValAccuracy() != null).toList();
        if (!window.isEmpty()) {
            add(loss, "validation, averaged weights", window, EpochMetrics::avgValLoss);
            add(accuracy, "validation, averaged weights", window, m -> 100 * m.avgValAccuracy());
        }
        AtomicFiles.write(dir.resolve(LOSS), BitmapEncoder.getBitmapBytes(loss, BitmapEncoder.BitmapFormat.PNG));
        AtomicFiles.write(dir.resolve(ACCURACY), BitmapEncoder.getBitmapBytes(accuracy, BitmapEncoder.BitmapFormat.PNG));
    }

    private static XYChart chart(String title, String yAxis) {
        return new XYChartBuilder().width(720).height(450).title(title).xAxisTitle("epoch").yAxisTitle(yAxis).build();
    }

    private static void add(XYChart chart, String name, List<EpochMetrics> history, ToDoubleFunction<EpochMetrics> value) {
        double[] x = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
        double[] y = history.stream().mapToDouble(value).toArray();
        chart.addSeries(name, x, y);
    }
}
