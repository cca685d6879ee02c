package dev.s4d.train;

import java.nio.file.Path;

/**
 * The child JVM of {@link KillResumeTest}: a training run slowed to a few milliseconds per step, so
 * the test can kill it mid-run. Prints "step N" after every step for the test to read.
 */
public final class TrainerProcess {
    private TrainerProcess() {
    }

    /** Steps slower than this give the test time to kill the run between checkpoints. */
    static final long MILLIS_PER_STEP = 10;

    public static void main(String[] args) throws Exception {
        GradientSource slow = (params, grads, sequences, labels, seed) -> {
            try {
                Thread.sleep(MILLIS_PER_STEP);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return KillResumeTest.gradients().compute(params, grads, sequences, labels, seed);
        };
        TrainListener printSteps = new TrainListener() {
            @Override
            public void stepFinished(long step, GradientSource.BatchStats stats) {
                System.out.println("step " + step);
                System.out.flush();
            }
        };
        new Trainer(KillResumeTest.config(), slow, Path.of(args[0]), printSteps)
                .start(TrainingFixtures.model(), KillResumeTest.data(), null);
    }
}
