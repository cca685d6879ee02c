package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What one epoch achieved: a line of {@code metrics.jsonl} and a row of {@code metrics.csv}.
 * Accuracies are fractions in [0, 1]; the validation fields are null when the run holds out no
 * validation samples.
 *
 * @param epoch            1-based
 * @param step             optimiser steps taken by the end of the epoch
 * @param trainLoss        mean cross-entropy over the epoch's training batches, as the model was when
 *                         it saw each batch (with dropout)
 * @param trainAccuracy    share of the epoch's training samples classified right, measured the same way
 * @param valLoss          mean cross-entropy on the validation samples after the epoch
 * @param valAccuracy      accuracy on the validation samples after the epoch
 * @param lr               learning rate of the default group at the epoch's last step
 * @param seconds          time of the epoch, training plus validation: wall time without the spans the
 *                         process was stopped ({@link dev.s4d.time.RunningClock})
 * @param samplesPerSecond training samples per second of training time
 * @param avgValLoss       mean cross-entropy of the averaged weights on the validation samples, null
 *                         outside the averaging window ({@link TrainConfig#averageLast()})
 * @param avgValAccuracy   accuracy of the averaged weights on the validation samples, null likewise
 * @param valSilentChannels per layer, the channels whose S4D output was never positive on the
 *                         validation samples ({@link dev.s4d.engine.ChannelActivity}): dead ReLUs in the
 *                         loihi flavour; null without validation samples and in runs from before it was
 *                         recorded
 */
public record EpochMetrics(
        @JsonProperty("epoch") int epoch,
        @JsonProperty("step") long step,
        @JsonProperty("train_loss") double trainLoss,
        @JsonProperty("train_acc") double trainAccuracy,
        @JsonProperty("val_loss") Double valLoss,
        @JsonProperty("val_acc") Double valAccuracy,
        @JsonProperty("lr") double lr,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("samples_per_s") double samplesPerSecond,
        @JsonProperty("avg_val_loss") Double avgValLoss,
        @JsonProperty("avg_val_acc") Double avgValAccuracy,
        @JsonProperty("val_silent_channels") List<Integer> valSilentChannels) {

    public EpochMetrics {
        valSilentChannels = valSilentChannels == null ? null : List.copyOf(valSilentChannels);
    }
}
