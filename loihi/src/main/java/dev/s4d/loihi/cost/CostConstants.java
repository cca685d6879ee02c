package dev.s4d.loihi.cost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.io.ModelFileException;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every per-operation time and energy constant of the cost model, in one table. Each entry has a value,
 * a unit, a {@link Kind} and the source it comes from. {@link #loihi2()} gives the defaults built from
 * REFERENCE.md §3; {@link #load(Path)} overrides any of them from a JSON file and
 * {@link #toMarkdown()} prints the table for the docs.
 *
 * <p>How the defaults are chosen. No per-operation figure of Loihi 2 is published. Loihi 1 has two
 * sets: Davies et al. 2018 (IEEE Micro, Table 1, pre-silicon at 0.75 V; second-hand in REFERENCE.md)
 * and the figures SANA-FE fitted to measurements of the chip (its {@code arch/loihi.yaml}). Where both
 * give a figure this table takes the larger, so every Loihi 1 base is the slower and costlier one.
 * Loihi 2 times are those bases divided by the speed-ups of Intel's Loihi 2 brief (neuron update 2x,
 * synaptic operation 5x, spike generation 10x): DERIVED. Loihi 2 energies are the Loihi 1 bases
 * unchanged, an upper bound (a newer process and the brief's claims point lower): ASSUMED.
 */
public final class CostConstants {

    /** Where a value comes from. */
    public enum Kind {
        /** A published figure of real silicon (or its published characterisation), taken as given. */
        MEASURED,
        /** Computed from published figures by a stated rule. */
        DERIVED,
        /** Our choice, with its reason in the source text. */
        ASSUMED;

        /** The lower-case name used in JSON. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One entry of the table. */
    public record Constant(String key, double value, String unit, Kind kind, String source) {
    }

    public static final String SYNOP_NS = "synop_ns";
    public static final String NEURON_UPDATE_NS = "neuron_update_ns";
    public static final String SPIKE_NS = "spike_ns";
    public static final String S4D_UPDATE_FACTOR = "s4d_update_factor";
    public static final String BARRIER_NS = "barrier_ns";
    public static final String SYNOP_PJ = "synop_pj";
    public static final String NEURON_UPDATE_PJ = "neuron_update_pj";
    public static final String SPIKE_PJ = "spike_pj";
    public static final String HOP_PJ = "hop_pj";
    public static final String HOPS_PER_MESSAGE = "hops_per_message";
    public static final String STATIC_W = "static_w";

    // Loihi 2 speed-ups over Loihi 1 (Intel's Loihi 2 technology brief).
    private static final double SPEEDUP_NEURON = 2;
    private static final double SPEEDUP_SYNOP = 5;
    private static final double SPEEDUP_SPIKE = 10;

    private static final String DAVIES = "Davies et al. 2018, IEEE Micro, Table 1, pre-silicon";
    private static final String SANA_FE = "SANA-FE arch/loihi.yaml, fit to Loihi 1 measurements";
    private static final String BRIEF = "Intel Loihi 2 brief";
    private static final String KEPT = "; kept for Loihi 2 as an upper bound: no Loihi 2 per-op energy is published";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Constant> table;

    private CostConstants(Map<String, Constant> table) {
        this.table = Collections.unmodifiableMap(table);
    }

    /** The defaults: Loihi 2 figures derived or assumed from REFERENCE.md §3 as described above. */
    public static CostConstants loihi2() {
        Map<String, Constant> t = new LinkedHashMap<>();
        Loihi1 synop = new Loihi1(3.5, 4.0);
        put(t, SYNOP_NS, synop.larger() / SPEEDUP_SYNOP, "ns per synaptic op", Kind.DERIVED,
                synop.text("ns") + ", / " + format(SPEEDUP_SYNOP) + " (" + BRIEF + ": synaptic ops 5x faster)");
        Loihi1 update = new Loihi1(8.4, 9.7);
        put(t, NEURON_UPDATE_NS, update.larger() / SPEEDUP_NEURON, "ns per neuron update", Kind.DERIVED,
                update.text("ns") + " per active update, / " + format(SPEEDUP_NEURON)
                        + " (" + BRIEF + ": neuron updates 2x faster); every neuron is taken as active");
        double spikeNs = 7.6;
        put(t, SPIKE_NS, spikeNs / SPEEDUP_SPIKE, "ns per message sent", Kind.DERIVED,
                "Loihi 1 " + format(spikeNs) + " ns per spike sent (" + SANA_FE + ", axon out), / " + format(SPEEDUP_SPIKE)
                        + " (" + BRIEF + ": spike generation 10x faster)");
        put(t, S4D_UPDATE_FACTOR, 4, "x simple update (time and energy)", Kind.ASSUMED,
                "an S4D update (docs/LOIHI_ARITHMETIC.md step 4) does 8 multiply-shifts and about 6 adds; the LIF update "
                        + "behind the per-update figures does about 2 multiply-shifts (current and voltage decay) and 3 adds");
        put(t, BARRIER_NS, 200, "ns per step", Kind.ASSUMED,
                BRIEF + ": chip-wide steps under 200 ns possible; the whole bound taken as the barrier for any core count "
                        + "(Loihi 1: 113-465 ns for 1-32 tiles, " + DAVIES + "; 299 ns global, " + SANA_FE + ")");
        Loihi1 synopEnergy = new Loihi1(23.6, 35.5);
        put(t, SYNOP_PJ, synopEnergy.larger(), "pJ per synaptic op", Kind.ASSUMED, synopEnergy.text("pJ") + KEPT);
        Loihi1 updateEnergy = new Loihi1(81, 72.8);
        put(t, NEURON_UPDATE_PJ, updateEnergy.larger(), "pJ per neuron update", Kind.ASSUMED,
                updateEnergy.text("pJ") + " per active update" + KEPT);
        Loihi1 spikeEnergy = new Loihi1(1.7, 76.8);
        put(t, SPIKE_PJ, spikeEnergy.larger(), "pJ per message sent", Kind.ASSUMED,
                spikeEnergy.text("pJ") + " (Davies: a spike within a tile; SANA-FE: a spike sent, axon out, with the "
                        + "delivery within the tile folded in)" + KEPT);
        double eastWest = 3.0;
        double northSouth = 4.2;
        put(t, HOP_PJ, Math.max(eastWest, northSouth), "pJ per tile hop", Kind.ASSUMED,
                "Loihi 1: the larger of " + format(eastWest) + " pJ east-west and " + format(northSouth) + " pJ north-south ("
                        + DAVIES + ", as copied in SANA-FE; REFERENCE.md: 3.0-4.0)" + KEPT);
        put(t, HOPS_PER_MESSAGE, 2, "tile hops per message", Kind.ASSUMED,
                "consecutive groups sit on consecutive cores, 4 to a tile (Loihi 1's 128 cores in 32 tiles), so most "
                        + "messages stay within a tile or cross to a neighbour; 2 also covers a message multicast to a split group");
        put(t, STATIC_W, 0.28, "W", Kind.MEASURED,
                "Loihi 2 single-chip board static power 0.23-0.28 W (Lava PilotNet benchmarks); the upper figure, "
                        + "attributed in full to the model");
        return new CostConstants(t);
    }

    /** A Loihi 1 figure as Davies et al. and SANA-FE give it; the larger is the conservative base. */
    private record Loihi1(double davies, double sanaFe) {
        double larger() {
            return Math.max(davies, sanaFe);
        }

        String text(String unit) {
            return "Loihi 1: the larger of " + format(davies) + " " + unit + " (" + DAVIES + ") and "
                    + format(sanaFe) + " " + unit + " (" + SANA_FE + ")";
        }
    }

    private static void put(Map<String, Constant> t, String key, double value, String unit, Kind kind, String source) {
        t.put(key, new Constant(key, value, unit, kind, source));
    }

    /** The defaults with the entries of a JSON file replaced (see {@link #withOverrides}). */
    public static CostConstants load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFileException(file, "cost constants file not found");
        JsonNode node;
        try {
            node = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new ModelFileException(file, "not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        try {
            return loihi2().withOverrides(node, file.toString());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage());
        }
    }

    /**
     * These constants with some replaced. {@code json} is an object whose keys are entries of the table
     * and whose values are either a number or an object {@code {"value": number, "kind": "measured" |
     * "derived" | "assumed", "source": text}} with kind and source optional. A bare number, or an object
     * without them, makes the entry ASSUMED with the source "set in {@code origin}".
     */
    public CostConstants withOverrides(JsonNode json, String origin) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("expected a JSON object of cost constants with keys among " + table.keySet());
        }
        Map<String, Constant> t = new LinkedHashMap<>(table);
        for (var e : json.properties()) {
            String key = e.getKey();
            Constant old = requireKey(key);
            JsonNode v = e.getValue();
            Kind kind = Kind.ASSUMED;
            String source = "set in " + origin;
            JsonNode number = v;
            if (v.isObject()) {
                for (var f : v.properties()) {
                    if (!List.of("value", "kind", "source").contains(f.getKey())) {
                        throw new IllegalArgumentException("'" + key + "': unknown field '" + f.getKey() + "', expected value, kind, source");
                    }
                }
                number = v.get("value");
                if (v.has("kind")) kind = parseKind(key, v.get("kind"));
                if (v.has("source")) {
                    if (!v.get("source").isTextual()) throw new IllegalArgumentException("'" + key + "': source must be text");
                    source = v.get("source").asText();
                }
            }
            if (number == null || !number.isNumber()) {
                throw new IllegalArgumentException("'" + key + "' must be a number (" + old.unit() + ") or an object with a numeric 'value', got " + v);
            }
            t.put(key, checked(new Constant(key, number.asDouble(), old.unit(), kind, source)));
        }
        return new CostConstants(t);
    }

    /** These constants with one entry replaced. */
    public CostConstants with(String key, double value, Kind kind, String source) {
        Constant old = requireKey(key);
        if (kind == null || source == null) throw new IllegalArgumentException("'" + key + "': kind and source must not be null");
        Map<String, Constant> t = new LinkedHashMap<>(table);
        t.put(key, checked(new Constant(key, value, old.unit(), kind, source)));
        return new CostConstants(t);
    }

    private Constant requireKey(String key) {
        Constant c = table.get(key);
        if (c == null) throw new IllegalArgumentException("unknown cost constant '" + key + "', expected one of " + table.keySet());
        return c;
    }

    private static Constant checked(Constant c) {
        if (!(c.value() > 0) || Double.isInfinite(c.value())) {
            throw new IllegalArgumentException("'" + c.key() + "' must be a positive finite number (" + c.unit() + "), got " + c.value());
        }
        return c;
    }

    private static Kind parseKind(String key, JsonNode node) {
        if (node.isTextual()) {
            for (Kind k : Kind.values()) if (k.id().equalsIgnoreCase(node.asText())) return k;
        }
        throw new IllegalArgumentException("'" + key + "': kind must be measured, derived or assumed, got " + node);
    }

    /** The entries in table order. */
    public List<Constant> entries() {
        return new ArrayList<>(table.values());
    }

    public Constant entry(String key) {
        return requireKey(key);
    }

    public double value(String key) {
        return requireKey(key).value();
    }

    public double synopNs() {
        return value(SYNOP_NS);
    }

    public double neuronUpdateNs() {
        return value(NEURON_UPDATE_NS);
    }

    public double spikeNs() {
        return value(SPIKE_NS);
    }

    public double s4dUpdateFactor() {
        return value(S4D_UPDATE_FACTOR);
    }

    public double barrierNs() {
        return value(BARRIER_NS);
    }

    public double synopPj() {
        return value(SYNOP_PJ);
    }

    public double neuronUpdatePj() {
        return value(NEURON_UPDATE_PJ);
    }

    public double spikePj() {
        return value(SPIKE_PJ);
    }

    public double hopPj() {
        return value(HOP_PJ);
    }

    public double hopsPerMessage() {
        return value(HOPS_PER_MESSAGE);
    }

    public double staticW() {
        return value(STATIC_W);
    }

    /** The table as Markdown: key, value, unit, kind, source. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder("| constant | value | unit | kind | source |\n|---|---|---|---|---|\n");
        for (Constant c : table.values()) {
            sb.append("| `").append(c.key()).append("` | ").append(format(c.value())).append(" | ").append(c.unit())
                    .append(" | ").append(c.kind().id()).append(" | ").append(c.source().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    /** A value to six significant digits without trailing zeros (7.6 / 10 prints as 0.76). */
    static String format(double v) {
        return format(v, 6);
    }

    static String format(double v, int digits) {
        return new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
    }
}
