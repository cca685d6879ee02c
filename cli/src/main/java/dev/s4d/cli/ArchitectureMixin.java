package dev.s4d.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s4d.io.ImportOptions;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that describe a fresh model, shared by the commands that make one (init, train): the
 * architecture from --config and the single options that override it, and how the parameters are drawn.
 */
final class ArchitectureMixin {

    @Option(names = "--config", paramLabel = "FILE", description = "JSON architecture; keys not given keep their defaults.")
    Path config;

    @Option(names = "--d-input", description = "Features per token (default 1; the dataset's when training).")
    Integer dInput;

    @Option(names = "--d-model", description = "Channels H (default 64).")
    Integer dModel;

    @Option(names = "--d-state", description = "State size N, even (default 64).")
    Integer dState;

    @Option(names = "--layers", description = "S4D blocks (default 4).")
    Integer layers;

    @Option(names = "--classes", description = "Decoder outputs (default 10; the dataset's when training).")
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
    String aInit;

    @Option(names = "--dt-min", description = "Smallest initial step Δ (default 0.001).")
    Double dtMin;

    @Option(names = "--dt-max", description = "Largest initial step Δ (default 0.1).")
    Double dtMax;

    /** The architecture when nothing is given: the paper's loihi flavour, H = N = 64, four layers. */
    static ModelConfig defaults(int dInput, int classes) {
        return new ModelConfig(dInput, 64, 64, 4, classes, BlockFlavour.LOIHI, false, Readout.MEAN, Discretization.ZOH);
    }

    InitOptions initOptions(long seed) {
        InitOptions d = InitOptions.defaults(seed);
        return new InitOptions(aInit == null ? d.aInit() : InitOptions.AInit.parse(aInit),
                dtMin == null ? d.dtMin() : dtMin, dtMax == null ? d.dtMax() : dtMax, seed);
    }

    /** What a reference PyTorch state_dict cannot say about itself, from --prenorm, --readout and --discretization. */
    ImportOptions importOptions() {
        ImportOptions d = ImportOptions.defaults();
        return new ImportOptions(prenorm == null ? d.prenorm() : prenorm, readout == null ? d.readout() : Readout.parse(readout),
                discretization == null ? d.discretization() : Discretization.parse(discretization));
    }

    /** {@code defaults}, then the keys of --config, then the single options. */
    ModelConfig resolve(ModelConfig defaults) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = json.valueToTree(defaults);
        if (config != null) {
            CliFiles.requireFile(config, "config file");
            JsonNode file;
            try {
                file = json.readTree(Files.readString(config));
            } catch (JsonProcessingException e) {
                // Jackson's own message ends in a source description that names no file; say which one and where.
                var at = e.getLocation();
                throw new IllegalArgumentException(config + ": not valid JSON: " + e.getOriginalMessage()
                        + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            }
            if (file == null || !file.isObject()) throw new IllegalArgumentException(config + ": expected a JSON object of architecture keys");
            file.properties().forEach(e -> {
                if (!node.has(e.getKey())) {
                    throw new IllegalArgumentException(config + ": unknown key '" + e.getKey() + "', expected one of " + keys(node));
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
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            // The config's checks (and the enums' parsers) say which value is wrong and why.
            if (root instanceof IllegalArgumentException) throw new IllegalArgumentException("invalid architecture: " + root.getMessage());
            // Otherwise a JSON value of the wrong type, e.g. "d_state": "abc"; the options are typed, so it came from the file.
            String key = e.getPath().isEmpty() ? "?" : e.getPath().getLast().getFieldName();
            throw new IllegalArgumentException((config == null ? "" : config + ": ") + "invalid value for '" + key + "': " + e.getOriginalMessage());
        }
    }

    private static List<String> keys(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
