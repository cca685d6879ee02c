package dev.s4d.cli;

import dev.s4d.model.S4DModel;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of commands that run one float model over one split of a dataset: the model file
 * (ours, or a reference PyTorch state_dict with what it cannot say itself), the dataset and the split.
 */
final class ModelOnSplitMixin {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file (ours or a reference PyTorch safetensors state_dict).")
    Path model;

    @Mixin
    DatasetMixin data;

    @Mixin
    SplitMixin split;

    @Mixin
    ImportMixin importOptions;

    /** The model, refused unless its inputs and classes fit the dataset's. */
    S4DModel loadModel() throws IOException {
        S4DModel m = CliFiles.loadModel(model, importOptions.options());
        data.checkFits(m.config());
        return m;
    }
}
