package dev.s4d.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s4d.engine.FlopCount;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a randomly initialised model. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a randomly initialised model.",
                "The architecture comes from --config (a JSON object with any of the keys d_input, d_model, d_state,"
                        + " n_layers, n_classes, flavour, prenorm, readout, discretization), then the options below override it."})
final class InitCommand extends CliCommand {

    @Option(names = "--config", paramLabel = "FILE", description = "JSON architecture; keys not given keep their defaults.")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "MODEL", description = "Where to write the model (.safetensors).")
    Path out;

    @Option(names = "--d-input", description = "Features per token (default 1).")
    Integer dInput;

    @Option(names = "--d-model", description = "Channels H (default 64).")
    Integer dModel;

    @Option(names = "--d-state", description = "State size N, even (default 64).")
    Integer dState;

    @Option(names = "--layers", description = "S4D blocks (default 4).")
    Integer layers;

    @Option(names = "--classes", description = "Decoder outputs (default 10).")
    Integer classes;

    @Option(names = "--flavour", paramLabel = "reference|loihi", description = "Block flavour (default loihi).")
    String flavour;

    @Option(names = "--prenorm", description = "Pre-norm blocks (reference flavour only).")
    Boolean prenorm;

    @Option(names = "--readout", paramLabel = "mean|last", description = "Pooling before the decoder (default mean).")
    String readout;

    @Option(names = "--discretization", paramLabel = "zoh|bilinear", description = "Default zoh.")
    String discretization;

    @Option(names = "--a-init", paramLabel = "lin|inv", description = "Imaginary part of A: S4D-Lin or S4D-Inv (default lin).")
    String aInit = "lin";

    @Option(names = "--dt-min", description = "Smallest initial step Δ (default 0.001).")
    double dtMin = 0.001;

    @Option(names = "--dt-max", description = "Largest initial step Δ (default 0.1).")
    double dtMax = 0.1;

    @Option(names = "--seed", description = "Random seed (default 0).")
    long seed;

    @Override
    public Integer call() throws Exception {
        CliFiles.requireWritable(out, "model");
        ModelConfig c = resolveConfig();
        S4DModel model = ModelInitializer.initialise(c, new InitOptions(InitOptions.AInit.parse(aInit), dtMin, dtMax, seed));
        ModelFiles.save(model, out);
        out().printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %,d FLOPs per token%n", out, describe(c), model.parameterCount(), FlopCount.perToken(c));
        return 0;
    }

    static String describe(ModelConfig c) {
        return String.format(Locale.ROOT, "%s H=%d N=%d layers=%d d_input=%d classes=%d", c.flavour().id(), c.dModel(), c.dState(), c.nLayers(), c.dInput(), c.nClasses());
    }

    private ModelConfig resolveConfig() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = json.valueToTree(new ModelConfig(1, 64, 64, 4, 10, BlockFlavour.LOIHI, false, Readout.MEAN, dev.s4d.model.Discretization.ZOH));
        if (config != null) {
            CliFiles.requireFile(config, "config file");
            com.fasterxml.jackson.databind.JsonNode file;
            try {
                file = json.readTree(Files.readString(config));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // Jackson's own message ends in a source description that names no file; say which one and where.
                var at = e.getLocation();
                throw new IllegalArgumentException(config + ": not valid JSON: " + e.getOriginalMessage()
                        + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            }
            if (file == null || !file.isObject()) throw new IllegalArgumentException(config + ": expected a JSON object of architecture keys");
            file.properties().forEach(e -> {
                if (!node.has(e.getKey())) {
                    throw new IllegalArgumentException(config + ": unknown key '" + e.getKey() + "', expected one of " + iterable(node));
                }
                node.set(e.getKey(), e.getValue());
            });
        }
        if (dInput != null) node.put("d_input", dInput);
        if (dModel != null) node.put("d_model", dModel);
        if (dState != null) node.put("d_state", dState);
        if (layers != null) node.put("n_layers", layers);
        if (classes != null) node.put("n_classes", classes);
        if (flavour != null) node.put("flavour", flavour);
        if (prenorm != null) node.put("prenorm", prenorm);
        if (readout != null) node.put("readout", readout);
        if (discretization != null) node.put("discretization", discretization);
        try {
            return json.treeToValue(node, ModelConfig.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            // The config's checks (and the enums' parsers) say which value is wrong and why.
            if (root instanceof IllegalArgumentException) throw new IllegalArgumentException("invalid architecture: " + root.getMessage());
            // Otherwise a JSON value of the wrong type, e.g. "d_state": "abc"; the options are typed, so it came from the file.
            String key = e.getPath().isEmpty() ? "?" : e.getPath().getLast().getFieldName();
            throw new IllegalArgumentException((config == null ? "" : config + ": ") + "invalid value for '" + key + "': " + e.getOriginalMessage());
        }
    }

    private static java.util.List<String> iterable(ObjectNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
