package dev.s4d.cli;

import dev.s4d.data.Dataset;
import dev.s4d.data.Split;
import dev.s4d.engine.ChannelActivity;
import dev.s4d.engine.ConvEngine;
import dev.s4d.model.S4DModel;
import dev.s4d.train.Checkpoint;
import dev.s4d.train.Trainer;
import dev.s4d.train.grad.Teacher;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Accuracy of a model on a dataset split, with either engine. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Classify a dataset split and print the accuracy.",
                "--held-out RUN classifies instead the training samples that the run in directory RUN (s4d train --out) held out"
                        + " for validation: model selection on them leaves the test split unseen."})
final class EvalCommand extends CliCommand {

    @Mixin
    ModelOnSplitMixin input;

    @Option(names = "--held-out", paramLabel = "RUN", description = "Classify the training samples the run in this directory held"
            + " out for validation (its seed and share; give the run's --limit, if any) instead of --split.")
    Path heldOut;

    @Option(names = "--engine", paramLabel = "conv|recurrent", description = "conv (whole sequences, default) or recurrent (token by token).")
    String engine = "conv";

    @Option(names = "--batch", description = "Samples per batch (default 64).")
    int batch = 64;

    @Option(names = "--activity", description = "Also count, per layer and channel, the tokens on which the S4D output is positive"
            + " (where the loihi flavour's ReLU passes something on) and print per layer the channels never active, those active"
            + " on under 1%% of the tokens and the mean active share (1 − sparsity). Conv engine only.")
    boolean activity;

    @Option(names = "--ensemble", paramLabel = "MODEL", description = "Also run this model (repeatable) and classify by the mean of"
            + " all the models' class probabilities, as s4d train --teacher does; conv engine only. --predictions then holds the log of"
            + " the mean probabilities as logits.")
    List<Path> ensemble;

    @Option(names = "--tta", paramLabel = "flip", description = "Test-time augmentation: flip also classifies every picture mirrored"
            + " left to right and takes the mean of the two views' class probabilities (with --ensemble, of every model's two);"
            + " pictures only, conv engine only. --predictions then holds the log of the mean probabilities as logits.")
    String tta;

    @Option(names = "--predictions", paramLabel = "FILE.jsonl",
            description = "Write one JSON object per sample: index, label, prediction, logits.")
    Path predictions;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        input.data.checkOptions();
        Split which = input.split.get();
        if (activity && !engine.equals("conv")) throw new IllegalArgumentException("--activity counts in the conv engine: leave out --engine " + engine);
        if (ensemble != null) requirePlainConv("--ensemble");
        int mirrorWidth = mirrorWidth();
        if (mirrorWidth > 0) requirePlainConv("--tta");
        if (heldOut != null && which != Split.TEST) throw new IllegalArgumentException("--held-out reads the training split: leave out --split");
        Checkpoint run = heldOut == null ? null : runCheckpoint();
        // Before the work, not after it: a run should not end in "cannot write".
        if (predictions != null) CliFiles.requireWritable(predictions, "predictions");
        S4DModel m = input.loadModel();
        ChannelActivity counts = activity ? new ChannelActivity(m.config()) : null;
        ConvEngine counting = counts == null ? null : ConvEngine.compile(m);
        Classifier classifier = ensemble != null || mirrorWidth > 0 ? ensembleOf(m, mirrorWidth) : counts == null ? Classifier.of(engine, m)
                : sequences -> counting.logits(sequences, counts);
        Dataset ds = input.data.load(run == null ? which : Split.TRAIN);
        int[] indices = run == null ? IntStream.range(0, ds.size()).toArray() : heldOutIndices(run, ds);
        int n = indices.length;
        int correct = 0;
        long start = System.nanoTime();
        try (PredictionWriter out = predictions == null ? null : new PredictionWriter(predictions);
             ProgressBar bar = progress("eval " + input.data.task().id(), n, "samples")) {
            for (int from = 0; from < n; from += batch) {
                int count = Math.min(batch, n - from);
                float[][] seqs = new float[count][];
                for (int i = 0; i < count; i++) seqs[i] = ds.sequence(indices[from + i]);
                float[][] logits = classifier.logits(seqs);
                for (int i = 0; i < count; i++) {
                    int label = ds.label(indices[from + i]);
                    int pred = Classifier.argmax(logits[i]);
                    if (pred == label) correct++;
                    if (out != null) out.write(indices[from + i], label, pred, logits[i]);
                }
                bar.suffix(String.format(Locale.ROOT, "acc %.2f%%", 100.0 * correct / (from + count)));
                bar.advance(count);
            }
            if (out != null) out.commit();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String what = (run == null ? which.id() : "train, held out by " + heldOut)
                + (ensemble == null ? "" : ", ensemble of " + (ensemble.size() + 1) + " models")
                + (mirrorWidth == 0 ? "" : ", each picture also mirrored");
        out().printf(Locale.ROOT, "%s %s, %d samples, %s engine: accuracy %.2f%% (%d/%d), %.1f samples/s%n",
                input.data.task().id(), what, n, engine, 100.0 * correct / n, correct, n, n / seconds);
        if (counts != null) printActivity(counts);
        if (predictions != null) out().println("predictions written to " + predictions);
        return 0;
    }

    /** Mean probabilities (--ensemble, --tta) come from the conv engine alone, without counting activity. */
    private void requirePlainConv(String option) {
        if (activity || !engine.equals("conv")) {
            throw new IllegalArgumentException(option + " runs the conv engine without --activity: leave out " + (activity ? "--activity" : "--engine " + engine));
        }
    }

    /** Tokens per picture row when --tta flip is asked for, else 0. */
    private int mirrorWidth() {
        if (tta == null) return 0;
        if (!tta.equals("flip")) throw new IllegalArgumentException("--tta knows flip (the picture mirrored left to right), got " + tta);
        int width = input.data.task().rowWidth();
        if (width == 0) {
            throw new IllegalArgumentException("--tta flip mirrors pictures, but " + input.data.task().id() + "'s tokens are not pixels in rows");
        }
        return width;
    }

    /**
     * The mean class probabilities of the --model and the --ensemble models (each also on the mirrored
     * picture when {@code mirrorWidth} &gt; 0), as logits (their logarithms).
     */
    private Classifier ensembleOf(S4DModel first, int mirrorWidth) throws java.io.IOException {
        List<S4DModel> models = new ArrayList<>(List.of(first));
        for (Path p : ensemble == null ? List.<Path>of() : ensemble) {
            S4DModel m = CliFiles.loadModel(p);
            try {
                input.data.checkFits(m.config());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--ensemble " + p + ": " + e.getMessage());
            }
            if (m.config().nClasses() != first.config().nClasses()) {
                throw new IllegalArgumentException("--ensemble " + p + " has " + m.config().nClasses() + " outputs, --model "
                        + first.config().nClasses() + ": an ensemble averages the same classes");
            }
            models.add(m);
        }
        Teacher mean = new Teacher(models, Runtime.getRuntime().availableProcessors(), mirrorWidth);
        return sequences -> {
            double[][] p = mean.probabilities(sequences, 1.0);
            float[][] logits = new float[p.length][];
            for (int b = 0; b < p.length; b++) {
                logits[b] = new float[p[b].length];
                for (int c = 0; c < p[b].length; c++) logits[b][c] = (float) Math.log(p[b][c]);
            }
            return logits;
        };
    }

    private void printActivity(ChannelActivity a) {
        out().printf(Locale.ROOT, "channels whose S4D output is positive (the loihi flavour's ReLU passes it on), over %,d tokens:%n", a.tokens());
        out().println("layer  channels  never  under 1%  active share");
        for (int l = 0; l < a.layers(); l++) {
            out().printf(Locale.ROOT, "%5d  %8d  %5d  %8d  %12.3f%n", l, a.channels(), a.silent(l), a.rarelyActive(l), a.meanShare(l));
        }
    }

    /** The checkpoint of the --held-out run, which holds its seed, share and the data it trained on. */
    private Checkpoint runCheckpoint() throws Exception {
        Path file = heldOut.resolve(Trainer.CHECKPOINT);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--held-out " + heldOut + " holds no " + Trainer.CHECKPOINT + " (give the --out directory of s4d train)");
        }
        Checkpoint c = Checkpoint.read(file);
        if (!c.data().task().equals(input.data.task().id())) {
            throw new IllegalArgumentException("--held-out " + heldOut + " trained on " + c.data().task() + ", not " + input.data.task().id());
        }
        if (c.trainConfig().valFraction() == 0) throw new IllegalArgumentException("--held-out " + heldOut + " held out no samples (--val-fraction 0)");
        return c;
    }

    /** The held-out indices, once the split read is shown to be the one the run trained on. */
    private int[] heldOutIndices(Checkpoint run, Dataset train) {
        Checkpoint.DataFingerprint read = Checkpoint.DataFingerprint.of(train);
        if (!read.equals(run.data())) {
            throw new IllegalArgumentException("--held-out " + heldOut + " trained on " + run.data().describe() + ", but this reads "
                    + read.describe() + "; give the run's --limit");
        }
        return Trainer.split(run.trainConfig(), train.size())[1];
    }

    /** JSON lines written to a temporary file and moved into place only when complete. */
    static final class PredictionWriter implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final BufferedWriter w;
        private boolean committed;

        PredictionWriter(Path target) throws java.io.IOException {
            this.target = target.toAbsolutePath();
            // Not Files.createTempFile: its file is private (0600) and the move would keep that, unlike a plain write.
            Path dir = this.target.getParent();
            Path t;
            while (true) {
                t = dir.resolve("." + this.target.getFileName() + "." + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    java.nio.file.Files.createFile(t);
                    break;
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // another run picked the same name: draw again
                }
            }
            this.temp = t;
            try {
                this.w = java.nio.file.Files.newBufferedWriter(temp);
            } catch (java.io.IOException | RuntimeException e) {
                java.nio.file.Files.deleteIfExists(temp);
                throw e;
            }
        }

        void write(int index, int label, int prediction, float[] logits) throws java.io.IOException {
            StringBuilder sb = new StringBuilder(64 + 16 * logits.length);
            sb.append("{\"index\":").append(index).append(",\"label\":").append(label)
                    .append(",\"prediction\":").append(prediction).append(",\"logits\":[");
            for (int i = 0; i < logits.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(logits[i]);
            }
            w.write(sb.append("]}\n").toString());
        }

        void commit() throws java.io.IOException {
            w.close();
            java.nio.file.Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            committed = true;
        }

        @Override
        public void close() throws java.io.IOException {
            if (!committed) {
                // A failed run leaves no partial predictions behind, not even the temporary file.
                try {
                    w.close();
                } finally {
                    java.nio.file.Files.deleteIfExists(temp);
                }
            }
        }
    }
}
