package dev.s4d.cli;

import dev.s4d.engine.FlopCount;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Writes a randomly initialised model. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a randomly initialised model.",
                "The architecture comes from --config (a JSON object with any of the keys d_input, d_model, d_state,"
                        + " n_layers, n_classes, flavour, prenorm, readout, discretization), then the options below override it."})
final class InitCommand extends CliCommand {

    @Option(names = "--out", required = true, paramLabel = "MODEL", description = "Where to write the model (.safetensors).")
    Path out;

    @Mixin
    ArchitectureMixin architecture;

    @Option(names = "--seed", description = "Random seed (default 0).")
    long seed;

    @Override
    public Integer call() throws Exception {
        CliFiles.requireWritable(out, "model");
        ModelConfig c = architecture.resolve(ArchitectureMixin.defaults(1, 10));
        S4DModel model = ModelInitializer.initialise(c, architecture.initOptions(seed));
        ModelFiles.save(model, out);
        out().printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %,d FLOPs per token%n", out, describe(c), model.parameterCount(), FlopCount.perToken(c));
        return 0;
    }

    static String describe(ModelConfig c) {
        return String.format(Locale.ROOT, "%s H=%d N=%d layers=%d d_input=%d classes=%d", c.flavour().id(), c.dModel(), c.dState(), c.nLayers(), c.dInput(), c.nClasses());
    }
}
