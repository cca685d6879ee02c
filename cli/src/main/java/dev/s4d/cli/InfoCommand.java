package dev.s4d.cli;

import dev.s4d.engine.FlopCount;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.cost.CoreMapping;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints what a model file holds: config, parameter count, cost per token. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show a model's config, parameter count, FLOPs per token and state size.",
                "For a quantised model (s4d quantize): its integer formats, the chip's neuron graph and the neurocores it maps to."})
final class InfoCommand extends CliCommand {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model file (ours or a reference PyTorch safetensors state_dict).")
    Path model;

    @picocli.CommandLine.Mixin
    ImportMixin importOptions;

    @Override
    public Integer call() throws Exception {
        if (CliFiles.isQuantised(model)) {
            quantised(QuantizedModelFiles.load(model));
            return 0;
        }
        S4DModel m = CliFiles.loadModel(model, importOptions.options());
        ModelConfig c = m.config();
        // Locale.ROOT like the other commands: the same digits and separators for every user and script.
        java.io.PrintWriter out = out();
        out.printf(Locale.ROOT, "model            %s%n", model);
        out.printf(Locale.ROOT, "flavour          %s%s%n", c.flavour().id(), c.prenorm() ? " (pre-norm)" : "");
        out.printf(Locale.ROOT, "d_input          %d%n", c.dInput());
        out.printf(Locale.ROOT, "d_model (H)      %d%n", c.dModel());
        out.printf(Locale.ROOT, "d_state (N)      %d (%d complex modes per channel)%n", c.dState(), c.modes());
        out.printf(Locale.ROOT, "layers           %d%n", c.nLayers());
        out.printf(Locale.ROOT, "classes          %d%n", c.nClasses());
        out.printf(Locale.ROOT, "readout          %s%n", c.readout().id());
        out.printf(Locale.ROOT, "discretization   %s%n", c.discretization().id());
        out.printf(Locale.ROOT, "parameters       %,d%n", m.parameterCount());
        out.printf(Locale.ROOT, "FLOPs per token  %,d (recurrent form)%n", FlopCount.perToken(c));
        out.printf(Locale.ROOT, "state per stream %,d bytes%n", RecurrentEngine.compile(m).stateBytesPerStream());
        return 0;
    }

    private void quantised(QuantizedModel q) {
        java.io.PrintWriter out = out();
        out.printf(Locale.ROOT, "model            %s (quantised for the fixed-point engine)%n", model);
        QuantizeCommand.describe(q, q.quant().calibrationSamples(), out);
        ChipTopology topology = new ChipTopology(q.model());
        long neurons = topology.neuronGroups().stream().mapToLong(ChipTopology.NeuronGroup::size).sum();
        long synapses = topology.synapseGroups().stream().mapToLong(ChipTopology.SynapseGroup::synapses).sum();
        CoreMapping mapping = ChipCost.mapping(topology, q.quant(), false, null);
        out.printf(Locale.ROOT, "neuron graph     %,d neurons in %d groups, %,d synapses in %d groups, %d steps from token to logits%n",
                neurons, topology.neuronGroups().size(), synapses, topology.synapseGroups().size(), topology.latencySteps());
        out.printf(Locale.ROOT, "Loihi 2 mapping  %d cores on %d chip(s), %,d bytes of neuron memory, %,d bytes of synapses (docs/COST_MODEL.md)%n",
                mapping.coreCount(), mapping.chips(), mapping.neuronBytes(), mapping.synapseBytes());
    }
}
