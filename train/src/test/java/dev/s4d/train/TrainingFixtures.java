package dev.s4d.train;

import dev.s4d.data.Dataset;
import dev.s4d.data.SequenceTask;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import java.util.SplittableRandom;

/** Small, fast training setups shared by the trainer tests and the child process of the kill test. */
final class TrainingFixtures {
    private TrainingFixtures() {
    }

    static final int LENGTH = 16;

    static ModelConfig modelConfig() {
        return ModelConfig.loihi(1, 8, 4, 1, 10);
    }

    static S4DModel model() {
        return ModelInitializer.initialise(modelConfig(), InitOptions.defaults(7));
    }

    /** Three epochs of 90 training samples in batches of 8 (12 steps each, the last batch of 2), 10 held out. */
    static TrainConfig config() {
        return config(Augmentation.NONE);
    }

    /** {@link #config()} with the given augmentation. */
    static TrainConfig config(Augmentation augment) {
        return TrainConfig.builder().epochs(3).batchSize(8).warmupSteps(4).dropout(0.2).seed(11L).threads(1).checkpointEvery(5)
                .augment(augment).build();
    }

    /**
     * {@code n} sequences of {@link #LENGTH} tokens whose mean grows with the label, plus noise: a
     * problem the mean-pool classifier can learn.
     */
    static Dataset data(int n) {
        float[][] x = new float[n][LENGTH];
        int[] y = new int[n];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(10);
            for (int t = 0; t < LENGTH; t++) x[i][t] = (float) (y[i] - 4.5 + rng.nextGaussian());
        }
        return new ArrayDataset("synthetic", x, y, 0, n);
    }

    /** A dataset over in-memory arrays; the task only names it (lengths are the arrays', each a 4×4 image). */
    record ArrayDataset(String name, float[][] x, int[] y, int from, int to) implements Dataset {
        @Override
        public SequenceTask task() {
            return SequenceTask.SMNIST;
        }

        @Override
        public int size() {
            return to - from;
        }

        @Override
        public int length() {
            return LENGTH;
        }

        @Override
        public int rowWidth() {
            return 4;
        }

        @Override
        public int label(int i) {
            return y[from + i];
        }

        @Override
        public void sequence(int i, float[] out, int off) {
            System.arraycopy(x[from + i], 0, out, off, LENGTH);
        }

        @Override
        public Dataset slice(int a, int b) {
            return new ArrayDataset(name, x, y, from + a, from + b);
        }
    }
}
