package dev.s4d.cli;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
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
 * on the error writer, one summary line per epoch on the output writer (with the time the rest of the
 * run will take), and the curves redrawn as PNG files next to the run's other files.
 */
final class ConsoleTrainListener implements TrainListener {
    private final CliCommand command;
    private final PrintWriter out;
    private final Path plotDir;
    private final int lastEpoch;
    private final ModelConfig model;
    private boolean warnedOfDeadChannels;

    /**
     * @param lastEpoch the epoch the run will stop after: its schedule's last, or an earlier one asked for
     * @param model     the architecture trained, for judging its silent channels
     */
    ConsoleTrainListener(CliCommand command, Path plotDir, int lastEpoch, ModelConfig model) {
        this.command = command;
        this.out = command.out();
        this.plotDir = plotDir;
        this.lastEpoch = lastEpoch;
        this.model = model;
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
                : String.format(Locale.ROOT, ", validation loss %.4f accuracy %.2f%%", m.valLoss(), 100 * m.valAccuracy())
                + (m.valSilentChannels() == null ? "" : ", silent channels " + m.valSilentChannels().stream()
                        .map(String::valueOf).collect(java.util.stream.Collectors.joining("/")));
        out.printf(Locale.ROOT, "epoch %d (step %d): train loss %.4f accuracy %.2f%%%s, lr %.2e, %.1f s, %.1f samples/s%s%n",
                m.epoch(), m.step(), m.trainLoss(), 100 * m.trainAccuracy(), validation, m.lr(), m.seconds(),
                m.samplesPerSecond(), timeToGo(m.epoch(), history));
        warnOfDeadChannels(m);
        out.flush();
        try {
            TrainingPlots.write(history, plotDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training plots to " + plotDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Once a run, when a layer of a loihi-flavour model has lost more than a fifth of its channels: a
     * ReLU that never fires passes no gradient, so those channels will not come back, and the usual
     * cause, a peak rate too high for a model without normalisation, is the user's to change.
     */
    private void warnOfDeadChannels(EpochMetrics m) {
        if (warnedOfDeadChannels || m.valSilentChannels() == null || model.flavour() != BlockFlavour.LOIHI) return;
        for (int l = 0; l < m.valSilentChannels().size(); l++) {
            int silent = m.valSilentChannels().get(l);
            if (silent * 5 > model.dModel()) {
                out.printf(Locale.ROOT, "note: layer %d has %d of %d channels silent on the validation samples: dead ReLUs, which pass"
                        + " nothing on and no longer learn; a lower peak rate (--lr) keeps them alive (docs/RESULTS.md, \"Dead ReLUs\")%n",
                        l, silent, model.dModel());
                warnedOfDeadChannels = true;
                return;
            }
        }
    }

    /**
     * "; 3 epochs to go, about 0:42" after every epoch but the last, from the median time of the last
     * three epochs (one slow epoch, such as the first after a start, moves it little).
     */
    private String timeToGo(int epoch, List<EpochMetrics> history) {
        int left = lastEpoch - epoch;
        if (left <= 0) return "";
        double[] recent = history.subList(Math.max(0, history.size() - 3), history.size()).stream()
                .mapToDouble(EpochMetrics::seconds).sorted().toArray();
        long minutes = Math.round(left * recent[recent.length / 2] / 60);
        return String.format(Locale.ROOT, "; %d epoch%s to go, about %d:%02d", left, left == 1 ? "" : "s", minutes / 60, minutes % 60);
    }

    @Override
    public void info(String message) {
        out.println(message);
        out.flush();
    }
}
