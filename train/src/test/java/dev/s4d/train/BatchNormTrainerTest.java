package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.data.Dataset;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import dev.s4d.train.TrainerTest.CrashingAt;
import dev.s4d.train.TrainerTest.Recorder;
import dev.s4d.train.grad.BatchNorms;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch-normalised run ({@link BatchNorms}) with the real float gradients on a small loihi model: the
 * checkpoint holds γ and β, every model written is an ordinary folded loihi model, and a resumed run takes
 * the uninterrupted run's steps bit for bit.
 */
class BatchNormTrainerTest {
    private static final ModelConfig LOIHI = ModelConfig.loihi(1, 8, 4, 2, 10);

    @TempDir
    Path dir;

    private final Dataset data = TrainingFixtures.data(100);
    private final Dataset test = TrainingFixtures.data(30);

    private static TrainConfig config() {
        return TrainingFixtures.config(Augmentation.parse("flip+translate+cutout")).toBuilder().batchNorm(true).averageLast(2).build();
    }

    private static GradientSource gradients() {
        return GradientSources.forModel(LOIHI, config());
    }

    private static S4DModel initial() {
        return dev.s4d.model.ModelInitializer.initialise(LOIHI, dev.s4d.model.InitOptions.defaults(3));
    }

    @Test
    void aResumedRunTakesTheUninterruptedRunsStepsAndWritesFoldedModels() throws Exception {
        Recorder straight = new Recorder();
        TrainResult expected = new Trainer(config(), gradients(), dir.resolve("straight"), straight).start(initial(), data, test);

        Path out = dir.resolve("crashed");
        assertThatThrownBy(() -> new Trainer(config(), new CrashingAt(gradients(), 19), out, TrainListener.silent())
                .start(initial(), data, test)).hasMessage("simulated crash");
        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        assertThat(checkpoint.step()).isEqualTo(15);
        assertThat(checkpoint.parameters().names()).containsAll(BatchNorms.trainedShapes(LOIHI, true).keySet());
        Recorder resumed = new Recorder();
        TrainResult result = new Trainer(config(), gradients(), out, resumed).resume(checkpoint, data, test);
        assertThat(resumed.losses).containsExactlyElementsOf(straight.losses.subList(15, 36));
        assertThat(result.testLast()).isEqualTo(expected.testLast());
        assertThat(result.testAveraged()).isEqualTo(expected.testAveraged());

        for (String file : new String[]{Trainer.BEST, Trainer.LAST, Trainer.AVERAGED}) {
            S4DModel model = ModelFiles.load(out.resolve(file));
            assertThat(model.config()).as(file).isEqualTo(LOIHI);
            assertThat(model.parameters().names()).as(file).isEqualTo(S4DModel.expectedShapes(LOIHI).keySet());
        }
        // The last model is the final weights folded with statistics over the calibration samples, augmented
        // as training batches are; the plain samples' statistics would give another model.
        Checkpoint last = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        Map<String, ?> written = ModelFiles.load(out.resolve(Trainer.LAST)).parameters().asMap();
        assertThat(written).isEqualTo(BatchNorms.fold(LOIHI, last.parameters(), calibrationStatistics(last, true)).parameters().asMap());
        assertThat(written).isNotEqualTo(BatchNorms.fold(LOIHI, last.parameters(), calibrationStatistics(last, false)).parameters().asMap());
        assertThat(expected.history().get(2).trainLoss()).isLessThan(expected.history().get(0).trainLoss());
    }

    /** The moments over the run's calibration samples, in its batches, augmented with the run's draws or plain. */
    private BatchNorms.Statistics calibrationStatistics(Checkpoint at, boolean augmented) {
        TrainConfig c = config();
        int[] calibration = Arrays.copyOf(Trainer.split(c, data.size())[0], Math.min(Trainer.CALIBRATION_SAMPLES, 90));
        GradientSource source = gradients();
        BatchNorms.Statistics stats = null;
        for (int from = 0; from < calibration.length; from += c.batchSize()) {
            float[][] x = new float[Math.min(c.batchSize(), calibration.length - from)][];
            SplittableRandom coin = new SplittableRandom(Seeds.derive(c.seed(), Seeds.Stream.CALIBRATION, from));
            for (int i = 0; i < x.length; i++) {
                x[i] = data.sequence(calibration[from + i]);
                if (augmented) c.augment().apply(x[i], data.length(), data.dInput(), data.rowWidth(), coin);
            }
            BatchNorms.Statistics batch = source.statistics(at.parameters(), x);
            stats = stats == null ? batch : stats.pool(batch);
        }
        return stats;
    }

    /** Fine-tuning a trained model with batch norms starts from that model: with nothing learned, the folded model is the given one. */
    @Test
    void fromATrainedModelTheNormsStartWhereTheyChangeNothing() throws Exception {
        S4DModel trained = ModelFiles.load(trainedModel());
        TrainConfig still = config().toBuilder().lr(0).lrSsm(0).epochs(1).averageLast(0).build();
        Path out = dir.resolve("fine-tuned");
        new Trainer(still, GradientSources.forModel(LOIHI, still), out, TrainListener.silent()).startFrom(trained, data, test);
        S4DModel folded = ModelFiles.load(out.resolve(Trainer.LAST));
        trained.parameters().asMap().forEach((name, t) -> {
            float[] got = folded.get(name).data();
            for (int i = 0; i < got.length; i++) {
                assertThat((double) got[i]).as(name + "[" + i + "]").isCloseTo(t.data()[i], org.assertj.core.api.Assertions.within(1e-4 * (1 + Math.abs(t.data()[i]))));
            }
        });
        // From 1 and 0 instead, the same run's model is another one.
        Path fresh = dir.resolve("fresh");
        new Trainer(still, GradientSources.forModel(LOIHI, still), fresh, TrainListener.silent()).start(trained, data, test);
        assertThat(ModelFiles.load(fresh.resolve(Trainer.LAST)).get(dev.s4d.model.ParameterNames.ENCODER_WEIGHT).data())
                .isNotEqualTo(trained.get(dev.s4d.model.ParameterNames.ENCODER_WEIGHT).data());
    }

    /** A model trained a little without batch norms, so its layers' outputs are not already normalised. */
    private Path trainedModel() throws Exception {
        Path out = dir.resolve("plain");
        TrainConfig plain = TrainingFixtures.config().toBuilder().epochs(1).build();
        new Trainer(plain, GradientSources.forModel(LOIHI, plain), out, TrainListener.silent()).start(initial(), data, test);
        return out.resolve(Trainer.LAST);
    }

    @Test
    void settingsAndGradientSourceMustAgreeOnBatchNorms() {
        assertThatThrownBy(() -> new Trainer(config(), GradientSources.forModel(LOIHI, TrainingFixtures.config()), dir, TrainListener.silent()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ask for batch norms");
        assertThatThrownBy(() -> new Trainer(TrainingFixtures.config(), gradients(), dir, TrainListener.silent()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("have no batch norms");
        assertThatThrownBy(() -> GradientSources.forModel(ModelConfig.reference(1, 8, 4, 2, 10), config()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loihi flavour");
    }
}
