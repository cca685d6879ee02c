package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.data.Dataset;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code average_last}: the averaged model is the mean of the weights at the window's epoch ends, it
 * survives a crash and resume bit for bit, and it may be switched on by a resume that comes before
 * its window, never after.
 */
class WeightAveragingTest {

    @TempDir
    Path dir;

    private final Dataset data = TrainingFixtures.data(100);
    private final Dataset test = TrainingFixtures.data(30);

    private static TrainConfig averaging(int k) {
        return TrainingFixtures.config().withAverageLast(k);
    }

    private static GradientSource gradients() {
        return new MeanPoolLinearGradients(TrainingFixtures.modelConfig(), TrainingFixtures.config().dropout());
    }

    /** Reads the weights the checkpoint holds at every epoch end (it is written just before the listener hears of the epoch). */
    static final class EpochEnds implements TrainListener {
        final Path out;
        final List<Parameters> weights = new ArrayList<>();

        EpochEnds(Path out) {
            this.out = out;
        }

        @Override
        public void epochFinished(EpochMetrics metrics, List<EpochMetrics> history) {
            try {
                weights.add(Checkpoint.read(out.resolve(Trainer.CHECKPOINT)).parameters());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void theAveragedModelIsTheMeanOfTheWindowsEpochEnds() throws Exception {
        Path out = dir.resolve("run");
        EpochEnds ends = new EpochEnds(out);
        TrainResult r = new Trainer(averaging(2), gradients(), out, ends).start(TrainingFixtures.model(), data, test);

        Parameters averaged = ModelFiles.load(out.resolve(Trainer.AVERAGED)).parameters();
        for (String name : averaged.names()) {
            float[] a = averaged.get(name).data();
            float[] second = ends.weights.get(1).get(name).data();
            float[] third = ends.weights.get(2).get(name).data();
            for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo((second[i] + third[i]) / 2, org.assertj.core.data.Offset.offset(1e-6f));
        }
        assertThat(averaged.asMap()).isNotEqualTo(ends.weights.get(2).asMap());
        assertThat(r.history()).extracting(EpochMetrics::avgValAccuracy).first().isNull();
        assertThat(r.history().get(1).avgValAccuracy()).isEqualTo(r.history().get(1).valAccuracy());
        assertThat(r.history().get(2).avgValAccuracy()).isNotNull();
        assertThat(r.averagedEpochs()).isEqualTo(2);
        assertThat(r.testAveraged()).isEqualTo(Evaluation.measure(new S4DModel(TrainingFixtures.modelConfig(), averaged), test,
                java.util.stream.IntStream.range(0, test.size()).toArray(), 8, 1, TrainListener.silent().begin("test", test.size(), 0)));
        // The final checkpoint holds the same mean, for a run that would be extended.
        assertThat(Checkpoint.read(out.resolve(Trainer.CHECKPOINT)).average().asMap()).isEqualTo(averaged.asMap());
    }

    @Test
    void withoutAveragingNothingIsAveraged() throws Exception {
        Path out = dir.resolve("plain");
        TrainResult r = new Trainer(averaging(0), gradients(), out, TrainListener.silent()).start(TrainingFixtures.model(), data, test);
        assertThat(r.testAveraged()).isNull();
        assertThat(r.averagedEpochs()).isZero();
        assertThat(out.resolve(Trainer.AVERAGED)).doesNotExist();
        assertThat(Checkpoint.read(out.resolve(Trainer.CHECKPOINT)).average()).isNull();
    }

    @Test
    void aCrashInsideTheWindowResumesToTheSameAverage() throws Exception {
        new Trainer(averaging(2), gradients(), dir.resolve("straight"), TrainListener.silent()).start(TrainingFixtures.model(), data, test);
        Path out = dir.resolve("crashed");
        // Step 31 is in the third epoch: the average already holds epoch 2's weights, and the checkpoint of step 30 is resumed.
        assertThatThrownBy(() -> new Trainer(averaging(2), new TrainerTest.CrashingAt(gradients(), 31), out, TrainListener.silent())
                .start(TrainingFixtures.model(), data, test)).hasMessage("simulated crash");
        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        assertThat(checkpoint.step()).isEqualTo(30);
        assertThat(checkpoint.average()).isNotNull();
        TrainResult resumed = new Trainer(averaging(2), gradients(), out, TrainListener.silent()).resume(checkpoint, data, test);
        assertThat(ModelFiles.load(out.resolve(Trainer.AVERAGED)).parameters().asMap())
                .isEqualTo(ModelFiles.load(dir.resolve("straight").resolve(Trainer.AVERAGED)).parameters().asMap());
        assertThat(resumed.averagedEpochs()).isEqualTo(2);
    }

    @Test
    void aResumeBeforeTheWindowMaySwitchAveragingOn() throws Exception {
        new Trainer(averaging(2), gradients(), dir.resolve("straight"), TrainListener.silent()).start(TrainingFixtures.model(), data, test);
        Path out = dir.resolve("late");
        // Step 20 is in the second epoch, the checkpoint of step 15 has one epoch done: the window (epochs 2 and 3) has not begun.
        assertThatThrownBy(() -> new Trainer(averaging(0), new TrainerTest.CrashingAt(gradients(), 20), out, TrainListener.silent())
                .start(TrainingFixtures.model(), data, test)).hasMessage("simulated crash");
        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        assertThat(checkpoint.epoch()).isEqualTo(1);
        new Trainer(averaging(2), gradients(), out, TrainListener.silent()).resume(checkpoint, data, test);
        assertThat(ModelFiles.load(out.resolve(Trainer.AVERAGED)).parameters().asMap())
                .isEqualTo(ModelFiles.load(dir.resolve("straight").resolve(Trainer.AVERAGED)).parameters().asMap());
    }

    @Test
    void aResumeInsideTheWindowCannotChangeIt() throws Exception {
        Path out = dir.resolve("run");
        assertThatThrownBy(() -> new Trainer(averaging(0), new TrainerTest.CrashingAt(gradients(), 31), out, TrainListener.silent())
                .start(TrainingFixtures.model(), data, test)).hasMessage("simulated crash");
        Checkpoint checkpoint = Checkpoint.read(out.resolve(Trainer.CHECKPOINT));
        assertThat(checkpoint.epoch()).isEqualTo(2);
        // Epoch 2 ended unaveraged, so a window of 2 cannot be honoured any more; one of 1 (epoch 3 only) still can.
        assertThatThrownBy(() -> new Trainer(averaging(2), gradients(), out, TrainListener.silent()).resume(checkpoint, data, test))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("average_last while no epoch of its window has ended");
        TrainResult r = new Trainer(averaging(1), gradients(), out, TrainListener.silent()).resume(checkpoint, data, test);
        assertThat(r.averagedEpochs()).isEqualTo(1);
        assertThat(ModelFiles.load(out.resolve(Trainer.AVERAGED)).parameters().asMap())
                .isEqualTo(ModelFiles.load(out.resolve(Trainer.LAST)).parameters().asMap());
    }

    @Test
    void theWindowCannotBeLongerThanTheRun() {
        assertThatThrownBy(() -> TrainingFixtures.config().withAverageLast(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("average_last must be in [0, epochs] = [0, 3], got 4");
        assertThatThrownBy(() -> TrainingFixtures.config().withAverageLast(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
