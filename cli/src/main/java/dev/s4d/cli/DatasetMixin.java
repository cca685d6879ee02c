package dev.s4d.cli;

import dev.s4d.data.DataLocator;
import dev.s4d.data.Dataset;
import dev.s4d.data.SequenceTask;
import dev.s4d.data.Split;
import dev.s4d.model.ModelConfig;
import dev.s4d.train.Augmentation;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options that pick a dataset and where its files are; which split is the command's business. */
final class DatasetMixin {
    @Option(names = "--dataset", required = true, paramLabel = "TASK",
            description = "smnist, psmnist, scifar, scifar-gray or sfashion.")
    String dataset;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N samples of each split read.")
    Integer limit;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Dataset directory (else $S4D_DATA_DIR, ../shared/data, or the user cache, downloading if missing).")
    Path dataDir;

    @Option(names = "--offline", description = "Never download; fail with the list of files needed instead.")
    boolean offline;

    SequenceTask task() {
        return SequenceTask.fromId(dataset);
    }

    /** Rejects bad option values before a model or dataset is read. */
    void checkOptions() {
        if (limit != null && limit < 1) throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        task();
        // The search would quietly go on to the other directories, so a mistyped --data-dir could
        // evaluate on files from somewhere else without a word.
        if (dataDir != null && !java.nio.file.Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("--data-dir " + dataDir + " is not a directory");
        }
    }

    Dataset load(Split split) {
        checkOptions();
        SequenceTask task = task();
        Dataset d = task.load(split, locator());
        return limit == null || limit >= d.size() ? d : d.slice(0, limit);
    }

    DataLocator locator() {
        return DataLocator.standard(dataDir, !offline);
    }

    /** Refuses an augmentation that works on image rows for a task whose tokens are not pixels row by row. */
    void checkAugmentation(Augmentation a, String option) {
        SequenceTask task = task();
        if (a.needsRows() && task.rowWidth() == 0) {
            throw new IllegalArgumentException(option + " " + a.id() + " works on image rows, but the tokens of " + task.id()
                    + " are not pixels row by row");
        }
    }

    /** Fails early, before any work, when the model cannot read this task's tokens. */
    void checkFits(ModelConfig c) {
        checkFits(c, task());
    }

    static void checkFits(ModelConfig c, SequenceTask t) {
        if (c.dInput() != t.dInput()) {
            throw new IllegalArgumentException("the model reads " + c.dInput() + " features per token but " + t.id()
                    + " has " + t.dInput());
        }
        if (c.nClasses() < t.nClasses()) {
            throw new IllegalArgumentException("the model has " + c.nClasses() + " outputs but " + t.id() + " has " + t.nClasses() + " classes");
        }
    }
}
