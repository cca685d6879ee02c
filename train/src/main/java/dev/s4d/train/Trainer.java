package dev.s4d.train;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s4d.data.Dataset;
import dev.s4d.engine.ChannelActivity;
import dev.s4d.io.AtomicFiles;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.time.RunningClock;
import dev.s4d.train.Checkpoint.DataFingerprint;
import dev.s4d.train.Checkpoint.EpochTotals;
import dev.s4d.train.grad.BatchNorms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains a model: epochs of shuffled mini-batches, AdamW with a warm-up then cosine or constant rate, validation
 * after every epoch, checkpoints, metrics files and, at the end, the test evaluation.
 *
 * <p>Everything the run writes goes to its output directory: {@value #CHECKPOINT} (every
 * {@code checkpoint_every} steps and at every epoch end), {@value #BEST} (the model with the best
 * validation accuracy so far), {@value #LAST} (the final model), {@link MetricsFiles} and
 * {@value #SUMMARY}. All are replaced atomically.
 *
 * <p>With {@code average_last} K > 0 it also keeps the mean of the weights at the ends of the last K
 * epochs, {@value #AVERAGED}, validated after each of those epochs and tested at the end: stochastic
 * weight averaging (Izmailov et al. 2018) over the tail of the schedule. Neither flavour has
 * batch statistics (LayerNorm normalises each token by itself), so the mean is a finished model.
 *
 * <p>With {@code batch_norm} ({@link BatchNorms}) the run trains γ and β of a batch norm before each S4D
 * layer besides the model's parameters, and every model it validates or writes is folded: the population
 * statistics come from a forward pass over the first {@value #CALIBRATION_SAMPLES} training samples,
 * augmented as training batches are (with draws of their own, the same at every calibration) but without
 * dropout, with the weights at hand, the averaged weights' with their own.
 *
 * <p>Reproducibility: the validation split, each epoch's order, each step's dropout seed and which of its
 * samples are mirrored ({@link Augmentation}) follow from the seed and the position alone, and a checkpoint holds the exact float state; so for a gradient
 * source that is deterministic for a fixed thread count, a run resumed from any checkpoint takes
 * bit-for-bit the steps the uninterrupted run takes.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String BEST = "best.safetensors";
    public static final String LAST = "last.safetensors";
    public static final String AVERAGED = "averaged.safetensors";
    public static final String SUMMARY = "summary.json";
    /** Training samples whose statistics fold a batch-normalised run's norms: enough for the mean and variance of every channel to settle. */
    public static final int CALIBRATION_SAMPLES = 2048;

    private static final JsonMapper JSON = new JsonMapper();

    private final TrainConfig config;
    private final GradientSource gradients;
    private final Path outDir;
    private final TrainListener listener;
    private final int stopAfter;

    /**
     * @param config    the run's settings ({@code threads} sizes the evaluation; the gradient source
     *                  brings its own threads)
     * @param gradients loss and gradient of a batch, for the model being trained
     * @param outDir    where checkpoints, models and metrics go; created if missing
     * @param listener  progress and log display
     */
    public Trainer(TrainConfig config, GradientSource gradients, Path outDir, TrainListener listener) {
        this(config, gradients, outDir, listener, Integer.MAX_VALUE);
    }

    private Trainer(TrainConfig config, GradientSource gradients, Path outDir, TrainListener listener, int stopAfter) {
        if (config.batchNorm() != gradients.batchNormalises()) {
            throw new IllegalArgumentException("the settings " + (config.batchNorm() ? "ask for" : "have no") + " batch norms but the gradient source "
                    + (gradients.batchNormalises() ? "has them" : "has none"));
        }
        this.config = config;
        this.gradients = gradients;
        this.outDir = outDir;
        this.listener = listener;
        this.stopAfter = stopAfter;
    }

    /**
     * This trainer, stopping once {@code epoch} epochs of the schedule are done, as an interruption at
     * that epoch's end would: its checkpoint is written and a resume continues the schedule, so a
     * long run can go in parts, or stop where a documented run stopped. It changes no step.
     *
     * @return a trainer whose {@link #start} and {@link #resume} return after that epoch (at once if a
     *         resumed run is past it), with {@link TrainResult#stopped()} set if the schedule has epochs left
     */
    public Trainer stoppingAfter(int epoch) {
        if (epoch < 1) throw new IllegalArgumentException("the epoch to stop after must be at least 1, got " + epoch);
        return new Trainer(config, gradients, outDir, listener, epoch);
    }

    /**
     * Trains {@code initial} (which is not changed) from scratch.
     *
     * @param train the training split; the validation samples are held out of it
     * @param test  evaluated once at the end, or null to skip
     * @throws IllegalStateException if the output directory already holds a checkpoint
     */
    public TrainResult start(S4DModel initial, Dataset train, Dataset test) throws IOException {
        return start(initial, false, train, test);
    }

    /**
     * Trains {@code trained} further, as {@link #start} does, except that batch norms start where the
     * normalised network computes what {@code trained} computes (scale √(σ² + ε) and shift μ of each S4D
     * input over the calibration samples) instead of at 1 and 0, which would throw away what its
     * linear layers learned about the scale of their outputs.
     */
    public TrainResult startFrom(S4DModel trained, Dataset train, Dataset test) throws IOException {
        return start(trained, true, train, test);
    }

    private TrainResult start(S4DModel initial, boolean trained, Dataset train, Dataset test) throws IOException {
        requireRows(train);
        Path existing = outDir.resolve(CHECKPOINT);
        if (Files.exists(existing)) {
            throw new IllegalStateException(outDir + " already holds a checkpoint (" + existing.getFileName()
                    + "); resume it, or train into another directory");
        }
        Files.createDirectories(outDir);
        Parameters params = config.batchNorm() ? BatchNorms.initial(initial) : initial.parameters().copy();
        if (config.batchNorm() && trained) {
            // Layer by layer, since each layer's statistics depend on the norms before it.
            for (int i = 0; i < initial.config().nLayers(); i++) {
                BatchNorms.Statistics stats = statistics(params, train);
                float[] gamma = params.get(BatchNorms.weight(i)).data();
                float[] beta = params.get(BatchNorms.bias(i)).data();
                for (int j = 0; j < gamma.length; j++) {
                    gamma[j] = (float) Math.sqrt(stats.var()[i][j] + BatchNorms.EPS);
                    beta[j] = (float) stats.mean()[i][j];
                }
            }
        }
        Run run = new Run(initial.config(), params, AdamW.of(params, config), DataFingerprint.of(train));
        return run.execute(train, test);
    }

    /**
     * The moments of each S4D input before its batch norm with parameters {@code p}, pooled over the
     * first {@value #CALIBRATION_SAMPLES} training samples in batches of the run's size, augmented as the
     * training batches are: those are the inputs the norms learned on. (The sCIFAR run's weights inside
     * its epoch 19, folded with augmented statistics, classified 0.44 points more of the validation split
     * than folded with the plain pictures' in each of three draws: BatchNormCalibrationProbe, docs/RESULTS.md.)
     */
    private BatchNorms.Statistics statistics(Parameters p, Dataset train) {
        int[] trainIdx = split(config, train.size())[0];
        int[] calibration = Arrays.copyOf(trainIdx, Math.min(CALIBRATION_SAMPLES, trainIdx.length));
        BatchNorms.Statistics stats = null;
        try (TrainListener.Progress progress = listener.begin("calibrate", calibration.length, 0)) {
            for (int from = 0; from < calibration.length; from += config.batchSize()) {
                float[][] sequences = new float[Math.min(config.batchSize(), calibration.length - from)][];
                for (int i = 0; i < sequences.length; i++) sequences[i] = train.sequence(calibration[from + i]);
                augment(sequences, train, Seeds.derive(config.seed(), Seeds.Stream.CALIBRATION, from));
                BatchNorms.Statistics batch = gradients.statistics(p, sequences);
                stats = stats == null ? batch : stats.pool(batch);
                progress.advance(sequences.length, "");
            }
        }
        return stats;
    }

    /**
     * Applies the run's augmentation to a batch in place, drawing from a generator seeded with {@code seed}:
     * each sequence in order, then the mixing of the batch. Does nothing without augmentation.
     */
    private void augment(float[][] batch, Dataset train, long seed) {
        if (config.augment().equals(Augmentation.NONE)) return;
        config.augment().apply(batch, train.length(), train.dInput(), train.rowWidth(), new SplittableRandom(seed));
    }

    /**
     * Continues the run saved in {@code checkpoint} on the same data.
     *
     * @throws IllegalArgumentException if the checkpoint's settings or data differ from this run's
     *                                  (beyond what {@link TrainConfig#mayResumeAs} allows)
     */
    public TrainResult resume(Checkpoint checkpoint, Dataset train, Dataset test) throws IOException {
        if (!checkpoint.trainConfig().mayResumeAs(config, checkpoint.epoch())) {
            throw new IllegalArgumentException("the checkpoint was made with the settings " + Checkpoint.toJson(checkpoint.trainConfig())
                    + " but this run has " + Checkpoint.toJson(config) + "; a resumed run keeps its settings (only threads may change,"
                    + " and average_last while no epoch of its window has ended)");
        }
        requireRows(train);
        DataFingerprint data = DataFingerprint.of(train);
        if (!data.equals(checkpoint.data())) {
            throw new IllegalArgumentException("the checkpoint trained on " + checkpoint.data().describe() + " but this run has "
                    + data.describe() + "; resume with the same dataset and limit");
        }
        Files.createDirectories(outDir);
        Parameters params = checkpoint.parameters().copy();
        AdamW optimizer = AdamW.of(params, config);
        optimizer.restore(checkpoint.firstMoments(), checkpoint.secondMoments(), checkpoint.step());
        Run run = new Run(checkpoint.modelConfig(), params, optimizer, data);
        run.average = checkpoint.average() == null ? null : checkpoint.average().copy();
        run.step = checkpoint.step();
        run.epoch = checkpoint.epoch();
        run.batchInEpoch = checkpoint.batchInEpoch();
        run.totals = checkpoint.epochSoFar();
        run.bestValAccuracy = checkpoint.bestValAccuracy();
        run.bestEpoch = checkpoint.bestEpoch();
        run.history.addAll(checkpoint.history());
        run.lastCheckpointStep = checkpoint.step();
        listener.info(String.format(Locale.ROOT, "resuming at step %d (epoch %d, batch %d)",
                checkpoint.step(), checkpoint.epoch() + 1, checkpoint.batchInEpoch() + 1));
        return run.execute(train, test);
    }

    /** Mirroring and moving pictures need image rows; refused before anything is written. */
    private void requireRows(Dataset train) {
        if (config.augment().needsRows() && train.rowWidth() == 0) {
            throw new IllegalArgumentException("augmentation '" + config.augment().id() + "' works on image rows, but the tokens of "
                    + train.name() + " are not pixels row by row");
        }
    }

    /** The mutable state of one run, from start or resume to the end. */
    private final class Run {
        final ModelConfig modelConfig;
        final Parameters params;
        final Parameters grads;
        final AdamW optimizer;
        final DataFingerprint data;
        /** Mean of the end-of-epoch weights in the averaging window so far; null before it. */
        Parameters average;
        long step;
        int epoch;
        int batchInEpoch;
        EpochTotals totals = EpochTotals.ZERO;
        Double bestValAccuracy;
        int bestEpoch;
        final List<EpochMetrics> history = new ArrayList<>();
        long lastCheckpointStep = -1;
        int stepsPerEpoch;

        Run(ModelConfig modelConfig, Parameters params, AdamW optimizer, DataFingerprint data) {
            this.modelConfig = modelConfig;
            this.params = params;
            this.optimizer = optimizer;
            this.data = data;
            this.grads = params.zerosLike();
        }

        TrainResult execute(Dataset train, Dataset test) throws IOException {
            int[][] split = Trainer.split(config, train.size());
            int[] trainIdx = split[0];
            int[] valIdx = split[1];
            int batch = config.batchSize();
            stepsPerEpoch = Math.ceilDiv(trainIdx.length, batch);
            if (step != (long) epoch * stepsPerEpoch + batchInEpoch || batchInEpoch >= stepsPerEpoch) {
                throw new IllegalArgumentException("the checkpoint is at step " + step + ", epoch " + (epoch + 1) + ", batch "
                        + (batchInEpoch + 1) + ", which does not fit " + stepsPerEpoch + " batches per epoch");
            }
            LearningRateSchedule schedule = config.learningRateSchedule(stepsPerEpoch);
            float[][] buffer = new float[batch][train.length() * train.dInput()];
            while (epoch < config.epochs() && epoch < stopAfter) {
                int[] order = epochOrder(trainIdx, epoch);
                String label = String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, config.epochs());
                try (TrainListener.Progress progress = listener.begin(label, trainIdx.length, (long) batchInEpoch * batch)) {
                    while (batchInEpoch < stepsPerEpoch) {
                        GradientSource.BatchStats stats = trainStep(train, order, buffer, schedule);
                        progress.advance(stats.count(), String.format(Locale.ROOT, "loss %.4f  acc %.2f%%  lr %.2e",
                                totals.meanLoss(), 100 * totals.accuracy(), config.lr() * schedule.factor(step - 1)));
                        if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0 && batchInEpoch < stepsPerEpoch) {
                            checkpoint();
                        }
                    }
                }
                finishEpoch(train, valIdx, config.lr() * schedule.factor(step - 1));
            }
            if (epoch < config.epochs()) {
                listener.info(String.format(Locale.ROOT, "stopped after epoch %d of %d as asked; --resume continues the schedule", epoch,
                        config.epochs()));
                return new TrainResult(step, history, bestValAccuracy, bestEpoch, null, null, 0, null, true);
            }
            return finish(train, test);
        }

        /** One optimiser step on the next batch of {@code order}. */
        GradientSource.BatchStats trainStep(Dataset train, int[] order, float[][] buffer, LearningRateSchedule schedule) {
            long start = RunningClock.nanoTime();
            int from = batchInEpoch * config.batchSize();
            int count = Math.min(config.batchSize(), order.length - from);
            float[][] sequences = count == buffer.length ? buffer : Arrays.copyOf(buffer, count);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                train.sequence(order[from + i], sequences[i], 0);
                labels[i] = train.label(order[from + i]);
            }
            augment(sequences, train, Seeds.derive(config.seed(), Seeds.Stream.AUGMENT, step));
            double factor = schedule.factor(step);
            GradientSource.BatchStats stats = gradients.compute(params, grads, sequences, labels,
                    Seeds.derive(config.seed(), Seeds.Stream.DROPOUT, step));
            if (stats.count() != count) {
                throw new IllegalStateException("the gradient source reported " + stats.count() + " samples for a batch of " + count);
            }
            requireFiniteGradients(stats);
            if (config.clipNorm() > 0) GradientClipping.clip(grads, config.clipNorm());
            optimizer.step(params, grads, factor);
            requireFiniteParameters();
            step++;
            batchInEpoch++;
            totals = totals.add(stats, (RunningClock.nanoTime() - start) / 1e9);
            listener.stepFinished(step, stats);
            return stats;
        }

        void finishEpoch(Dataset train, int[] valIdx, double lr) throws IOException {
            long start = RunningClock.nanoTime();
            ChannelActivity activity = new ChannelActivity(modelConfig);
            S4DModel model = inferenceModel(params, train);
            Evaluation val = valIdx.length == 0 ? null : evaluate(model, train, valIdx, "validate", activity);
            Evaluation avgVal = addToAverage(train, valIdx);
            double seconds = totals.trainSeconds() + (RunningClock.nanoTime() - start) / 1e9;
            EpochMetrics metrics = new EpochMetrics(epoch + 1, step, totals.meanLoss(), totals.accuracy(),
                    val == null ? null : val.loss(), val == null ? null : val.accuracy(), lr, seconds,
                    totals.trainSeconds() > 0 ? totals.samples() / totals.trainSeconds() : 0,
                    avgVal == null ? null : avgVal.loss(), avgVal == null ? null : avgVal.accuracy(),
                    val == null ? null : activity.silentPerLayer());
            history.add(metrics);
            if (val != null && (bestValAccuracy == null || val.accuracy() > bestValAccuracy)) {
                bestValAccuracy = val.accuracy();
                bestEpoch = epoch + 1;
                ModelFiles.save(model, outDir.resolve(BEST));
                listener.info(String.format(Locale.ROOT, "epoch %d: best validation accuracy so far, %.2f%%, saved %s",
                        bestEpoch, 100 * bestValAccuracy, BEST));
            }
            epoch++;
            batchInEpoch = 0;
            totals = EpochTotals.ZERO;
            checkpoint();
            MetricsFiles.write(outDir, history);
            listener.epochFinished(metrics, List.copyOf(history));
        }

        /**
         * Folds the weights at the end of the epoch in progress into the average when the epoch is in the
         * averaging window, saves the average and returns its validation (null outside the window or
         * without validation samples).
         */
        Evaluation addToAverage(Dataset train, int[] valIdx) throws IOException {
            int n = Checkpoint.averagedEpochs(config, epoch + 1);
            if (n == 0) return null;
            if (n == 1) {
                average = params.copy();
            } else {
                // A running mean, a += (p - a) / n, so no sum grows with the window.
                for (String name : params.names()) {
                    float[] a = average.get(name).data();
                    float[] p = params.get(name).data();
                    for (int i = 0; i < a.length; i++) a[i] += (p[i] - a[i]) / n;
                }
            }
            S4DModel averaged = inferenceModel(average, train);
            ModelFiles.save(averaged, outDir.resolve(AVERAGED));
            Evaluation val = valIdx.length == 0 ? null : evaluate(averaged, train, valIdx, "validate averaged");
            listener.info(String.format(Locale.ROOT, "epoch %d: weights of the last %d epoch%s averaged%s, saved %s", epoch + 1, n,
                    n == 1 ? "" : "s", val == null ? "" : String.format(Locale.ROOT, ", validation accuracy %.2f%%", 100 * val.accuracy()),
                    AVERAGED));
            return val;
        }

        TrainResult finish(Dataset train, Dataset test) throws IOException {
            S4DModel last = inferenceModel(params, train);
            ModelFiles.save(last, outDir.resolve(LAST));
            Evaluation testLast = null;
            Evaluation testBest = null;
            Evaluation testAveraged = null;
            if (test != null) {
                int[] all = new int[test.size()];
                Arrays.setAll(all, i -> i);
                testLast = evaluate(last, test, all, "test");
                if (bestEpoch == config.epochs()) {
                    testBest = testLast;
                } else if (bestEpoch > 0) {
                    testBest = evaluate(ModelFiles.load(outDir.resolve(BEST)), test, all, "test best");
                }
                if (average != null) testAveraged = evaluate(inferenceModel(average, train), test, all, "test averaged");
            }
            TrainResult result = new TrainResult(step, history, bestValAccuracy, bestEpoch, testLast, testBest,
                    average == null ? 0 : config.averageLast(), testAveraged, false);
            ObjectNode summary = JSON.createObjectNode();
            summary.set("train_config", JSON.valueToTree(config));
            summary.set("model_config", JSON.readTree(ModelFiles.configToJson(modelConfig)));
            summary.set("data", JSON.valueToTree(data));
            summary.set("result", JSON.valueToTree(result));
            AtomicFiles.write(outDir.resolve(SUMMARY), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
            return result;
        }

        Evaluation evaluate(S4DModel model, Dataset dataset, int[] indices, String label) {
            return evaluate(model, dataset, indices, label, null);
        }

        Evaluation evaluate(S4DModel model, Dataset dataset, int[] indices, String label, ChannelActivity activity) {
            try (TrainListener.Progress progress = listener.begin(label, indices.length, 0)) {
                return Evaluation.measure(model, dataset, indices, config.batchSize(), config.threads(), progress, activity);
            }
        }

        void checkpoint() throws IOException {
            new Checkpoint(config, modelConfig, data, step, epoch, batchInEpoch, params, optimizer.firstMoments(),
                    optimizer.secondMoments(), average, totals, bestValAccuracy, bestEpoch, history).write(outDir.resolve(CHECKPOINT));
            lastCheckpointStep = step;
        }

        /** The model that trained parameters {@code p} stand for: themselves, or with batch norms folded with statistics over the calibration samples. */
        S4DModel inferenceModel(Parameters p, Dataset train) {
            return config.batchNorm() ? BatchNorms.fold(modelConfig, p, statistics(p, train)) : new S4DModel(modelConfig, p);
        }

        int[] epochOrder(int[] trainIdx, int e) {
            int[] perm = Seeds.permutation(trainIdx.length, Seeds.derive(config.seed(), Seeds.Stream.EPOCH_ORDER, e));
            int[] order = new int[trainIdx.length];
            for (int i = 0; i < order.length; i++) order[i] = trainIdx[perm[i]];
            return order;
        }

        void requireFiniteGradients(GradientSource.BatchStats stats) {
            for (String name : grads.names()) {
                float[] g = grads.get(name).data();
                int bad = firstNonFinite(g);
                if (bad >= 0) {
                    throw diverged("the gradient of '" + name + "' holds " + g[bad] + " at flat index " + bad
                            + " (batch loss " + stats.loss() + ")", name);
                }
            }
            if (!Double.isFinite(stats.loss())) throw diverged("the loss is " + stats.loss() + " although every gradient is finite", null);
        }

        void requireFiniteParameters() {
            for (String name : params.names()) {
                float[] p = params.get(name).data();
                int bad = firstNonFinite(p);
                if (bad >= 0) {
                    throw diverged("parameter '" + name + "' became " + p[bad] + " at flat index " + bad
                            + " in the update although its gradient was finite", name);
                }
            }
        }

        TrainingDivergedException diverged(String what, String parameter) {
            String where = String.format(Locale.ROOT, "training diverged at step %d (epoch %d, batch %d of %d): ",
                    step + 1, epoch + 1, batchInEpoch + 1, stepsPerEpoch);
            String after = lastCheckpointStep < 0 ? "; no checkpoint was written yet"
                    : "; the last checkpoint, from step " + lastCheckpointStep + ", holds finite values";
            return new TrainingDivergedException(where + what + after + ". Try a lower learning rate or gradient clipping.",
                    step + 1, parameter);
        }
    }

    /**
     * The training and validation indices of a run with {@code config} over a training split of
     * {@code n} samples: validation is the end of a seeded permutation of the split, so it follows from
     * the seed and the share alone (and a model can be checked on it after the run, {@code s4d eval --held-out}).
     *
     * @return {training indices, validation indices}, each sorted
     */
    public static int[][] split(TrainConfig config, int n) {
        int held = config.valFraction() == 0 ? 0 : Math.max(1, (int) Math.round(n * config.valFraction()));
        if (n - held < 1) {
            throw new IllegalArgumentException("the training split has " + n + " samples; holding out " + held
                    + " for validation leaves none to train on");
        }
        int[] perm = Seeds.permutation(n, Seeds.derive(config.seed(), Seeds.Stream.VALIDATION_SPLIT, 0));
        int[] trainIdx = Arrays.copyOfRange(perm, 0, n - held);
        int[] valIdx = Arrays.copyOfRange(perm, n - held, n);
        // Sorted so the set, not the permutation, defines them; each epoch shuffles anyway.
        Arrays.sort(trainIdx);
        Arrays.sort(valIdx);
        return new int[][]{trainIdx, valIdx};
    }

    private static int firstNonFinite(float[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) return i;
        }
        return -1;
    }
}
