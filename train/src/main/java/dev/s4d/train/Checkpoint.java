package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.io.ModelFileException;
import dev.s4d.io.ModelFiles;
import dev.s4d.io.SafeTensors;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import dev.s4d.train.grad.BatchNorms;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a run needs to continue exactly where it stopped, as one safetensors file.
 *
 * <p>Tensors: {@code param/NAME}, {@code adam.exp_avg/NAME} and {@code adam.exp_avg_sq/NAME} for every
 * model parameter, and {@code average/NAME} once an epoch of the averaging window has ended. Metadata (JSON strings): the {@link TrainConfig}, the {@link ModelConfig}, the
 * {@link DataFingerprint} of the training split, the position (steps, epoch, batch within it), the
 * epoch's running totals, the best validation accuracy and the metrics history. No random generator
 * state is stored: every random choice is derived from the seed and the position (see {@code Seeds}).
 *
 * <p>The metadata also holds a SHA-256 of all tensors and all other metadata. A file that fails the
 * check, or is not a complete safetensors file, is refused as a whole; nothing is half-loaded.
 * Settings and metrics added to the format since its first files read, in older files, as what those
 * files did: no augmentation, no averaging.
 *
 * @param trainConfig     the run's settings
 * @param modelConfig     the architecture
 * @param data            the training split it trains on
 * @param step            optimiser steps taken
 * @param epoch           epochs completed (0-based index of the epoch in progress)
 * @param batchInEpoch    batches of that epoch already trained on
 * @param parameters      the model's values
 * @param firstMoments    AdamW's exp_avg, named like the parameters
 * @param secondMoments   AdamW's exp_avg_sq
 * @param average         mean of the weights at the ends of the averaging window's completed epochs,
 *                        null while none has ended ({@link TrainConfig#averageLast()})
 * @param epochSoFar      running loss and accuracy of the epoch in progress
 * @param bestValAccuracy best validation accuracy so far, null before the first validation or without a validation set
 * @param bestEpoch       the 1-based epoch that reached it, 0 if none
 * @param history         metrics of every completed epoch
 */
public record Checkpoint(
        TrainConfig trainConfig,
        ModelConfig modelConfig,
        DataFingerprint data,
        long step,
        int epoch,
        int batchInEpoch,
        Parameters parameters,
        Parameters firstMoments,
        Parameters secondMoments,
        Parameters average,
        EpochTotals epochSoFar,
        Double bestValAccuracy,
        int bestEpoch,
        List<EpochMetrics> history) {

    public Checkpoint {
        history = List.copyOf(history);
        int averaged = averagedEpochs(trainConfig, epoch);
        if ((averaged > 0) != (average != null)) {
            throw new IllegalArgumentException(averaged > 0
                    ? "the averaging window's first " + averaged + " of " + trainConfig.averageLast() + " epochs have ended, but there are no averaged weights"
                    : "there are averaged weights, but no epoch of the averaging window (" + trainConfig.averageLast() + " epochs) has ended");
        }
    }

    /** How many end-of-epoch weights the average holds after {@code epochsDone} epochs. */
    static int averagedEpochs(TrainConfig config, int epochsDone) {
        return Math.max(0, epochsDone - config.averageFrom());
    }

    /** Marks a checkpoint and its layout version. */
    public static final String FORMAT_KEY = "s4d.checkpoint";
    public static final String FORMAT_VERSION = "1";
    static final String CHECKSUM_KEY = "sha256";

    private static final String PARAM = "param/";
    private static final String EXP_AVG = "adam.exp_avg/";
    private static final String EXP_AVG_SQ = "adam.exp_avg_sq/";
    private static final String AVERAGE = "average/";

    /** Settings added since the first checkpoints, with the value a checkpoint without them means. */
    private static final Map<String, JsonNode> ADDED_SETTINGS = Map.of(
            "augment", TextNode.valueOf(Augmentation.NONE.id()), "average_last", IntNode.valueOf(0),
            "schedule", TextNode.valueOf(LearningRateSchedule.Decay.COSINE.id()), "label_smoothing", DoubleNode.valueOf(0),
            "distill_weight", DoubleNode.valueOf(0), "distill_temperature", DoubleNode.valueOf(1),
            "teachers", JsonNodeFactory.instance.arrayNode(), "batch_norm", BooleanNode.FALSE);
    /** Epoch metrics added since the first checkpoints; older epochs had no averaged weights and no activity counts. */
    private static final List<String> ADDED_METRICS = List.of("avg_val_loss", "avg_val_acc", "val_silent_channels");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * Which training samples a run uses, so a resumed run cannot silently continue on other data
     * (another task, another --limit).
     *
     * @param task         task id
     * @param samples      size of the training split (before the validation hold-out)
     * @param labelsSha256 SHA-256 of the labels in order
     */
    public record DataFingerprint(
            @JsonProperty("task") String task,
            @JsonProperty("samples") int samples,
            @JsonProperty("labels_sha256") String labelsSha256) {

        public static DataFingerprint of(dev.s4d.data.Dataset d) {
            MessageDigest sha = sha256();
            ByteBuffer b = ByteBuffer.allocate(4 * d.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < d.size(); i++) b.putInt(d.label(i));
            sha.update(b.flip());
            return new DataFingerprint(d.task().id(), d.size(), HexFormat.of().formatHex(sha.digest()));
        }

        public String describe() {
            return task + " with " + samples + " training samples (labels sha256 " + labelsSha256.substring(0, 12) + "…)";
        }
    }

    /**
     * Sums over the batches of an epoch so far.
     *
     * @param lossSum      Σ batch loss × batch size
     * @param correct      samples classified right
     * @param samples      samples seen
     * @param trainSeconds time spent in training steps
     */
    public record EpochTotals(
            @JsonProperty("loss_sum") double lossSum,
            @JsonProperty("correct") long correct,
            @JsonProperty("samples") long samples,
            @JsonProperty("train_seconds") double trainSeconds) {

        public static final EpochTotals ZERO = new EpochTotals(0, 0, 0, 0);

        EpochTotals add(GradientSource.BatchStats s, double seconds) {
            return new EpochTotals(lossSum + s.loss() * s.count(), correct + s.correct(), samples + s.count(), trainSeconds + seconds);
        }

        double meanLoss() {
            return samples == 0 ? 0 : lossSum / samples;
        }

        double accuracy() {
            return samples == 0 ? 0 : correct / (double) samples;
        }
    }

    /** The position and bookkeeping, stored as one JSON object in the metadata. */
    private record Position(
            @JsonProperty("step") long step,
            @JsonProperty("epoch") int epoch,
            @JsonProperty("batch_in_epoch") int batchInEpoch,
            @JsonProperty("epoch_so_far") EpochTotals epochSoFar,
            @JsonProperty("best_val_acc") Double bestValAccuracy,
            @JsonProperty("best_epoch") int bestEpoch,
            @JsonProperty("history") List<EpochMetrics> history) {
    }

    /** Writes the checkpoint atomically: after a crash the file is either the previous checkpoint or this one. */
    public void write(Path path) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        parameters.asMap().forEach((name, t) -> tensors.put(PARAM + name, t));
        firstMoments.asMap().forEach((name, t) -> tensors.put(EXP_AVG + name, t));
        secondMoments.asMap().forEach((name, t) -> tensors.put(EXP_AVG_SQ + name, t));
        if (average != null) average.asMap().forEach((name, t) -> tensors.put(AVERAGE + name, t));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(FORMAT_KEY, FORMAT_VERSION);
        metadata.put("train_config", json(trainConfig));
        metadata.put("model_config", ModelFiles.configToJson(modelConfig));
        metadata.put("data", json(data));
        metadata.put("position", json(new Position(step, epoch, batchInEpoch, epochSoFar, bestValAccuracy, bestEpoch, history)));
        metadata.put(CHECKSUM_KEY, checksum(metadata, tensors));
        SafeTensors.write(path, metadata, tensors);
    }

    /**
     * Reads a checkpoint, refusing it whole if it is truncated, corrupt or not a checkpoint.
     *
     * @throws ModelFileException naming the file and the problem
     */
    public static Checkpoint read(Path path) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(path);
        Map<String, String> metadata = contents.metadata();
        if (!metadata.containsKey(FORMAT_KEY)) {
            throw new ModelFileException(path, "not a training checkpoint (no '" + FORMAT_KEY + "' metadata; a model file?)");
        }
        if (!FORMAT_VERSION.equals(metadata.get(FORMAT_KEY))) {
            throw new ModelFileException(path, "checkpoint version '" + metadata.get(FORMAT_KEY) + "', expected '"
                    + FORMAT_VERSION + "' (written by an incompatible version of this program?)");
        }
        String stored = metadata.get(CHECKSUM_KEY);
        String actual = checksum(metadata, contents.tensors());
        if (!actual.equals(stored)) {
            throw new ModelFileException(path, "checksum mismatch: the metadata says " + stored + " but the content hashes to "
                    + actual + "; the checkpoint is corrupt and was not loaded");
        }
        try {
            ObjectNode trainJson = object(path, "train_config", require(path, metadata, "train_config"));
            ADDED_SETTINGS.forEach(trainJson::putIfAbsent);
            TrainConfig train = JSON.treeToValue(trainJson, TrainConfig.class);
            ModelConfig model = ModelFiles.configFromJson(require(path, metadata, "model_config"));
            DataFingerprint data = JSON.readValue(require(path, metadata, "data"), DataFingerprint.class);
            ObjectNode positionJson = object(path, "position", require(path, metadata, "position"));
            if (positionJson.get("history") instanceof ArrayNode epochs) {
                for (JsonNode e : epochs) {
                    if (e instanceof ObjectNode o) ADDED_METRICS.forEach(k -> o.putIfAbsent(k, NullNode.getInstance()));
                }
            }
            Position at = JSON.treeToValue(positionJson, Position.class);
            Map<String, Tensor> tensors = contents.tensors();
            for (String name : tensors.keySet()) {
                if (!name.startsWith(PARAM) && !name.startsWith(EXP_AVG) && !name.startsWith(EXP_AVG_SQ) && !name.startsWith(AVERAGE)) {
                    throw new ModelFileException(path, "unexpected tensor '" + name + "' in a checkpoint");
                }
            }
            Parameters params = group(tensors, PARAM, model, train.batchNorm());
            BatchNorms.requireTrained(model, train.batchNorm(), params);
            Parameters m = group(tensors, EXP_AVG, model, train.batchNorm());
            Parameters v = group(tensors, EXP_AVG_SQ, model, train.batchNorm());
            if (!m.names().equals(params.names()) || !v.names().equals(params.names())) {
                throw new ModelFileException(path, "the optimiser moments are for parameters " + m.names()
                        + " and " + v.names() + ", expected " + params.names());
            }
            for (String name : params.names()) {
                int[] shape = params.get(name).shape();
                if (!m.get(name).hasShape(shape) || !v.get(name).hasShape(shape)) {
                    throw new ModelFileException(path, "the optimiser moments of '" + name + "' have shapes "
                            + m.get(name).shapeString() + " and " + v.get(name).shapeString() + ", expected " + params.get(name).shapeString());
                }
            }
            Parameters average = tensors.keySet().stream().anyMatch(n -> n.startsWith(AVERAGE))
                    ? group(tensors, AVERAGE, model, train.batchNorm()) : null;
            if (average != null) {
                // Same names, shapes and finiteness as the parameters: the same architecture.
                BatchNorms.requireTrained(model, train.batchNorm(), average);
            }
            return new Checkpoint(train, model, data, at.step(), at.epoch(), at.batchInEpoch(), params, m, v, average,
                    at.epochSoFar(), at.bestValAccuracy(), at.bestEpoch(), at.history());
        } catch (JsonProcessingException e) {
            throw new ModelFileException(path, "checkpoint metadata is invalid: " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "checkpoint holds an invalid model or position: " + e.getMessage(), e);
        }
    }

    private static ObjectNode object(Path path, String key, String json) throws IOException {
        if (JSON.readTree(json) instanceof ObjectNode o) return o;
        throw new ModelFileException(path, "checkpoint metadata '" + key + "' is not a JSON object");
    }

    private static String require(Path path, Map<String, String> metadata, String key) throws ModelFileException {
        String v = metadata.get(key);
        if (v == null) throw new ModelFileException(path, "checkpoint metadata has no '" + key + "'");
        return v;
    }

    /**
     * The tensors under one prefix, in the model's canonical order (the order the trainer and the
     * optimiser iterate in); names the model does not have follow, for its check to report.
     */
    private static Parameters group(Map<String, Tensor> all, String prefix, ModelConfig model, boolean batchNorm) {
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : BatchNorms.trainedShapes(model, batchNorm).keySet()) {
            Tensor t = all.get(prefix + name);
            if (t != null) ordered.put(name, t);
        }
        all.forEach((name, t) -> {
            if (name.startsWith(prefix)) ordered.putIfAbsent(name.substring(prefix.length()), t);
        });
        return new Parameters(ordered);
    }

    /**
     * SHA-256 over every tensor (name, shape, float bits) and every metadata entry but the checksum,
     * each in sorted order, so the value depends on the content only, not on the file's layout.
     */
    static String checksum(Map<String, String> metadata, Map<String, Tensor> tensors) {
        MessageDigest sha = sha256();
        for (Map.Entry<String, Tensor> e : new TreeMap<>(tensors).entrySet()) {
            updateString(sha, e.getKey());
            int[] shape = e.getValue().shape();
            float[] data = e.getValue().data();
            ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(shape.length);
            for (int d : shape) b.putInt(d);
            for (float f : data) b.putFloat(f);
            sha.update(b.flip());
        }
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            if (e.getKey().equals(CHECKSUM_KEY)) continue;
            updateString(sha, e.getKey());
            updateString(sha, e.getValue());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently. */
    private static void updateString(MessageDigest sha, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).flip());
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("records of numbers and strings always serialise", e);
        }
    }

    /** The JSON of a training config, as stored in checkpoints. */
    public static String toJson(TrainConfig config) {
        return json(config);
    }
}
