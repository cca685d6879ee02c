package dev.s4d.cli;

import dev.s4d.train.EpochMetrics;
import dev.s4d.train.TrainListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Shows a training run on the console: a progress bar per epoch and per evaluation (loss, rate, ETA)
 * on the error writer, one summary line per epoch on the output writer, and the curves redrawn as
 * PNG files next to the run's other files.
 */
final class ConsoleTrainListener implements TrainListener {
    private final CliCommand command;
    private final PrintWriter out;
    private final Path plotDir;

    ConsoleTrainListener(CliCommand command, Path plotDir) {
        this.command = command;
        this.out = command.out();
        this.plotDir = plotDir;
    }

    @Override
    public Progress begin(String label, long total, long alreadyDone) {
        ProgressBar bar = command.progress(label, total, "samples");
        bar.skip(alreadyDone);
        return new Progress() {
            @Override
            public void advance(long n, String status) {
                bar.suffix(status);
                bar.advance(n);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    @Override
    public void epochFinished(EpochMetrics m, List<EpochMetrics> history) {
        String validation = m.valAccuracy() == null ? ""
                : String.format(Locale.ROOT, ", validation loss %.4f accuracy %.2f%%", m.valLoss(), 100 * m.valAccuracy());
        out.printf(Locale.ROOT, "epoch %d (step %d): train loss %.4f accuracy %.2f%%%s, lr %.2e, %.1f s, %.1f samples/s%n",
                m.epoch(), m.step(), m.trainLoss(), 100 * m.trainAccuracy(), validation, m.lr(), m.seconds(), m.samplesPerSecond());
        out.flush();
        try {
            TrainingPlots.write(history, plotDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training plots to " + plotDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void info(String message) {
        out.println(message);
        out.flush();
    }
}
