package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.data.Dataset;
import dev.s4d.data.Datasets;
import dev.s4d.data.SequenceTask;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's training example, kept compiling and true: on the bundled digits and a small model, so it runs in seconds. */
class ReadmeTrainingExampleTest {

    @Test
    void theReadmeTrainingExampleRunsAsWritten(@TempDir Path dir) throws Exception {
        // The README loads the full splits with SequenceTask.SMNIST.load(split, DataLocator.standard(null, true)).
        Dataset train = Datasets.bundledMnistDigits(SequenceTask.SMNIST);
        Dataset test = Datasets.bundledMnistDigits(SequenceTask.SMNIST);
        Path runDir = dir.resolve("smnist");

        // --- as in README.md (smaller: H 16, N 8, 2 layers, 2 epochs of batch 16) ---
        S4DModel init = ModelInitializer.initialise(ModelConfig.loihi(1, 16, 8, 2, 10), InitOptions.defaults(0));
        TrainConfig config = TrainConfig.builder().epochs(2).batchSize(16).warmupSteps(3).build();
        GradientSource gradients = GradientSources.forModel(init.config(), config);
        Trainer trainer = new Trainer(config, gradients, runDir, TrainListener.silent());
        TrainResult result = trainer.start(init, train, test);
        S4DModel best = ModelFiles.load(runDir.resolve(Trainer.BEST));
        // ---

        assertThat(result.history()).hasSize(2);
        assertThat(result.testBest().count()).isEqualTo(Datasets.BUNDLED_DIGITS);
        assertThat(best.config()).isEqualTo(init.config());
        assertThat(runDir.resolve(Trainer.CHECKPOINT)).exists();
    }
}
