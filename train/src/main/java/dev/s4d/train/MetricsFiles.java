package dev.s4d.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The per-epoch metrics of a run as {@code metrics.jsonl} (one JSON object per epoch) and
 * {@code metrics.csv}. Both are rewritten whole from the history kept in the checkpoint, so after a
 * crash and resume they hold each epoch exactly once.
 */
public final class MetricsFiles {
    private MetricsFiles() {
    }

    public static final String JSONL = "metrics.jsonl";
    public static final String CSV = "metrics.csv";

    static final String CSV_HEADER = "epoch,step,train_loss,train_acc,val_loss,val_acc,lr,seconds,samples_per_s,avg_val_loss,avg_val_acc,val_silent_channels";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** Replaces both files in {@code dir} with {@code history}. */
    public static void write(Path dir, List<EpochMetrics> history) throws IOException {
        StringBuilder jsonl = new StringBuilder();
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (EpochMetrics m : history) {
            jsonl.append(jsonLine(m)).append('\n');
            csv.append(m.epoch()).append(',').append(m.step()).append(',').append(m.trainLoss()).append(',')
                    .append(m.trainAccuracy()).append(',').append(orEmpty(m.valLoss())).append(',')
                    .append(orEmpty(m.valAccuracy())).append(',').append(m.lr()).append(',')
                    .append(m.seconds()).append(',').append(m.samplesPerSecond()).append(',')
                    .append(orEmpty(m.avgValLoss())).append(',').append(orEmpty(m.avgValAccuracy())).append(',')
                    .append(m.valSilentChannels() == null ? "" : m.valSilentChannels().stream().map(String::valueOf)
                            .collect(Collectors.joining(" "))).append('\n');
        }
        AtomicFiles.write(dir.resolve(JSONL), jsonl.toString().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(CSV), csv.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The history in {@code dir}'s {@value #JSONL}, in file order.
     *
     * @throws IOException if the file is missing, unreadable or holds a line that is not an epoch's metrics
     *                     (the message names the line)
     */
    public static List<EpochMetrics> read(Path dir) throws IOException {
        Path file = dir.resolve(JSONL);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(dir + " holds no " + JSONL + ": is it a run directory of s4d train?", e);
        }
        List<EpochMetrics> history = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + " line " + (i + 1);
            EpochMetrics m;
            try {
                m = JSON.readValue(lines.get(i), EpochMetrics.class);
            } catch (JsonProcessingException e) {
                throw new IOException(where + " is not an epoch's metrics (a JSON object with epoch, step, train_loss, …): "
                        + e.getOriginalMessage(), e);
            }
            if (m.epoch() < 1 || !(m.seconds() >= 0 && Double.isFinite(m.seconds()))) {
                throw new IOException(where + " gives epoch " + m.epoch() + " and seconds " + m.seconds()
                        + ": expected an epoch from 1 and a finite non-negative time");
            }
            history.add(m);
        }
        if (history.isEmpty()) throw new IOException(file + " holds no epoch yet");
        return history;
    }

    static String jsonLine(EpochMetrics m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a record of numbers always serialises", e);
        }
    }

    /** An empty CSV field for a missing value, which spreadsheets and pandas read as missing. */
    private static String orEmpty(Double v) {
        return v == null ? "" : v.toString();
    }
}
