package dev.s4d.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads and saves S4D models as safetensors files that PyTorch can use directly.
 *
 * <p>Our files hold exactly the reference model's state_dict (same names, shapes, float32), so
 * {@code model.load_state_dict(...)} accepts them, plus metadata: {@code "format": "pt"} (what the
 * safetensors torch loader expects), {@code "s4d.version": "1"} and the {@link ModelConfig} as JSON under
 * {@code "s4d.config"}.
 *
 * <p>A file without {@code s4d.config} is taken to be a state_dict of the public PyTorch reference model
 * (state-spaces/s4 example.py with the minimal S4D layer) and its config is inferred from the shapes:
 * H and d_input from {@code encoder.weight}, N from {@code kernel.C}, the layer count from the
 * {@code s4_layers.i} indices, the classes from {@code decoder.weight}, and the flavour from the presence of
 * {@code norms.*} together with the width of the pointwise layer (2H for GLU, H for the loihi variant). What
 * shapes cannot say comes from {@link ImportOptions}.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    public static final String CONFIG_KEY = "s4d.config";
    public static final String VERSION_KEY = "s4d.version";
    public static final String VERSION = "1";
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "pt";
    /**
     * Metadata key naming what other kind of model a file of ours holds (e.g. a quantised one); float
     * model files do not have it, so its presence alone says the file is not one.
     */
    public static final String KIND_KEY = "s4d.kind";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern LAYER_KEY = Pattern.compile("s4_layers\\.(\\d+)\\..*");

    /** {@link #load(Path, ImportOptions)} with the reference model's defaults. */
    public static S4DModel load(Path path) throws IOException {
        return load(path, ImportOptions.defaults());
    }

    /**
     * Loads a model file. For files with {@code s4d.config} (ours) the stored config is used and
     * {@code options} is ignored, since the file knows how it was trained; for PyTorch state_dicts the
     * config is inferred from shapes and completed with {@code options}.
     *
     * @throws ModelFileException if the file is malformed or its tensors do not form a valid model
     */
    public static S4DModel load(Path path, ImportOptions options) throws IOException {
        // Integer tensors are read too, so that a quantised model file is named as such rather than
        // rejected for its first integer tensor.
        SafeTensors.Contents contents = SafeTensors.readWithIntegers(path);
        String kind = contents.metadata().get(KIND_KEY);
        if (kind != null) {
            throw new ModelFileException(path, "this file holds a model of kind '" + kind + "' (metadata '" + KIND_KEY
                    + "'), not a float model");
        }
        if (!contents.integerTensors().isEmpty()) {
            Map.Entry<String, SafeTensors.IntTensor> first = contents.integerTensors().entrySet().iterator().next();
            throw new ModelFileException(path, "tensor '" + first.getKey() + "' has integer dtype " + first.getValue().dtype()
                    + "; a float model's parameters must be F32, F16, BF16 or F64");
        }
        Map<String, Tensor> tensors = contents.tensors();
        String configJson = contents.metadata().get(CONFIG_KEY);
        ModelConfig config = configJson != null
                ? storedConfig(path, contents.metadata(), configJson)
                : inferConfig(path, tensors, options);
        if (configJson == null) rejectForeignTensors(path, tensors, config);
        try {
            // Put in the canonical (state_dict) order, whatever order the file had.
            Map<String, Tensor> ordered = new LinkedHashMap<>();
            for (String name : S4DModel.expectedShapes(config).keySet()) {
                if (tensors.containsKey(name)) ordered.put(name, tensors.get(name));
            }
            tensors.forEach(ordered::putIfAbsent);
            return new S4DModel(config, new Parameters(ordered));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, e.getMessage(), e);
        }
    }

    /** Saves the model as float32 safetensors with its config, replacing {@code path} atomically. */
    public static void save(S4DModel model, Path path) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(FORMAT_KEY, FORMAT);
        metadata.put(VERSION_KEY, VERSION);
        metadata.put(CONFIG_KEY, configToJson(model.config()));
        SafeTensors.write(path, metadata, model.parameters().asMap());
    }

    /** The config as stored in our files. */
    public static String configToJson(ModelConfig config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a config of numbers and enums always serialises", e);
        }
    }

    /** Parses {@link #configToJson}; the config's own checks apply. */
    public static ModelConfig configFromJson(String json) {
        try {
            return JSON.readValue(json, ModelConfig.class);
        } catch (JsonProcessingException e) {
            // The config constructor's own message is the useful part when it rejected the values.
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            String why = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
            throw new IllegalArgumentException("invalid model config " + json + ": " + why, e);
        }
    }

    private static ModelConfig storedConfig(Path path, Map<String, String> metadata, String json) throws ModelFileException {
        String version = metadata.get(VERSION_KEY);
        if (!VERSION.equals(version)) {
            throw new ModelFileException(path, "metadata '" + VERSION_KEY + "' is "
                    + (version == null ? "missing" : "'" + version + "'") + ", expected '" + VERSION
                    + "' (written by an incompatible version of this program?)");
        }
        try {
            return configFromJson(json);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "metadata '" + CONFIG_KEY + "': " + e.getMessage(), e);
        }
    }

    /** The config of a reference-model state_dict, from its shapes and the options. */
    private static ModelConfig inferConfig(Path path, Map<String, Tensor> t, ImportOptions options) throws ModelFileException {
        String context = "no '" + CONFIG_KEY + "' metadata, so this was read as a PyTorch state_dict of the reference S4D model, but ";
        Tensor encoder = t.get(ParameterNames.ENCODER_WEIGHT);
        if (encoder == null) {
            throw new ModelFileException(path, context + "it has no '" + ParameterNames.ENCODER_WEIGHT + "'"
                    + prefixHint(t) + "; tensors: " + abbreviatedNames(t));
        }
        requireRank(path, context, ParameterNames.ENCODER_WEIGHT, encoder, 2, "(H, d_input)");
        int h = encoder.dim(0);
        int dInput = encoder.dim(1);

        int layers = 0;
        for (String name : t.keySet()) {
            Matcher m = LAYER_KEY.matcher(name);
            if (m.matches()) {
                // Bounded so a silly index fails as "unexpected tensor" instead of overflowing.
                String digits = m.group(1);
                if (digits.length() <= 6) layers = Math.max(layers, Integer.parseInt(digits) + 1);
            }
        }
        if (layers == 0) throw new ModelFileException(path, context + "it has no 's4_layers.0.*' tensors");

        Tensor c = t.get(ParameterNames.c(0));
        if (c == null) throw new ModelFileException(path, context + "it has no '" + ParameterNames.c(0) + "'");
        requireRank(path, context, ParameterNames.c(0), c, 3, "(H, N/2, 2)");
        int dState = 2 * c.dim(1);

        Tensor decoder = t.get(ParameterNames.DECODER_WEIGHT);
        if (decoder == null) throw new ModelFileException(path, context + "it has no '" + ParameterNames.DECODER_WEIGHT + "'");
        requireRank(path, context, ParameterNames.DECODER_WEIGHT, decoder, 2, "(classes, H)");
        int classes = decoder.dim(0);

        Tensor mix = t.get(ParameterNames.mixWeight(0));
        if (mix == null) throw new ModelFileException(path, context + "it has no '" + ParameterNames.mixWeight(0) + "'");
        requireRank(path, context, ParameterNames.mixWeight(0), mix, 3, "(out, H, 1)");
        boolean norms = t.keySet().stream().anyMatch(n -> n.startsWith("norms."));
        int out = mix.dim(0);
        BlockFlavour flavour;
        if (norms && out == 2 * h) {
            flavour = BlockFlavour.REFERENCE;
        } else if (!norms && out == h) {
            flavour = BlockFlavour.LOIHI;
        } else {
            throw new ModelFileException(path, "cannot tell the block flavour: norms.* are " + (norms ? "present" : "absent")
                    + " and '" + ParameterNames.mixWeight(0) + "' has " + out + " outputs; expected norms with 2H = "
                    + 2 * h + " outputs (reference, GLU) or no norms with H = " + h + " outputs (loihi)");
        }
        try {
            return new ModelConfig(dInput, h, dState, layers, classes, flavour,
                    options.prenorm(), options.readout(), options.discretization());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "the shapes and import options " + options + " give no valid config: " + e.getMessage(), e);
        }
    }

    /** Tensors a reference-model state_dict must not have, reported all at once with what they likely are. */
    private static void rejectForeignTensors(Path path, Map<String, Tensor> t, ModelConfig config) throws ModelFileException {
        Map<String, int[]> expected = S4DModel.expectedShapes(config);
        List<String> extra = new ArrayList<>();
        for (String name : t.keySet()) {
            if (!expected.containsKey(name)) extra.add(name);
        }
        if (!extra.isEmpty()) {
            throw new ModelFileException(path, extra.size() + " tensor(s) are not parameters of an S4D model with config "
                    + configToJson(config) + ": " + extra
                    + " (training state, or a different architecture? save only the model's state_dict)");
        }
    }

    private static void requireRank(Path path, String context, String name, Tensor t, int rank, String layout) throws ModelFileException {
        if (t.rank() != rank) {
            throw new ModelFileException(path, context + "'" + name + "' has shape " + t.shapeString()
                    + ", expected rank " + rank + " " + layout);
        }
    }

    /** DataParallel ("module.") and Lightning ("model.") prefix every key; say so rather than "missing". */
    private static String prefixHint(Map<String, Tensor> t) {
        for (String name : t.keySet()) {
            if (name.endsWith("." + ParameterNames.ENCODER_WEIGHT)) {
                String prefix = name.substring(0, name.length() - ParameterNames.ENCODER_WEIGHT.length());
                return " (found '" + name + "': strip the prefix '" + prefix + "' from every key)";
            }
        }
        return "";
    }

    private static String abbreviatedNames(Map<String, Tensor> t) {
        List<String> names = new ArrayList<>(t.keySet());
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
    }
}
