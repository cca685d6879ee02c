package dev.s4d.loihi.chip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.ModelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden integer vectors of tools/golden/make_loihi_golden.py (test resources golden-loihi/), read
 * into {@link QuantizedModel}s with their inputs and expected outputs. Every fixed-point engine's tests
 * can use them: the vectors come from a Python implementation written from docs/LOIHI_ARITHMETIC.md
 * alone.
 */
public final class GoldenLoihiCases {
    /** The cases the script writes, one JSON file each. */
    public static final List<String> NAMES = List.of(
            "mean_nearest_saturate", "last_floor_wrap", "mean_toward_zero_sigma_delta", "last_nearest_sigma_delta_wrap");

    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenLoihiCases() {
    }

    /** One integer model, the engine options its outputs were computed with, and its sequences. */
    public record Case(String name, QuantizedModel model, boolean sigmaDelta, double threshold, List<Sequence> sequences) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * One input sequence and what a run from the zero state gives: the class neurons' integers after the
     * last token ({@code z}) and after every token ({@code trace}), real logits, prediction and counters
     * (by neuron group, synapse group and site name).
     */
    public record Sequence(float[][] inputs, long[] z, double[] logits, int prediction, long[][] trace, long tokens,
                           Map<String, Long> updates, Map<String, Long> messages, Map<String, Long> synops,
                           Map<String, Long> saturations) {
    }

    public static List<Case> all() {
        return NAMES.stream().map(GoldenLoihiCases::load).toList();
    }

    public static Case load(String name) {
        String resource = "/golden-loihi/" + name + ".json";
        try (InputStream in = GoldenLoihiCases.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no golden case " + resource + "; run tools/golden/make_loihi_golden.py");
            JsonNode root = JSON.readTree(in);
            List<Sequence> sequences = new ArrayList<>();
            for (JsonNode s : field(root, "sequences")) sequences.add(sequence(s));
            return new Case(name, model(root), field(root, "sigma_delta").booleanValue(), field(root, "threshold").doubleValue(),
                    List.copyOf(sequences));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden case " + resource, e);
        }
    }

    /** The QuantizedModel a golden file describes (its fields are the record components in snake_case). */
    public static QuantizedModel model(JsonNode root) throws JsonProcessingException {
        ModelConfig config = JSON.treeToValue(field(root, "model"), ModelConfig.class);
        QuantConfig quant = JSON.treeToValue(field(root, "quant"), QuantConfig.class);
        List<QuantBlock> blocks = new ArrayList<>();
        for (JsonNode b : field(root, "blocks")) {
            blocks.add(new QuantBlock(dense(field(b, "input")), field(b, "u_fraction").intValue(), s4d(field(b, "s4d")),
                    field(b, "state_fraction").intValue(), field(b, "y_fraction").intValue(), field(b, "relu_fraction").intValue()));
        }
        return new QuantizedModel(config, quant, field(root, "input_fraction").intValue(), blocks,
                dense(field(root, "output_linear")), field(root, "output_fraction").intValue(),
                dense(field(root, "decoder")), field(root, "logit_fraction").intValue(), longs(field(root, "calibrated_max")));
    }

    private static QuantDense dense(JsonNode n) {
        return new QuantDense(field(n, "outputs").intValue(), field(n, "inputs").intValue(), ints(field(n, "weights")),
                field(n, "weight_fraction").intValue(), ints(field(n, "bias")));
    }

    private static QuantS4D s4d(JsonNode n) {
        return new QuantS4D(field(n, "channels").intValue(), field(n, "modes").intValue(),
                ints(field(n, "a_re")), ints(field(n, "a_im")), field(n, "exp_a").intValue(),
                ints(field(n, "b_re")), ints(field(n, "b_im")), field(n, "exp_b").intValue(),
                ints(field(n, "c_re")), ints(field(n, "c_im")), field(n, "exp_c").intValue(),
                ints(field(n, "d")), field(n, "exp_d").intValue());
    }

    private static Sequence sequence(JsonNode s) {
        JsonNode in = field(s, "inputs");
        float[][] inputs = new float[in.size()][];
        for (int t = 0; t < inputs.length; t++) {
            inputs[t] = new float[in.get(t).size()];
            // The script writes only float32 values, so reading them as double and narrowing is exact.
            for (int i = 0; i < inputs[t].length; i++) inputs[t][i] = (float) in.get(t).get(i).doubleValue();
        }
        JsonNode tr = field(s, "trace");
        long[][] trace = new long[tr.size()][];
        for (int t = 0; t < trace.length; t++) trace[t] = longArray(tr.get(t));
        JsonNode l = field(s, "logits");
        double[] logits = new double[l.size()];
        for (int c = 0; c < logits.length; c++) logits[c] = l.get(c).doubleValue();
        return new Sequence(inputs, longArray(field(s, "z")), logits, field(s, "prediction").intValue(), trace,
                field(s, "tokens").longValue(), longs(field(s, "updates")), longs(field(s, "messages")),
                longs(field(s, "synops")), longs(field(s, "saturations")));
    }

    private static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) throw new IllegalArgumentException("golden case lacks field '" + name + "' in " + abbreviate(n));
        return v;
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).intValue();
        return v;
    }

    private static long[] longArray(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).longValue();
        return v;
    }

    /** A JSON object of integers, in file order. */
    private static Map<String, Long> longs(JsonNode o) {
        Map<String, Long> m = new LinkedHashMap<>();
        o.properties().forEach(e -> m.put(e.getKey(), e.getValue().longValue()));
        return m;
    }
}
