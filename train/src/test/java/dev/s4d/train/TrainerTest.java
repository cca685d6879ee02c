package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.data.Dataset;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The trainer with a stand-in gradient source (TrainingFixtures: 3 epochs of 12 steps, a checkpoint
 * every 5 steps and at each epoch end).
 */
class TrainerTest {

    @TempDir
    Path dir;

    private final Dataset data = TrainingFixtures.data(100);
    private final Dataset test = TrainingFixtures.data(30);

    /** Keeps every step's loss, in order. */
    static final class Recorder implements TrainListener {
        final List<Long> steps = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();
        final List<String> messages = new ArrayList<>();

        @Override
        public void stepFinished(long step, GradientSource.BatchStats stats) {
            steps.add(step);
            losses.add(stats.loss());
        }

        @Override
        public void info(String message) {
            messages.add(message);
        }
    }

    /** Passes calls through until call {@code crashAt} (1-based), which fails as a crash would. */
    record CrashingAt(GradientSource inner, int crashAt, int[] calls) implements GradientSource {
        CrashingAt(GradientSource inner, int crashAt) {
            this(inner, crashAt, new int[1]);
        }

        @Override
        public BatchStats compute(dev.s4d.model.Parameters params, dev.s4d.model.Parameters grads, float[][] sequences, int[] labels, long seed) {
            if (++calls[0] == crashAt) throw new IllegalStateException("simulated crash");
            return inner.compute(params, grads, sequences, labels, seed);
        }

        @Override
        public boolean batchNormalises() {
            return inner.batchNormalises();
        }

        @Override
        public dev.s4d.train.grad.BatchNorms.Statistics statistics(dev.s4d.model.Parameters params, float[][] sequences) {
            return inner.statistics(params, sequences);
        }
    }

    private static GradientSource gradients() {
        return new MeanPoolLinearGradients(TrainingFixtures.modelConfig(), TrainingFixtures.config().dropout());
    }

    private TrainResult train(Path out, GradientSource g, TrainListener l) throws Exception {
        return train(out, g, l, TrainingFixtures.model());
    }

    private TrainResult train(Path out, GradientSource g, TrainListener l, S4DModel initial) throws Exception {
        return new Trainer(TrainingFixtures.config(), g, out, l).start(initial, data, test);
    }

    /** A reference-flavour model (GELU, GLU, LayerNorm, residuals) for the real backward pass and its vector kernels. */
    private static final ModelConfig REFERENCE = ModelConfig.reference(1, 8, 4, 2, 10);

    private static EpochMetrics withoutTimes(EpochMetrics m) {
        return new EpochMetrics(m.epoch(), m.step(), m.trainLoss(), m.trainAccuracy(), m.valLoss(), m.valAccuracy(), m.lr(), 0, 0,
                m.avgValLoss(), m.avgValAccuracy(), m.valSilentChannels());
    }

    /**
     * With the stand-in gradients, and once with the real backward pass of a reference-flavour model
     * (vector kernels, FFT convolution, dropout): the resumed run's steps equal the uninterrupted run's.
     * (That the kernels answer the same in every JIT tier, which this needs across JVMs, is
     * VectorKernelsTest's.)
     */
    @ParameterizedTest(name = "crash in step {0}, resume from step {1}, real reference model: {2}")
    @CsvSource({"14, 12, false", "19, 15, false", "36, 35, false", "19, 15, true"})
    void aResumedRunTakesTheUninterruptedRunsStepsBitForBit(int crashStep, int checkpointStep, boolean real) throws Exception {
        Supplier<GradientSource> gradients = real
                ? () -> GradientSources.forModel(REFERENCE, TrainingFixtures.config().withThreads(1)) : TrainerTest::gradients;
        S4DModel initial = real ? ModelInitializer.initialise(REFERENCE, InitOptions.defaults(7)) : TrainingFixtures.model();
        Recorder straight = new Recorder();
        TrainResult expected = train(dir.resolve("straight"), gradients.get(), straight, initial);
        assertThat(straight.steps).hasSize(36);

        Path out = dir.resolve("crashed");
        assertThatThrownBy(() -> train(out, new CrashingAt(gradients.get(), crashStep), TrainListener.silent(), initial))
                .hasMessage("simulated crash");
        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        assertThat(checkpoint.step()).isEqualTo(checkpointStep);

        Recorder resumed = new Recorder();
        TrainResult result = new Trainer(TrainingFixtures.config(), gradients.get(), out, resumed).resume(checkpoint, data, test);
        assertThat(resumed.messages.getFirst()).startsWith("resuming at step " + checkpointStep);
        assertThat(resumed.steps.getFirst()).isEqualTo(checkpointStep + 1);
        assertThat(resumed.losses).containsExactlyElementsOf(straight.losses.subList(checkpointStep, 36));
        assertThat(ModelFiles.load(out.resolve(Trainer.LAST)).parameters().asMap())
                .isEqualTo(ModelFiles.load(dir.resolve("straight").resolve(Trainer.LAST)).parameters().asMap());
        assertThat(result.history().stream().map(TrainerTest::withoutTimes).toList())
                .isEqualTo(expected.history().stream().map(TrainerTest::withoutTimes).toList());
        assertThat(result.bestEpoch()).isEqualTo(expected.bestEpoch());
        assertThat(result.testLast()).isEqualTo(expected.testLast());
        assertThat(Files.readAllLines(out.resolve(MetricsFiles.JSONL))).hasSize(3);
    }

    @Test
    void aRunStoppedAfterAnEpochResumesToTheUninterruptedRunsEnd() throws Exception {
        TrainResult expected = train(dir.resolve("straight"), gradients(), TrainListener.silent());
        Path out = dir.resolve("parts");
        Recorder first = new Recorder();
        TrainResult part = new Trainer(TrainingFixtures.config(), gradients(), out, first).stoppingAfter(1)
                .start(TrainingFixtures.model(), data, test);
        assertThat(part.stopped()).isTrue();
        assertThat(part.history()).hasSize(1);
        assertThat(part.testLast()).isNull();
        assertThat(first.messages).contains("stopped after epoch 1 of 3 as asked; --resume continues the schedule");
        assertThat(out.resolve(Trainer.LAST)).doesNotExist();
        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        assertThat(checkpoint.step()).isEqualTo(12);
        // Resumed with a stop already passed, it stops at once; without one it runs to the schedule's end.
        assertThat(new Trainer(TrainingFixtures.config(), gradients(), out, TrainListener.silent()).stoppingAfter(1)
                .resume(checkpoint, data, test).steps()).isEqualTo(12);
        TrainResult rest = new Trainer(TrainingFixtures.config(), gradients(), out, TrainListener.silent()).resume(checkpoint, data, test);
        assertThat(rest.stopped()).isFalse();
        assertThat(rest.testLast()).isEqualTo(expected.testLast());
        assertThat(ModelFiles.load(out.resolve(Trainer.LAST)).parameters().asMap())
                .isEqualTo(ModelFiles.load(dir.resolve("straight").resolve(Trainer.LAST)).parameters().asMap());
        assertThatThrownBy(() -> new Trainer(TrainingFixtures.config(), gradients(), out, TrainListener.silent()).stoppingAfter(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesModelsMetricsAndSummary() throws Exception {
        Path out = dir.resolve("run");
        TrainResult r = train(out, gradients(), TrainListener.silent());
        assertThat(r.steps()).isEqualTo(36);
        assertThat(r.history()).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3);
        assertThat(r.history()).extracting(EpochMetrics::step).containsExactly(12L, 24L, 36L);

        JsonMapper json = new JsonMapper();
        List<String> lines = Files.readAllLines(out.resolve(MetricsFiles.JSONL));
        assertThat(lines).hasSize(3);
        JsonNode first = json.readTree(lines.getFirst());
        assertThat(first.properties()).extracting(java.util.Map.Entry::getKey).containsExactly(
                "epoch", "step", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "samples_per_s",
                "avg_val_loss", "avg_val_acc", "val_silent_channels");
        assertThat(first.get("val_silent_channels").size()).isEqualTo(TrainingFixtures.modelConfig().nLayers());
        assertThat(r.history().getFirst().valSilentChannels()).allSatisfy(n -> assertThat(n).isBetween(0, TrainingFixtures.modelConfig().dModel()));
        assertThat(first.get("avg_val_acc").isNull()).isTrue();
        assertThat(first.get("val_acc").asDouble()).isEqualTo(r.history().getFirst().valAccuracy());
        List<String> csv = Files.readAllLines(out.resolve(MetricsFiles.CSV));
        assertThat(csv).hasSize(4);
        assertThat(csv.getFirst()).isEqualTo(MetricsFiles.CSV_HEADER);
        assertThat(csv.get(3)).startsWith("3,36," + r.history().get(2).trainLoss() + ",");

        // The best model is the first epoch with the highest validation accuracy, saved as a plain model file.
        int best = 0;
        for (int e = 1; e < 3; e++) if (r.history().get(e).valAccuracy() > r.history().get(best).valAccuracy()) best = e;
        assertThat(r.bestEpoch()).isEqualTo(best + 1);
        assertThat(r.bestValAccuracy()).isEqualTo(r.history().get(best).valAccuracy());
        S4DModel bestModel = ModelFiles.load(out.resolve(Trainer.BEST));
        assertThat(bestModel.config()).isEqualTo(TrainingFixtures.modelConfig());
        assertThat(r.testBest()).isNotNull();
        assertThat(r.testLast().count()).isEqualTo(30);

        JsonNode summary = json.readTree(out.resolve(Trainer.SUMMARY).toFile());
        assertThat(summary.at("/train_config/lr_ssm").asDouble()).isEqualTo(0.001);
        assertThat(summary.at("/model_config/d_model").asInt()).isEqualTo(8);
        assertThat(summary.at("/result/test_last/correct").asInt()).isEqualTo(r.testLast().correct());
        assertThat(summary.at("/data/samples").asInt()).isEqualTo(100);
    }

    @Test
    void theStandInModelLearns() throws Exception {
        TrainResult r = train(dir.resolve("run"), gradients(), TrainListener.silent());
        assertThat(r.history().get(2).trainLoss()).isLessThan(r.history().get(0).trainLoss() - 0.3);
        assertThat(r.history().get(2).trainAccuracy()).isGreaterThan(r.history().get(0).trainAccuracy());
    }

    @ParameterizedTest
    @EnumSource(LearningRateSchedule.Decay.class)
    void theSsmGroupHasItsOwnRateAndNoDecayWhileOthersDecayAtTheScheduledRate(LearningRateSchedule.Decay decay) throws Exception {
        // The stand-in model gives zero gradients outside encoder and decoder, so only weight decay moves them.
        Path out = dir.resolve("run");
        TrainConfig c = TrainingFixtures.config().toBuilder().schedule(decay).build();
        new Trainer(c, gradients(), out, TrainListener.silent()).start(TrainingFixtures.model(), data, test);
        Parameters initial = TrainingFixtures.model().parameters();
        Parameters trained = ModelFiles.load(out.resolve(Trainer.LAST)).parameters();
        for (String ssm : new String[]{ParameterNames.logDt(0), ParameterNames.logAReal(0), ParameterNames.aImag(0)}) {
            assertThat(trained.get(ssm)).as(ssm).isEqualTo(initial.get(ssm));
        }
        LearningRateSchedule schedule = c.learningRateSchedule(12);
        float[] d = initial.get(ParameterNames.d(0)).data().clone();
        for (int step = 0; step < 36; step++) {
            double factor = 1 - c.lr() * schedule.factor(step) * c.weightDecay();
            for (int i = 0; i < d.length; i++) d[i] = (float) (d[i] * factor);
        }
        assertThat(trained.get(ParameterNames.d(0)).data()).containsExactly(d);
        assertThat(trained.get(ParameterNames.ENCODER_WEIGHT)).isNotEqualTo(initial.get(ParameterNames.ENCODER_WEIGHT));
    }

    @Test
    void everyEpochVisitsEachTrainingSampleOnceInItsOwnOrderAndNeverAValidationSample() throws Exception {
        List<List<Float>> epochs = new ArrayList<>();
        GradientSource spy = (params, grads, sequences, labels, seed) -> {
            if (epochs.isEmpty() || epochs.getLast().size() == 90) epochs.add(new ArrayList<>());
            // The first token identifies a sample: it is a distinct random value for each.
            for (float[] s : sequences) epochs.getLast().add(s[0]);
            return gradients().compute(params, grads, sequences, labels, seed);
        };
        train(dir.resolve("run"), spy, TrainListener.silent());
        assertThat(epochs).hasSize(3);
        Set<Float> all = new HashSet<>();
        for (int i = 0; i < data.size(); i++) all.add(data.sequence(i)[0]);
        assertThat(all).hasSize(100);
        Set<Float> trainSet = new HashSet<>(epochs.getFirst());
        assertThat(trainSet).hasSize(90);
        for (List<Float> epoch : epochs) assertThat(new HashSet<>(epoch)).isEqualTo(trainSet).hasSize(epoch.size());
        assertThat(epochs.get(1)).isNotEqualTo(epochs.get(0));
        assertThat(epochs.get(2)).isNotEqualTo(epochs.get(1));
    }

    /** Each batch the gradient source saw, its sequences as text. */
    private static GradientSource recording(List<List<String>> batches) {
        return (params, grads, sequences, labels, seed) -> {
            List<String> batch = new ArrayList<>();
            for (float[] s : sequences) batch.add(Arrays.toString(s));
            batches.add(batch);
            return gradients().compute(params, grads, sequences, labels, seed);
        };
    }

    @Test
    void flipMirrorsAboutHalfTheTrainingSamplesAndAResumedRunTheSameOnes() throws Exception {
        TrainConfig flip = TrainingFixtures.config(Augmentation.FLIP);
        Set<String> originals = new HashSet<>();
        Set<String> mirrors = new HashSet<>();
        for (int i = 0; i < data.size(); i++) {
            float[] x = data.sequence(i);
            originals.add(Arrays.toString(x));
            Augmentation.mirrorRows(x, 0, x.length, 1, 4);
            mirrors.add(Arrays.toString(x));
        }
        List<List<String>> straight = new ArrayList<>();
        new Trainer(flip, recording(straight), dir.resolve("straight"), TrainListener.silent()).start(TrainingFixtures.model(), data, test);
        List<String> seen = straight.stream().flatMap(List::stream).toList();
        assertThat(seen).hasSize(270).allMatch(s -> originals.contains(s) || mirrors.contains(s));
        long mirrored = seen.stream().filter(mirrors::contains).count();
        assertThat(mirrored).isBetween(100L, 170L);               // 135 expected; 100 and 170 are 4 sigma away

        assertAResumedRunSeesTheSameBatches(flip, data, straight);

        // Without rows to mirror (psMNIST's permuted tokens) the run is refused before it starts.
        assertThatThrownBy(() -> new Trainer(flip, gradients(), dir.resolve("rowless"), TrainListener.silent())
                .start(TrainingFixtures.model(), new Rowless(data), test))
                .hasMessageContaining("augmentation 'flip' works on image rows").hasMessageContaining("synthetic");
        assertThatThrownBy(() -> new Trainer(TrainingFixtures.config(Augmentation.TRANSLATE), gradients(), dir.resolve("rowless"),
                TrainListener.silent()).start(TrainingFixtures.model(), new Rowless(data), test))
                .hasMessageContaining("augmentation 'translate' works on image rows");
        assertThat(dir.resolve("rowless")).doesNotExist();
    }

    /**
     * Mixup reaches the batches (no sample the gradient code sees is an original one) on tokens that are
     * not pictures, and a resumed run blends the same pairs with the same weights.
     */
    @Test
    void mixupBlendsEveryBatchAndAResumedRunTheSameWay() throws Exception {
        TrainConfig mixup = TrainingFixtures.config().toBuilder().augment(Augmentation.parse("mixup"))
                .teachers(List.of(new TeacherFile("teacher.safetensors", "0".repeat(64)))).distillWeight(1).build();
        Dataset rowless = new Rowless(data);
        Set<String> originals = new HashSet<>();
        for (int i = 0; i < data.size(); i++) originals.add(Arrays.toString(data.sequence(i)));
        List<List<String>> straight = new ArrayList<>();
        new Trainer(mixup, recording(straight), dir.resolve("straight"), TrainListener.silent()).start(TrainingFixtures.model(), rowless, test);
        assertThat(straight.stream().flatMap(List::stream).toList()).hasSize(270).noneMatch(originals::contains);

        assertAResumedRunSeesTheSameBatches(mixup, rowless, straight);
    }

    /** A run of {@code config} crashed in step 19 and resumed from step 15 sees the batches {@code straight} saw from there on. */
    private void assertAResumedRunSeesTheSameBatches(TrainConfig config, Dataset train, List<List<String>> straight) throws Exception {
        Path out = dir.resolve("crashed");
        assertThatThrownBy(() -> new Trainer(config, new CrashingAt(recording(new ArrayList<>()), 19), out, TrainListener.silent())
                .start(TrainingFixtures.model(), train, test)).hasMessage("simulated crash");
        List<List<String>> resumed = new ArrayList<>();
        new Trainer(config, recording(resumed), out, TrainListener.silent()).resume(Checkpoint.read(out.resolve(Trainer.CHECKPOINT)), train, test);
        assertThat(resumed).isEqualTo(straight.subList(15, 36));
    }

    /** A dataset whose tokens are not pixels row by row. */
    private record Rowless(Dataset inner) implements Dataset {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public dev.s4d.data.SequenceTask task() {
            return dev.s4d.data.SequenceTask.PSMNIST;
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int length() {
            return inner.length();
        }

        @Override
        public int label(int i) {
            return inner.label(i);
        }

        @Override
        public void sequence(int i, float[] out, int off) {
            inner.sequence(i, out, off);
        }

        @Override
        public Dataset slice(int from, int to) {
            return new Rowless(inner.slice(from, to));
        }
    }

    @Test
    void aNonFiniteGradientStopsTheRunNamingParameterAndStep() throws Exception {
        int[] calls = new int[1];
        GradientSource poisoned = (params, grads, sequences, labels, seed) -> {
            GradientSource.BatchStats s = gradients().compute(params, grads, sequences, labels, seed);
            // From step 7 on, as a backward pass overflowing in one place would.
            if (++calls[0] >= 7) grads.get(ParameterNames.c(0)).data()[3] = Float.NaN;
            return s;
        };
        assertThatThrownBy(() -> train(dir.resolve("run"), poisoned, TrainListener.silent()))
                .isInstanceOfSatisfying(TrainingDivergedException.class, e -> {
                    assertThat(e.step()).isEqualTo(7);
                    assertThat(e.parameter()).isEqualTo(ParameterNames.c(0));
                })
                .hasMessageContaining("training diverged at step 7 (epoch 1, batch 7 of 12)")
                .hasMessageContaining("the gradient of 's4_layers.0.kernel.C' holds NaN at flat index 3")
                .hasMessageContaining("the last checkpoint, from step 5, holds finite values");
        // The checkpoint from before the NaN is intact and finite.
        assertThat(Checkpoint.read(dir.resolve("run").resolve(Trainer.CHECKPOINT)).step()).isEqualTo(5);
    }

    @Test
    void aNonFiniteLossAloneIsReportedToo() {
        GradientSource nanLoss = (params, grads, sequences, labels, seed) -> {
            GradientSource.BatchStats s = gradients().compute(params, grads, sequences, labels, seed);
            return new GradientSource.BatchStats(Double.POSITIVE_INFINITY, s.correct(), s.count());
        };
        assertThatThrownBy(() -> train(dir.resolve("run"), nanLoss, TrainListener.silent()))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("step 1 (epoch 1, batch 1 of 12): the loss is Infinity although every gradient is finite")
                .hasMessageContaining("no checkpoint was written yet");
    }

    @Test
    void withoutValidationThereIsNoBestModelAndTheValidationColumnsAreEmpty() throws Exception {
        TrainConfig c = TrainingFixtures.config();
        TrainConfig noVal = c.toBuilder().epochs(1).valFraction(0.0).build();
        Path out = dir.resolve("run");
        TrainResult r = new Trainer(noVal, gradients(), out, TrainListener.silent()).start(TrainingFixtures.model(), data, null);
        assertThat(r.steps()).isEqualTo(13);
        assertThat(r.history().getFirst().valAccuracy()).isNull();
        assertThat(r.bestEpoch()).isZero();
        assertThat(r.testLast()).isNull();
        assertThat(out.resolve(Trainer.BEST)).doesNotExist();
        assertThat(out.resolve(Trainer.LAST)).exists();
        assertThat(Files.readAllLines(out.resolve(MetricsFiles.CSV)).get(1)).contains(",,,");
    }

    @Test
    void startRefusesADirectoryWithACheckpointAndResumeRefusesOtherSettingsOrData() throws Exception {
        Path out = dir.resolve("run");
        train(out, gradients(), TrainListener.silent());
        assertThatThrownBy(() -> train(out, gradients(), TrainListener.silent()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already holds a checkpoint");

        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        TrainConfig c = TrainingFixtures.config();
        TrainConfig otherLr = c.toBuilder().lr(0.02).build();
        assertThatThrownBy(() -> new Trainer(otherLr, gradients(), out, TrainListener.silent()).resume(checkpoint, data, test))
                .hasMessageContaining("\"lr\":0.01").hasMessageContaining("\"lr\":0.02").hasMessageContaining("keeps its settings");
        assertThatThrownBy(() -> new Trainer(c, gradients(), out, TrainListener.silent()).resume(checkpoint, data.limit(99), test))
                .hasMessageContaining("the checkpoint trained on smnist with 100 training samples")
                .hasMessageContaining("this run has smnist with 99 training samples");
        // Threads are not a training setting: a different count resumes.
        TrainResult again = new Trainer(c.withThreads(2), gradients(), out, TrainListener.silent()).resume(checkpoint, data, null);
        assertThat(again.steps()).isEqualTo(36);
    }
}
