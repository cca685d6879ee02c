package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * How a finished run did.
 *
 * @param steps           optimiser steps taken
 * @param history         metrics of every epoch
 * @param bestValAccuracy best validation accuracy, null without a validation set
 * @param bestEpoch       1-based epoch of {@code best.safetensors}, 0 without a validation set
 * @param testLast        the final model on the test set, null when no test set was given
 * @param testBest        the best model on the test set, null when there is no best model or no test set
 * @param averagedEpochs  how many end-of-epoch weights {@code averaged.safetensors} is the mean of, 0 without averaging
 * @param testAveraged    the averaged weights on the test set, null without averaging or without a test set
 * @param stopped         whether the run stopped before the end of its schedule ({@link Trainer#stoppingAfter});
 *                        it then has no test results and no final model yet
 */
public record TrainResult(
        @JsonProperty("steps") long steps,
        @JsonProperty("history") List<EpochMetrics> history,
        @JsonProperty("best_val_acc") Double bestValAccuracy,
        @JsonProperty("best_epoch") int bestEpoch,
        @JsonProperty("test_last") Evaluation testLast,
        @JsonProperty("test_best") Evaluation testBest,
        @JsonProperty("averaged_epochs") int averagedEpochs,
        @JsonProperty("test_averaged") Evaluation testAveraged,
        @JsonProperty("stopped") boolean stopped) {

    public TrainResult {
        history = List.copyOf(history);
    }
}
