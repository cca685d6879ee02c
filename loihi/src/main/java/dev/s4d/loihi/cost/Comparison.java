package dev.s4d.loihi.cost;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;

/**
 * The modelled Loihi 2 figures beside (a) a CPU engine's measured time per token on this machine and
 * (b) the paper's published ratios (REFERENCE.md §1: Loihi 2 against the Jetson Orin Nano's recurrent
 * S4D, token by token). Every figure says what it is: modelled, measured, measured time × an assumed
 * power, or published. The CPU figure is one stream's time per token, so it is that engine's latency
 * and its single-stream throughput. The CPU energy is not measured: it is the measured time times an
 * ASSUMED power. The ratios of (a) and (b) are against different machines and are not the same claim.
 */
public final class Comparison {

    /**
     * A CPU power to use when none is measured: about 5 W per core of a server CPU (a 200-350 W part
     * with 40-64 cores is 4-6 W per core before memory and uncore) for the two vCPUs of this machine.
     * ASSUMED, an order of magnitude, not a measurement.
     */
    public static final double ASSUMED_CPU_WATTS = 10.0;

    /** The paper's ratios, Loihi 2 against the Jetson's recurrent S4D (REFERENCE.md §1). */
    public static final double PAPER_ENERGY_RATIO = 1000;
    public static final double PAPER_LATENCY_RATIO = 75;
    public static final double PAPER_THROUGHPUT_RATIO = 75;

    /** What a figure is. */
    public enum Basis {
        MODELLED("modelled"),
        MEASURED("measured"),
        MEASURED_TIME_ASSUMED_POWER("measured time × assumed power"),
        PUBLISHED("published");

        private final String label;

        Basis(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One quantity on both machines.
     *
     * @param loihi      the modelled Loihi 2 figure
     * @param cpu        the CPU figure
     * @param cpuBasis   how the CPU figure was obtained
     * @param advantage  how many times better Loihi 2 is (lower time or energy, higher throughput), modelled vs CPU
     * @param paperRatio the paper's published advantage of Loihi 2 over the Jetson for this quantity
     */
    public record Row(String quantity, String unit, double loihi, double cpu, Basis cpuBasis,
                      double advantage, double paperRatio) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String cpuEngine;
    private final double cpuWatts;
    private final List<Row> rows;

    private Comparison(String cpuEngine, double cpuWatts, List<Row> rows) {
        this.cpuEngine = cpuEngine;
        this.cpuWatts = cpuWatts;
        this.rows = rows;
    }

    /**
     * @param cpuEngine     what was measured, e.g. "s4d-java recurrent, 1 stream, 1 thread"
     * @param cpuUsPerToken measured time per token of one stream on the CPU
     * @param cpuWatts      the power to charge that time with (for example {@link #ASSUMED_CPU_WATTS})
     */
    public static Comparison of(CostReport report, String cpuEngine, double cpuUsPerToken, double cpuWatts) {
        if (cpuEngine == null || cpuEngine.isBlank()) throw new IllegalArgumentException("name the measured CPU engine");
        requirePositive("CPU time per token (µs)", cpuUsPerToken);
        requirePositive("CPU power (W)", cpuWatts);
        double cpuUj = cpuUsPerToken * cpuWatts; // µs × W = µJ
        double cpuTokensPerS = 1e6 / cpuUsPerToken;
        return new Comparison(cpuEngine, cpuWatts, List.of(
                new Row("latency", "µs/token", report.latencyUs(), cpuUsPerToken, Basis.MEASURED,
                        cpuUsPerToken / report.latencyUs(), PAPER_LATENCY_RATIO),
                new Row("throughput", "tokens/s", report.tokensPerS(), cpuTokensPerS, Basis.MEASURED,
                        report.tokensPerS() / cpuTokensPerS, PAPER_THROUGHPUT_RATIO),
                new Row("energy", "µJ/token", report.energyUjPerToken(), cpuUj, Basis.MEASURED_TIME_ASSUMED_POWER,
                        cpuUj / report.energyUjPerToken(), PAPER_ENERGY_RATIO)));
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException(name + " must be a positive finite number, got " + v);
    }

    public List<Row> rows() {
        return rows;
    }

    public String cpuEngine() {
        return cpuEngine;
    }

    public double cpuWatts() {
        return cpuWatts;
    }

    /** A Markdown table, each figure marked with what it is. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder(
                "| quantity | Loihi 2 (modelled) | CPU: " + cpuEngine.replace("|", "\\|")
                        + " | Loihi 2 advantage (modelled vs CPU) | paper: Loihi 2 vs Jetson (published) |\n"
                        + "|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s %s | %s %s (%s) | %sx | %sx |%n", r.quantity(),
                    fmt(r.loihi()), r.unit(), fmt(r.cpu()), r.unit(), r.cpuBasis().label(), fmt(r.advantage()), fmt(r.paperRatio())));
        }
        sb.append(String.format(Locale.ROOT, "%nCPU power %s W is assumed, not measured; the paper's ratios compare other machines.%n", fmt(cpuWatts)));
        return sb.toString();
    }

    public ObjectNode toJsonNode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("cpu_engine", cpuEngine);
        n.put("cpu_watts_assumed", cpuWatts);
        ArrayNode a = n.putArray("rows");
        for (Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("quantity", r.quantity());
            o.put("unit", r.unit());
            o.put("loihi", r.loihi());
            o.put("loihi_basis", Basis.MODELLED.label());
            o.put("cpu", r.cpu());
            o.put("cpu_basis", r.cpuBasis().label());
            o.put("advantage", r.advantage());
            o.put("paper_ratio", r.paperRatio());
            o.put("paper_ratio_basis", Basis.PUBLISHED.label() + ", against the Jetson Orin Nano's recurrent S4D");
        }
        return n;
    }

    private static String fmt(double v) {
        return CostConstants.format(v, 4);
    }
}
