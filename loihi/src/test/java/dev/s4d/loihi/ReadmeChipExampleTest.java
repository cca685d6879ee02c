package dev.s4d.loihi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.engine.TokenStreams;
import dev.s4d.loihi.chip.ChipCounters;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.ChipStreams;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.chip.TestModels;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.model.Readout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixed-point half of the README's Java API example, kept compiling and true (core's ReadmeExampleTest has the float half). */
class ReadmeChipExampleTest {

    @Test
    void theReadmeChipExampleRunsAsWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("smnist-loihi-q.safetensors");
        QuantizedModelFiles.save(TestModels.random(3, 1, 8, 4, 2, 10, Readout.MEAN, QuantConfig.defaults()), file);
        float[] tokens = new float[64];
        java.util.Arrays.fill(tokens, 0.5f);
        float[] logits = new float[64 * 10];
        ChipCounters kept;

        // --- as in README.md ---
        QuantizedModel q = QuantizedModelFiles.load(Path.of(file.toString()));
        FixedPointEngine chip = FixedPointEngine.compile(q, ChipOptions.defaults());
        try (ChipStreams streams = chip.open(64)) {
            streams.stepAll(tokens, logits);
            ChipCounters counts = streams.counters();
            // ---
            kept = counts;
            TokenStreams asTokenStreams = streams;
            assertThat(asTokenStreams.tokensSeen(63)).isEqualTo(1);
        }

        assertThat(kept.tokens()).isEqualTo(64);
        assertThat(kept.totalUpdates()).isPositive();
    }
}
