package dev.s4d.cli;

import dev.s4d.engine.FlopCount;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints what a model file holds: config, parameter count, cost per token. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's config, parameter count, FLOPs per token and state size.")
final class InfoCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model file (ours or a reference PyTorch safetensors state_dict).")
    Path model;

    @picocli.CommandLine.Mixin
    ImportMixin importOptions;

    @Override
    public Integer call() throws Exception {
        S4DModel m = ModelFiles.load(model, importOptions.options());
        ModelConfig c = m.config();
        System.out.printf("model            %s%n", model);
        System.out.printf("flavour          %s%s%n", c.flavour().id(), c.prenorm() ? " (pre-norm)" : "");
        System.out.printf("d_input          %d%n", c.dInput());
        System.out.printf("d_model (H)      %d%n", c.dModel());
        System.out.printf("d_state (N)      %d (%d complex modes per channel)%n", c.dState(), c.modes());
        System.out.printf("layers           %d%n", c.nLayers());
        System.out.printf("classes          %d%n", c.nClasses());
        System.out.printf("readout          %s%n", c.readout().id());
        System.out.printf("discretization   %s%n", c.discretization().id());
        System.out.printf("parameters       %,d%n", m.parameterCount());
        System.out.printf("FLOPs per token  %,d (recurrent form)%n", FlopCount.perToken(c));
        System.out.printf("state per stream %,d bytes%n", RecurrentEngine.compile(m).stateBytesPerStream());
        return 0;
    }
}
