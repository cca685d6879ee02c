package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.io.ModelFileException;
import dev.s4d.io.ModelFiles;
import dev.s4d.io.SafeTensors;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file: an exact round trip, and refusal of anything damaged. */
class CheckpointTest {

    @TempDir
    Path dir;

    private static Parameters filled(Parameters like, float offset) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        like.asMap().forEach((name, t) -> {
            float[] d = new float[t.size()];
            for (int i = 0; i < d.length; i++) d[i] = offset + i * 1e-3f;
            m.put(name, new Tensor(t.shape(), d));
        });
        return new Parameters(m);
    }

    private static Checkpoint sample() {
        Parameters params = TrainingFixtures.model().parameters();
        List<EpochMetrics> history = List.of(
                new EpochMetrics(1, 12, 2.302585092994046, 0.1, 2.1, 0.3, 0.0095, 1.5, 600.25, null, null, List.of(0, 3)),
                new EpochMetrics(2, 24, 1.9, 1.0 / 3, null, null, 0.0065, 1.25, 700, null, null, null));
        return new Checkpoint(TrainingFixtures.config(), TrainingFixtures.modelConfig(),
                new Checkpoint.DataFingerprint("smnist", 100, "ab".repeat(32)), 29, 2, 5, params,
                filled(params, 0.5f), filled(params, 1e-7f), null, new Checkpoint.EpochTotals(7.125, 17, 40, 0.75),
                0.3, 1, history);
    }

    @Test
    void roundTripIsExact() throws Exception {
        Checkpoint c = sample();
        Path file = dir.resolve("c.safetensors");
        c.write(file);
        Checkpoint r = Checkpoint.read(file);
        assertThat(r.trainConfig()).isEqualTo(c.trainConfig());
        assertThat(r.modelConfig()).isEqualTo(c.modelConfig());
        assertThat(r.data()).isEqualTo(c.data());
        assertThat(r.step()).isEqualTo(29);
        assertThat(r.epoch()).isEqualTo(2);
        assertThat(r.batchInEpoch()).isEqualTo(5);
        assertThat(r.parameters().asMap()).isEqualTo(c.parameters().asMap());
        assertThat(r.parameters().names()).containsExactlyElementsOf(c.parameters().names());
        assertThat(r.firstMoments().asMap()).isEqualTo(c.firstMoments().asMap());
        assertThat(r.secondMoments().asMap()).isEqualTo(c.secondMoments().asMap());
        assertThat(r.epochSoFar()).isEqualTo(c.epochSoFar());
        assertThat(r.bestValAccuracy()).isEqualTo(0.3);
        assertThat(r.bestEpoch()).isEqualTo(1);
        assertThat(r.history()).isEqualTo(c.history());
    }

    @Test
    void aFlippedDataByteIsRefusedByTheChecksum() throws Exception {
        Path file = dir.resolve("c.safetensors");
        sample().write(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long at = f.length() - 100;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x10);
        }
        assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("checksum mismatch").hasMessageContaining("not loaded");
    }

    @Test
    void editedMetadataIsRefusedByTheChecksum() throws Exception {
        Path file = dir.resolve("c.safetensors");
        sample().write(file);
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> metadata = new LinkedHashMap<>(contents.metadata());
        metadata.put("position", metadata.get("position").replace("\"step\":29", "\"step\":30"));
        SafeTensors.write(file, metadata, contents.tensors());
        assertThatThrownBy(() -> Checkpoint.read(file)).hasMessageContaining("checksum mismatch");
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        Path file = dir.resolve("c.safetensors");
        sample().write(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(ModelFileException.class).hasMessageContaining("truncated");
    }

    @Test
    void aModelFileIsNotACheckpoint() throws Exception {
        Path file = dir.resolve("m.safetensors");
        ModelFiles.save(TrainingFixtures.model(), file);
        assertThatThrownBy(() -> Checkpoint.read(file)).hasMessageContaining("not a training checkpoint");
    }

    @Test
    void writingReplacesTheOldCheckpointAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("c.safetensors");
        sample().write(file);
        Checkpoint c = sample();
        new Checkpoint(c.trainConfig(), c.modelConfig(), c.data(), 30, 2, 6, c.parameters(), c.firstMoments(),
                c.secondMoments(), null, c.epochSoFar(), c.bestValAccuracy(), c.bestEpoch(), c.history()).write(file);
        assertThat(Checkpoint.read(file).step()).isEqualTo(30);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    /** Rewrites {@code file}'s metadata with {@code edit} and a matching checksum, as an older or a buggy writer might have. */
    private static void rewriteMetadata(Path file, java.util.function.UnaryOperator<Map<String, String>> edit) throws Exception {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> metadata = edit.apply(new LinkedHashMap<>(contents.metadata()));
        metadata.put(Checkpoint.CHECKSUM_KEY, Checkpoint.checksum(metadata, contents.tensors()));
        SafeTensors.write(file, metadata, contents.tensors());
    }

    @Test
    void aCheckpointFromBeforeAugmentationAveragingSchedulesSmoothingDistillationAndActivityReadsAsNoneOfThemAndCosine() throws Exception {
        Path file = dir.resolve("c.safetensors");
        sample().write(file);
        rewriteMetadata(file, m -> {
            m.put("train_config", m.get("train_config").replace(",\"augment\":\"none\"", "").replace(",\"average_last\":0", "")
                    .replace(",\"schedule\":\"cosine\"", "").replace(",\"label_smoothing\":0.0", "")
                    .replace(",\"distill_weight\":0.0,\"distill_temperature\":1.0,\"teachers\":[]", ""));
            m.put("position", m.get("position").replace(",\"avg_val_loss\":null,\"avg_val_acc\":null", "")
                    .replace(",\"val_silent_channels\":[0,3]", "").replace(",\"val_silent_channels\":null", ""));
            assertThat(m.get("train_config")).doesNotContain("augment").doesNotContain("average").doesNotContain("schedule")
                    .doesNotContain("smoothing").doesNotContain("distill").doesNotContain("teachers");
            assertThat(m.get("position")).doesNotContain("avg_val").doesNotContain("silent");
            return m;
        });
        Checkpoint r = Checkpoint.read(file);
        assertThat(r.trainConfig()).isEqualTo(sample().trainConfig());
        assertThat(r.trainConfig().augment()).isEqualTo(Augmentation.NONE);
        assertThat(r.trainConfig().averageLast()).isZero();
        assertThat(r.trainConfig().schedule()).isEqualTo(LearningRateSchedule.Decay.COSINE);
        assertThat(r.trainConfig().labelSmoothing()).isZero();
        assertThat(r.trainConfig().distillWeight()).isZero();
        assertThat(r.trainConfig().distillTemperature()).isEqualTo(1.0);
        assertThat(r.trainConfig().teachers()).isEmpty();
        assertThat(r.history()).isEqualTo(sample().history().stream().map(h -> new EpochMetrics(h.epoch(), h.step(), h.trainLoss(),
                h.trainAccuracy(), h.valLoss(), h.valAccuracy(), h.lr(), h.seconds(), h.samplesPerSecond(), h.avgValLoss(),
                h.avgValAccuracy(), null)).toList());
    }

    @Test
    void aCheckpointInsideItsAveragingWindowWithoutTheAverageIsRefused() throws Exception {
        Path file = dir.resolve("c.safetensors");
        sample().write(file);
        // The sample has two epochs done of three: a window of 2 began with epoch 2, so the average must be there.
        rewriteMetadata(file, m -> {
            m.put("train_config", m.get("train_config").replace("\"average_last\":0", "\"average_last\":2"));
            return m;
        });
        assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("the averaging window's first 1 of 2 epochs have ended, but there are no averaged weights");
    }

    @Test
    void theAverageRoundTrips() throws Exception {
        Checkpoint c = sample();
        Parameters average = filled(c.parameters(), 0.25f);
        Path file = dir.resolve("c.safetensors");
        new Checkpoint(c.trainConfig().withAverageLast(2), c.modelConfig(), c.data(), c.step(), c.epoch(), c.batchInEpoch(), c.parameters(),
                c.firstMoments(), c.secondMoments(), average, c.epochSoFar(), c.bestValAccuracy(), c.bestEpoch(), c.history()).write(file);
        assertThat(Checkpoint.read(file).average().asMap()).isEqualTo(average.asMap());
    }
}
