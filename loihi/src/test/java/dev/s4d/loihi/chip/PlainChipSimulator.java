package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.Readout;

import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately plain second implementation of docs/LOIHI_ARITHMETIC.md that exists only to check the
 * fast engine. Unlike a token-wise pass it simulates the chip step by step: explicit synapse tables
 * built from {@link ChipTopology}, neuron groups with their own state, and in every algorithmic step
 * first the delivery of the messages sent in the previous step through the tables, then the update of
 * every group, which sends the messages for the next step.
 *
 * <p>Tokens are pipelined, one per step: a token fed at step t is processed by group k (in topology
 * order) at step t + k and by the class neurons at step t + {@link ChipTopology#latencySteps()}.
 * <b>Rule for partial pipelines:</b> every message packet carries the index of the token it was
 * computed from, and a group updates only in a step in which a packet (or, for the input group, a
 * token from the host) arrived. Between and after tokens, and while the pipeline drains, the groups
 * that have no token idle: their S4D states, integrators and sigma-delta memories stay as they are and
 * nothing is counted. So every group processes each token exactly once, in order; reading the result
 * of T tokens takes T + latencySteps steps.
 *
 * <p>All arithmetic is exact ({@link Math}{@code .*Exact} on longs, shifts and bounds on BigInteger), so
 * a model whose intermediates leave 64 bits fails loudly here instead of agreeing by accident.
 */
public final class PlainChipSimulator {
    private final QuantizedModel model;
    private final ChipTopology topology;
    private final boolean sigmaDelta;
    private final double threshold;
    private final List<PlainSynapseTable> tables = new ArrayList<>();

    /**
     * @param sigmaDelta send changes instead of values
     * @param threshold  the sigma-delta threshold as a fraction of each sender group's calibrated
     *                   magnitude (θ = ⌈threshold · calibratedMax⌉); ignored without sigma-delta
     */
    public PlainChipSimulator(QuantizedModel model, boolean sigmaDelta, double threshold) {
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be a finite fraction ≥ 0, got " + threshold);
        }
        this.model = model;
        this.topology = new ChipTopology(model.model());
        this.sigmaDelta = sigmaDelta;
        this.threshold = threshold;
        int modes = model.model().modes();
        for (ChipTopology.SynapseGroup g : topology.synapseGroups()) {
            PlainSynapseTable t = switch (g.kind()) {
                case DENSE -> PlainSynapseTable.dense(g, denseInto(g.target().name()));
                case FAN_OUT -> PlainSynapseTable.fanOut(g, modes);
                case FAN_IN -> PlainSynapseTable.fanIn(g, modes);
            };
            if (t.size() != g.synapses()) {
                throw new IllegalStateException(g.name() + " has " + t.size() + " table entries, the topology says " + g.synapses());
            }
            tables.add(t);
        }
    }

    public ChipTopology topology() {
        return topology;
    }

    /** The dense layer whose accumulator a u-, out- or class group receives. */
    private QuantDense denseInto(String target) {
        if (target.equals("out")) return model.outputLinear();
        if (target.equals("classes")) return model.decoder();
        return model.blocks().get(layerOf(target) - 1).input();
    }

    /** The 1-based block of a u-, s4d- or relu-group, from its topology name. */
    private static int layerOf(String groupName) {
        return Integer.parseInt(groupName.replaceFirst("^(u|s4d|relu)", ""));
    }

    /** θ of a sender group. */
    private long theta(String group) {
        if (!sigmaDelta) return 0;
        Long max = model.calibratedMax().get(group);
        if (max == null) {
            throw new IllegalArgumentException("sigma-delta needs the calibrated magnitude of group '" + group + "'; the model has "
                    + model.calibratedMax().keySet());
        }
        return (long) Math.ceil(threshold * max);
    }

    /**
     * What one sequence gives.
     *
     * @param z          the class neurons' integers after the last token
     * @param logits     their real values (the mean readout divided by the token count)
     * @param prediction the lowest index of the largest z
     * @param trace      z after every token, [token][class]
     * @param counters   everything counted over the sequence
     */
    public record Result(long[] z, double[] logits, int prediction, long[][] trace, ChipCounters counters) {
    }

    /** Runs a whole sequence from the zero state: T tokens, one per step, then the pipeline drains. */
    public Result run(float[][] sequence) {
        if (sequence.length == 0) throw new IllegalArgumentException("a sequence needs at least one token");
        Chip chip = start();
        for (float[] token : sequence) chip.step(token);
        while (chip.classTokens() < sequence.length) chip.step(null);
        if (chip.steps() != sequence.length + topology.latencySteps()) {
            throw new IllegalStateException("drained after " + chip.steps() + " steps, expected " + (sequence.length + topology.latencySteps()));
        }
        long[] z = chip.classValues();
        return new Result(z, logits(z, sequence.length), argmax(z), chip.classes.trace(), chip.counters);
    }

    /** Real logits of the class neurons' integers after {@code tokens} tokens. */
    public double[] logits(long[] z, int tokens) {
        boolean mean = model.model().readout() == Readout.MEAN;
        int fraction = mean ? model.logitFraction() : model.decoderAccumulatorFraction();
        double[] l = new double[z.length];
        for (int c = 0; c < z.length; c++) l[c] = mean ? Math.scalb((double) z[c], -fraction) / tokens : Math.scalb((double) z[c], -fraction);
        return l;
    }

    /** The lowest index of the largest value. */
    public static int argmax(long[] z) {
        int best = 0;
        for (int c = 1; c < z.length; c++) if (z[c] > z[best]) best = c;
        return best;
    }

    /** A fresh chip in the zero state, advanced one algorithmic step at a time. */
    public Chip start() {
        return new Chip();
    }

    /** One chip running one stream. */
    public final class Chip {
        private final ChipCounters counters = new ChipCounters(topology);
        private final PlainNeurons[] groups = new PlainNeurons[topology.neuronGroups().size()];
        private final PlainNeurons.Input input;
        private final PlainNeurons.Classes classes;
        private PlainNeurons.Packet[] sent = new PlainNeurons.Packet[groups.length];
        private int fed;
        private int steps;

        private Chip() {
            PlainArithmetic arithmetic = new PlainArithmetic(model.quant().rounding(), model.quant().overflow(), counters);
            var q = model.quant();
            for (ChipTopology.NeuronGroup g : topology.neuronGroups()) {
                String name = g.name();
                groups[g.index()] = switch (g.kind()) {
                    case INPUT -> new PlainNeurons.Input(g, arithmetic, q, counters, sigmaDelta, theta(name), model.inputFraction());
                    case RELAY -> new PlainNeurons.Relay(g, arithmetic, q, counters, sigmaDelta, theta(name), denseInto(name),
                            name.equals("out") ? model.outputShift() : model.uShift(layerOf(name) - 1));
                    case S4D -> new PlainNeurons.S4D(g, arithmetic, q, counters, sigmaDelta, theta(name),
                            block(name).s4d());
                    case RELU -> new PlainNeurons.Relu(g, arithmetic, q, counters, sigmaDelta, theta(name),
                            model.reluShift(layerOf(name) - 1));
                    case CLASS -> new PlainNeurons.Classes(g, arithmetic, q, counters, sigmaDelta, model.decoder(),
                            model.model().readout() == Readout.MEAN, model.poolShift());
                };
            }
            input = (PlainNeurons.Input) groups[0];
            classes = (PlainNeurons.Classes) groups[groups.length - 1];
        }

        private QuantBlock block(String groupName) {
            return model.blocks().get(layerOf(groupName) - 1);
        }

        /**
         * One algorithmic step: deliver last step's messages, feed {@code token} to the input neurons
         * (null: no new token this step), update every group that has a token to process.
         */
        public void step(float[] token) {
            for (PlainSynapseTable t : tables) {
                PlainNeurons.Packet p = sent[t.group().source().index()];
                if (p != null) groups[t.group().target().index()].receive(p, t);
            }
            if (token != null) {
                if (token.length != model.model().dInput()) {
                    throw new IllegalArgumentException("a token needs " + model.model().dInput() + " features, got " + token.length);
                }
                input.feed(fed++, token);
                counters.addTokens(1);
            }
            PlainNeurons.Packet[] next = new PlainNeurons.Packet[groups.length];
            for (PlainNeurons g : groups) next[g.group.index()] = g.update();
            sent = next;
            steps++;
        }

        /** Steps taken so far. */
        public int steps() {
            return steps;
        }

        /** Tokens whose logits the class neurons have computed. */
        public int classTokens() {
            return classes.tokens();
        }

        /** The class neurons' integers z now. */
        public long[] classValues() {
            return classes.values();
        }

        public ChipCounters counters() {
            return counters;
        }
    }
}
