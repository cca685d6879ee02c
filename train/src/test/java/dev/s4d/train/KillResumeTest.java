package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.data.Dataset;
import dev.s4d.io.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL (no shutdown hooks, no finally blocks) mid-run leaves a valid checkpoint
 * at most one checkpoint interval behind, and the resumed run ends exactly where the uninterrupted
 * run ends.
 */
class KillResumeTest {

    @TempDir
    Path dir;

    /** 4 epochs of 45 steps (360 training samples, batch 8), a checkpoint every 10 steps. */
    static TrainConfig config() {
        return TrainingFixtures.config().toBuilder().epochs(4).checkpointEvery(10).build();
    }

    static Dataset data() {
        return TrainingFixtures.data(400);
    }

    static GradientSource gradients() {
        return new MeanPoolLinearGradients(TrainingFixtures.modelConfig(), config().dropout());
    }

    @Test
    void aKilledRunResumesFromItsLastCheckpointToTheSameEnd() throws Exception {
        Path out = dir.resolve("killed");
        Path log = dir.resolve("child.log");
        Path checkpointFile = out.resolve(Trainer.CHECKPOINT);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                TrainerProcess.class.getName(), out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!Files.exists(checkpointFile) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(checkpointFile).as("checkpoint of the child run; its output:%n%s", read(log)).exists();
            // Well inside the 180 steps, between checkpoints or while one is written.
            Thread.sleep(25 * TrainerProcess.MILLIS_PER_STEP);
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (child.isAlive()) child.destroyForcibly();
        }
        assertThat(out.resolve(Trainer.LAST)).as("the child was killed before it finished").doesNotExist();

        Checkpoint checkpoint = Checkpoint.read(checkpointFile);
        List<String> printed = Files.readAllLines(log).stream().filter(l -> l.startsWith("step ")).toList();
        long lastStep = Long.parseLong(printed.getLast().substring(5));
        assertThat(checkpoint.step()).isPositive().isLessThan(180);
        assertThat(lastStep - checkpoint.step()).as("steps lost").isBetween(0L, 10L);

        TrainResult resumed = new Trainer(config(), gradients(), out, TrainListener.silent()).resume(checkpoint, data(), null);
        TrainResult straight = new Trainer(config(), gradients(), dir.resolve("straight"), TrainListener.silent())
                .start(TrainingFixtures.model(), data(), null);
        assertThat(resumed.steps()).isEqualTo(180);
        assertThat(ModelFiles.load(out.resolve(Trainer.LAST)).parameters().asMap())
                .isEqualTo(ModelFiles.load(dir.resolve("straight").resolve(Trainer.LAST)).parameters().asMap());
        assertThat(resumed.bestValAccuracy()).isEqualTo(straight.bestValAccuracy());
    }

    private static String read(Path log) throws java.io.IOException {
        return Files.exists(log) ? Files.readString(log) : "(none)";
    }
}
