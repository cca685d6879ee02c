package dev.s4d.loihi.quant;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.s4d.io.ModelFileException;
import dev.s4d.io.ModelFiles;
import dev.s4d.io.SafeTensors;
import dev.s4d.io.SafeTensors.DType;
import dev.s4d.io.SafeTensors.IntTensor;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ParameterNames;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Saves and loads a {@link QuantizedModel} as a safetensors file of integer tensors.
 *
 * <p>Tensors keep the float model's names where they correspond ({@code encoder.weight},
 * {@code s4_layers.0.output_linear.0.weight} of shape (H, H, 1), {@code s4_layers.0.D}, {@code decoder.bias}, …);
 * the S4D mantissas are {@code s4_layers.i.kernel.a_re}, {@code a_im}, {@code b_re}, {@code b_im},
 * {@code c_re}, {@code c_im}, each (H, N/2). Weights and coefficients are stored in the narrowest of
 * I8, I16, I32 that holds their width, biases likewise for the accumulator width.
 *
 * <p>Metadata: {@code s4d.kind} = {@value #KIND} (float model files have no kind, so each loader can
 * name the other kind of file), {@code s4d.version}, {@code s4d.config} (the {@link ModelConfig} as
 * {@link ModelFiles} writes it) and {@code s4d.quant}: the {@link QuantConfig}, every fraction and
 * exponent, and the calibrated maxima, as JSON.
 *
 * <p>Loading checks everything saving guarantees: names, shapes, integer dtypes, every mantissa within
 * its width, the metadata complete and consistent. Saving checks the same first and writes atomically,
 * so a failed save leaves any previous file untouched.
 */
public final class QuantizedModelFiles {
    private QuantizedModelFiles() {
    }

    public static final String KIND = "loihi-quantized";
    public static final String QUANT_KEY = "s4d.quant";
    public static final String VERSION = "1";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The formats of one block, as stored in {@code s4d.quant}. */
    private record BlockFormats(
            @JsonProperty("input_weight_fraction") int inputWeightFraction,
            @JsonProperty("u_fraction") int uFraction,
            @JsonProperty("state_fraction") int stateFraction,
            @JsonProperty("y_fraction") int yFraction,
            @JsonProperty("relu_fraction") int reluFraction,
            @JsonProperty("exp_a") int expA,
            @JsonProperty("exp_b") int expB,
            @JsonProperty("exp_c") int expC,
            @JsonProperty("exp_d") int expD) {
    }

    /** Everything of a quantised model that is not a tensor: the value of {@code s4d.quant}. */
    private record QuantMetadata(
            @JsonProperty("quant_config") QuantConfig quantConfig,
            @JsonProperty("input_fraction") int inputFraction,
            @JsonProperty("blocks") List<BlockFormats> blocks,
            @JsonProperty("output_weight_fraction") int outputWeightFraction,
            @JsonProperty("output_fraction") int outputFraction,
            @JsonProperty("decoder_weight_fraction") int decoderWeightFraction,
            @JsonProperty("logit_fraction") int logitFraction,
            @JsonProperty("calibrated_max") Map<String, Long> calibratedMax) {
    }

    /** A tensor of the file: its name, shape and the width its values must fit. */
    private record Slot(String name, int[] shape, int bits, String what) {
    }

    // ------------------------------------------------------------------------------------------ saving

    /**
     * Writes {@code model} to {@code path}, replacing it atomically.
     *
     * @throws IllegalArgumentException if a mantissa lies outside its width or the calibrated maxima do
     *                                  not name exactly the model's sender groups (nothing is written)
     */
    public static void save(QuantizedModel model, Path path) throws IOException {
        String problem = problemOf(model);
        if (problem != null) throw new IllegalArgumentException("cannot save the quantised model: " + problem);
        Map<String, IntTensor> tensors = new LinkedHashMap<>();
        Map<String, int[]> values = values(model);
        for (Slot s : slots(model.model(), model.quant())) {
            tensors.put(s.name(), new IntTensor(dtypeFor(s.bits()), s.shape(), values.get(s.name())));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ModelFiles.KIND_KEY, KIND);
        metadata.put(ModelFiles.VERSION_KEY, VERSION);
        metadata.put(ModelFiles.CONFIG_KEY, ModelFiles.configToJson(model.model()));
        metadata.put(QUANT_KEY, toJson(metadataOf(model)));
        SafeTensors.write(path, metadata, Map.of(), tensors);
    }

    /** The narrowest stored integer type for a width. */
    private static DType dtypeFor(int bits) {
        return bits <= 8 ? DType.I8 : bits <= 16 ? DType.I16 : DType.I32;
    }

    private static QuantMetadata metadataOf(QuantizedModel m) {
        List<BlockFormats> blocks = new ArrayList<>();
        for (QuantBlock b : m.blocks()) {
            QuantS4D s = b.s4d();
            blocks.add(new BlockFormats(b.input().weightFraction(), b.uFraction(), b.stateFraction(), b.yFraction(), b.reluFraction(),
                    s.expA(), s.expB(), s.expC(), s.expD()));
        }
        return new QuantMetadata(m.quant(), m.inputFraction(), blocks, m.outputLinear().weightFraction(), m.outputFraction(),
                m.decoder().weightFraction(), m.logitFraction(), new TreeMap<>(m.calibratedMax()));
    }

    private static String toJson(QuantMetadata q) {
        try {
            return JSON.writeValueAsString(q);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a record of numbers, enums and maps always serialises", e);
        }
    }

    // ----------------------------------------------------------------------------------------- loading

    /**
     * Reads a quantised model file.
     *
     * @throws ModelFileException if the file is not a valid quantised model (a float model file is named as such)
     */
    public static QuantizedModel load(Path path) throws IOException {
        SafeTensors.Contents contents = SafeTensors.readWithIntegers(path);
        Map<String, String> meta = contents.metadata();
        checkKind(path, meta);
        String version = meta.get(ModelFiles.VERSION_KEY);
        if (!VERSION.equals(version)) {
            throw new ModelFileException(path, "metadata '" + ModelFiles.VERSION_KEY + "' is "
                    + (version == null ? "missing" : "'" + version + "'") + ", expected '" + VERSION
                    + "' (written by an incompatible version of this program?)");
        }
        ModelConfig config;
        try {
            config = ModelFiles.configFromJson(require(path, meta, ModelFiles.CONFIG_KEY));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "metadata '" + ModelFiles.CONFIG_KEY + "': " + e.getMessage(), e);
        }
        QuantMetadata q = parseQuant(path, require(path, meta, QUANT_KEY));
        if (q.blocks().size() != config.nLayers()) {
            throw new ModelFileException(path, "metadata '" + QUANT_KEY + "' has formats for " + q.blocks().size()
                    + " blocks but the model has " + config.nLayers());
        }
        if (!contents.tensors().isEmpty()) {
            String first = contents.tensors().keySet().iterator().next();
            throw new ModelFileException(path, "tensor '" + first + "' is " + contents.dtypes().get(first)
                    + "; a quantised model holds only integer tensors (a float model file with a quantised model's metadata?)");
        }
        Map<String, IntTensor> tensors = contents.integerTensors();
        List<Slot> slots = slots(config, q.quantConfig());
        checkTensors(path, tensors, slots);
        try {
            QuantizedModel model = assemble(config, q, tensors);
            String problem = problemOf(model);
            if (problem != null) throw new ModelFileException(path, problem);
            return model;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "the tensors and metadata do not form a quantised model: " + e.getMessage(), e);
        }
    }

    private static void checkKind(Path path, Map<String, String> meta) throws ModelFileException {
        String kind = meta.get(ModelFiles.KIND_KEY);
        if (kind == null) {
            throw new ModelFileException(path, meta.containsKey(ModelFiles.CONFIG_KEY)
                    ? "this is a float model file (no '" + ModelFiles.KIND_KEY + "' metadata), not a quantised model; quantise it first"
                    : "not a quantised model file: no '" + ModelFiles.KIND_KEY + "' metadata (expected '" + KIND + "')");
        }
        if (!kind.equals(KIND)) {
            throw new ModelFileException(path, "this file holds a model of kind '" + kind + "' (metadata '" + ModelFiles.KIND_KEY
                    + "'), expected '" + KIND + "'");
        }
    }

    private static String require(Path path, Map<String, String> meta, String key) throws ModelFileException {
        String v = meta.get(key);
        if (v == null) throw new ModelFileException(path, "metadata '" + key + "' is missing");
        return v;
    }

    private static QuantMetadata parseQuant(Path path, String json) throws ModelFileException {
        try {
            QuantMetadata q = JSON.readValue(json, QuantMetadata.class);
            if (q.blocks().contains(null) || q.calibratedMax().containsValue(null)) {
                throw new ModelFileException(path, "metadata '" + QUANT_KEY + "' holds null where a block or a calibrated maximum belongs");
            }
            return q;
        } catch (JsonProcessingException e) {
            // The config constructor's own message is the useful part when it rejected the values.
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            String why = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
            throw new ModelFileException(path, "metadata '" + QUANT_KEY + "' is invalid: " + why, e);
        }
    }

    /** Exactly the expected tensors, each with its shape and its values within its width. */
    private static void checkTensors(Path path, Map<String, IntTensor> tensors, List<Slot> slots) throws ModelFileException {
        Set<String> expected = new LinkedHashSet<>();
        for (Slot s : slots) {
            expected.add(s.name());
            IntTensor t = tensors.get(s.name());
            if (t == null) throw new ModelFileException(path, "tensor '" + s.name() + "' " + Arrays.toString(s.shape()) + " is missing");
            if (!t.hasShape(s.shape())) {
                throw new ModelFileException(path, "tensor '" + s.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(s.shape()));
            }
            String outside = outsideWidth(t.data(), s.bits());
            if (outside != null) throw new ModelFileException(path, "tensor '" + s.name() + "' " + outside + " of " + s.what());
        }
        for (String name : tensors.keySet()) {
            if (!expected.contains(name)) throw new ModelFileException(path, "unexpected tensor '" + name + "' in a quantised model file");
        }
    }

    private static QuantizedModel assemble(ModelConfig c, QuantMetadata q, Map<String, IntTensor> t) {
        int h = c.dModel();
        int m = c.modes();
        List<QuantBlock> blocks = new ArrayList<>();
        for (int l = 0; l < c.nLayers(); l++) {
            BlockFormats f = q.blocks().get(l);
            QuantDense input = l == 0
                    ? dense(t, ParameterNames.ENCODER_WEIGHT, ParameterNames.ENCODER_BIAS, f.inputWeightFraction())
                    : dense(t, ParameterNames.mixWeight(l - 1), ParameterNames.mixBias(l - 1), f.inputWeightFraction());
            QuantS4D s4d = new QuantS4D(h, m,
                    t.get(coefficient(l, "a_re")).data(), t.get(coefficient(l, "a_im")).data(), f.expA(),
                    t.get(coefficient(l, "b_re")).data(), t.get(coefficient(l, "b_im")).data(), f.expB(),
                    t.get(coefficient(l, "c_re")).data(), t.get(coefficient(l, "c_im")).data(), f.expC(),
                    t.get(ParameterNames.d(l)).data(), f.expD());
            blocks.add(new QuantBlock(input, f.uFraction(), s4d, f.stateFraction(), f.yFraction(), f.reluFraction()));
        }
        int last = c.nLayers() - 1;
        QuantDense output = dense(t, ParameterNames.mixWeight(last), ParameterNames.mixBias(last), q.outputWeightFraction());
        QuantDense decoder = dense(t, ParameterNames.DECODER_WEIGHT, ParameterNames.DECODER_BIAS, q.decoderWeightFraction());
        return new QuantizedModel(c, q.quantConfig(), q.inputFraction(), blocks, output, q.outputFraction(), decoder,
                q.logitFraction(), q.calibratedMax());
    }

    private static QuantDense dense(Map<String, IntTensor> t, String weight, String bias, int fraction) {
        int[] b = t.get(bias).data();
        int[] w = t.get(weight).data();
        return new QuantDense(b.length, w.length / b.length, w, fraction, b);
    }

    // -------------------------------------------------------------------------------------- the layout

    private static String coefficient(int layer, String name) {
        return ParameterNames.layer(layer) + "kernel." + name;
    }

    /** Every tensor of a quantised model of {@code c}, in the float model's order. */
    private static List<Slot> slots(ModelConfig c, QuantConfig q) {
        int h = c.dModel();
        int m = c.modes();
        int w = q.weightBits();
        int acc = q.accumulatorBits();
        int coef = q.coefficientBits();
        String weights = w + "-bit weights";
        String biases = acc + "-bit biases";
        String coefficients = coef + "-bit coefficients";
        List<Slot> s = new ArrayList<>();
        s.add(new Slot(ParameterNames.ENCODER_WEIGHT, new int[]{h, c.dInput()}, w, weights));
        s.add(new Slot(ParameterNames.ENCODER_BIAS, new int[]{h}, acc, biases));
        for (int l = 0; l < c.nLayers(); l++) {
            s.add(new Slot(ParameterNames.d(l), new int[]{h}, coef, coefficients));
            for (String part : new String[]{"a_re", "a_im", "b_re", "b_im", "c_re", "c_im"}) {
                s.add(new Slot(coefficient(l, part), new int[]{h, m}, coef, coefficients));
            }
            s.add(new Slot(ParameterNames.mixWeight(l), new int[]{h, h, 1}, w, weights));
            s.add(new Slot(ParameterNames.mixBias(l), new int[]{h}, acc, biases));
        }
        s.add(new Slot(ParameterNames.DECODER_WEIGHT, new int[]{c.nClasses(), h}, w, weights));
        s.add(new Slot(ParameterNames.DECODER_BIAS, new int[]{c.nClasses()}, acc, biases));
        return s;
    }

    /** The model's integer arrays under the names of {@link #slots}. */
    private static Map<String, int[]> values(QuantizedModel model) {
        Map<String, int[]> v = new LinkedHashMap<>();
        List<QuantBlock> blocks = model.blocks();
        for (int l = 0; l < blocks.size(); l++) {
            QuantDense in = blocks.get(l).input();
            v.put(l == 0 ? ParameterNames.ENCODER_WEIGHT : ParameterNames.mixWeight(l - 1), in.weights());
            v.put(l == 0 ? ParameterNames.ENCODER_BIAS : ParameterNames.mixBias(l - 1), in.bias());
            QuantS4D s = blocks.get(l).s4d();
            v.put(ParameterNames.d(l), s.d());
            v.put(coefficient(l, "a_re"), s.aRe());
            v.put(coefficient(l, "a_im"), s.aIm());
            v.put(coefficient(l, "b_re"), s.bRe());
            v.put(coefficient(l, "b_im"), s.bIm());
            v.put(coefficient(l, "c_re"), s.cRe());
            v.put(coefficient(l, "c_im"), s.cIm());
        }
        v.put(ParameterNames.mixWeight(blocks.size() - 1), model.outputLinear().weights());
        v.put(ParameterNames.mixBias(blocks.size() - 1), model.outputLinear().bias());
        v.put(ParameterNames.DECODER_WEIGHT, model.decoder().weights());
        v.put(ParameterNames.DECODER_BIAS, model.decoder().bias());
        return v;
    }

    /**
     * What makes a model unfit for a file (null if nothing): a mantissa outside its width, or calibrated
     * maxima that are negative or do not name exactly the sender groups.
     */
    private static String problemOf(QuantizedModel model) {
        Map<String, int[]> values = values(model);
        for (Slot s : slots(model.model(), model.quant())) {
            String outside = outsideWidth(values.get(s.name()), s.bits());
            if (outside != null) return "'" + s.name() + "' " + outside + " of " + s.what();
        }
        Set<String> groups = new LinkedHashSet<>();
        groups.add("input");
        for (int l = 1; l <= model.blocks().size(); l++) {
            groups.add("u" + l);
            groups.add("s4d" + l);
            groups.add("relu" + l);
        }
        groups.add("out");
        if (!model.calibratedMax().keySet().equals(groups)) {
            return "the calibrated maxima are for " + new TreeMap<>(model.calibratedMax()).keySet() + ", expected the sender groups " + groups;
        }
        for (Map.Entry<String, Long> e : model.calibratedMax().entrySet()) {
            if (e.getValue() < 0) return "the calibrated maximum of '" + e.getKey() + "' is negative: " + e.getValue();
        }
        return null;
    }

    /** Null if every value fits a signed {@code bits}-bit integer, otherwise what does not. */
    private static String outsideWidth(int[] values, int bits) {
        long lo = -(1L << (bits - 1));
        long hi = (1L << (bits - 1)) - 1;
        for (int i = 0; i < values.length; i++) {
            if (values[i] < lo || values[i] > hi) {
                return "holds " + values[i] + " at flat index " + i + ", outside the range [" + lo + ", " + hi + "]";
            }
        }
        return null;
    }
}
