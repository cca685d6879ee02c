package dev.s4d;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.engine.ConvEngine;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.Streams;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java API example, kept compiling and true. */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleRunsAsWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("smnist-loihi.safetensors");
        ModelFiles.save(ModelInitializer.initialise(ModelConfig.loihi(1, 16, 8, 2, 10), InitOptions.defaults(1)), file);
        float[][] sequences = {{0.7f, 0.1f, 0.0f}, {0.2f, 0.9f, 0.4f}};

        // --- as in README.md ---
        S4DModel model = ModelFiles.load(file);
        RecurrentEngine engine = RecurrentEngine.compile(model);
        float[] logits;
        try (Streams streams = engine.open(2)) {
            logits = streams.step(0, new float[]{0.7f});
            byte[] saved = streams.snapshot(0);
            streams.restore(1, saved);
            assertThat(streams.tokensSeen(1)).isEqualTo(1);
        }
        float[][] batchLogits = ConvEngine.compile(model).logits(sequences);
        // ---

        assertThat(logits).hasSize(10);
        assertThat(batchLogits).hasDimensions(2, 10);
    }
}
