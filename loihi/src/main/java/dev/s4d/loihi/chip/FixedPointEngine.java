package dev.s4d.loihi.chip;

import dev.s4d.kernel.Kernels;
import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;

import java.util.List;

/**
 * Runs a quantised model in the chip's integers, token by token, exactly as docs/LOIHI_ARITHMETIC.md
 * specifies: each token passes through all neuron groups in order. On the chip a token takes
 * {@link #latencySteps()} steps to fall through and a pipelined stream feeds one token per step;
 * that delay does not change any per-token result, so the engine does not model it.
 *
 * <p>Compile once, then {@link #open} independent {@link ChipStreams}. The engine holds no stream
 * state and is thread-safe. Compiling checks every mantissa against its width and every shift
 * against 64-bit arithmetic, so a stepped token can never leave a long.
 */
public final class FixedPointEngine {
    private final QuantizedModel model;
    private final ChipOptions options;
    private final ChipTopology topology;
    final ModelConfig config;
    final int inputFraction;
    final Bound payload;
    final Bound accumulator;
    final Bound state;
    final int inputGroup;
    final int inputSite;
    final ChipBlock[] blocks;
    final DenseSynapses output;
    final Shift outputShift;
    final int outGroup;
    final int outPayloadSite;
    final DenseSynapses decoder;
    final Shift poolShift;
    final int classStateSite;
    final boolean meanReadout;
    /** Per neuron group: size, and for senders their one outgoing synapse group, its fan-out and θ (at least 1). */
    final int[] groupSize;
    final int[] synapseOf;
    final int[] fanOut;
    final long[] threshold;
    final long fingerprint;
    /** Whether the hot loops run on the Vector API ({@link VectorLoops}); the integers are the same. */
    final boolean vector;

    private FixedPointEngine(QuantizedModel q, ChipOptions o, boolean vector) {
        this.model = q;
        this.vector = vector;
        this.options = o;
        this.config = q.model();
        this.topology = new ChipTopology(config);
        QuantConfig c = q.quant();
        int accumulatorMagnitude = c.accumulatorBits() - 1;
        inputFraction = q.inputFraction();
        payload = Bound.of(c.spikeBits(), c.overflow());
        accumulator = Bound.of(c.accumulatorBits(), c.overflow());
        state = Bound.of(c.stateBits(), c.overflow());
        inputGroup = topology.neuronGroup("input").index();
        inputSite = topology.siteIndex("input.payload");
        List<QuantBlock> qb = q.blocks();
        blocks = new ChipBlock[qb.size()];
        for (int i = 0; i < blocks.length; i++) {
            QuantBlock b = qb.get(i);
            String u = "u" + (i + 1);
            String s4d = "s4d" + (i + 1);
            String relu = "relu" + (i + 1);
            blocks[i] = new ChipBlock(
                    new DenseSynapses(i == 0 ? "encoder" : "mix" + i, u, b.input(), c, topology, vector),
                    Shift.checked(u + " payload", q.uShift(i), c.rounding(), accumulatorMagnitude),
                    topology.neuronGroup(u).index(), topology.siteIndex(u + ".payload"),
                    new S4DNeurons(s4d, b.s4d(), c, topology, vector), topology.neuronGroup(s4d).index(),
                    Shift.checked(relu + " payload", q.reluShift(i), c.rounding(), accumulatorMagnitude),
                    topology.neuronGroup(relu).index(), topology.siteIndex(relu + ".accumulator"),
                    topology.siteIndex(relu + ".payload"));
        }
        output = new DenseSynapses("mix" + blocks.length, "out", q.outputLinear(), c, topology, vector);
        outputShift = Shift.checked("out payload", q.outputShift(), c.rounding(), accumulatorMagnitude);
        outGroup = topology.neuronGroup("out").index();
        outPayloadSite = topology.siteIndex("out.payload");
        decoder = new DenseSynapses("decoder", "classes", q.decoder(), c, topology, vector);
        meanReadout = config.readout() == Readout.MEAN;
        poolShift = Shift.checked("mean readout", q.poolShift(), c.rounding(), accumulatorMagnitude);
        classStateSite = topology.siteIndex("classes.state");

        int groups = topology.neuronGroups().size();
        groupSize = new int[groups];
        synapseOf = new int[groups];
        fanOut = new int[groups];
        threshold = new long[groups];
        for (ChipTopology.NeuronGroup g : topology.neuronGroups()) groupSize[g.index()] = g.size();
        for (ChipTopology.SynapseGroup s : topology.synapseGroups()) {
            synapseOf[s.source().index()] = s.index();
            fanOut[s.source().index()] = s.fanOut();
            threshold[s.source().index()] = o.sigmaDelta() ? senderThreshold(q, o.threshold(), s.source().name()) : 1;
        }
        fingerprint = fingerprint(q);
    }

    /**
     * θ = ⌈threshold · m_q⌉ of one sender group, at least 1: a change of 0 is never a message. Capped
     * at 2^40, far above any payload change (below 2^31), where it already means "never send".
     */
    private static long senderThreshold(QuantizedModel q, double fraction, String group) {
        Long m = q.calibratedMax().get(group);
        if (m == null) {
            throw new IllegalArgumentException("sigma-delta needs the calibrated magnitude of sender group '" + group
                    + "', but the quantised model only has " + q.calibratedMax().keySet());
        }
        if (m < 0) throw new IllegalArgumentException("calibrated magnitude of '" + group + "' is negative: " + m);
        double theta = Math.ceil(fraction * m);
        return (long) Math.max(1, Math.min(theta, 0x1p40));
    }

    /** Compiles a quantised model; fails with a message naming the part that does not fit its width. */
    public static FixedPointEngine compile(QuantizedModel q, ChipOptions options) {
        return compile(q, options, vectorLoopsAvailable());
    }

    /**
     * Whether the project's kernels run on the Vector API (jdk.incubator.vector present and not
     * switched off with {@code -Ds4d.kernels=scalar}) and the platform has at least 4 long lanes.
     * Checked in that order, so {@link VectorLoops} is only initialised where its module exists.
     */
    static boolean vectorLoopsAvailable() {
        return Kernels.best() != Kernels.scalar() && VectorLoops.lanes() >= 4;
    }

    /** Whether every block's S4D update takes split products in int lanes (for the tests of that path). */
    boolean splitProducts() {
        for (ChipBlock b : blocks) {
            if (!b.s4d().splitProducts) return false;
        }
        return true;
    }

    /** As {@link #compile(QuantizedModel, ChipOptions)}, choosing vector or scalar loops (the same integers). */
    static FixedPointEngine compile(QuantizedModel q, ChipOptions options, boolean vector) {
        if (q == null) throw new IllegalArgumentException("no quantised model given");
        if (options == null) throw new IllegalArgumentException("no chip options given");
        return new FixedPointEngine(q, options, vector);
    }

    public ChipTopology topology() {
        return topology;
    }

    public QuantizedModel model() {
        return model;
    }

    public ChipOptions options() {
        return options;
    }

    /** Fall-through latency in algorithmic steps: one per synapse group, 3L + 2. */
    public int latencySteps() {
        return topology.latencySteps();
    }

    /** Opens {@code count} independent streams, all starting from the zero state. */
    public ChipStreams open(int count) {
        if (count < 1) throw new IllegalArgumentException("need at least one stream, got " + count);
        // States of one kind for all streams share one array: the largest must stay indexable.
        long largest = Math.max((long) config.dModel() * config.modes(), Math.max(config.dInput(), config.nClasses()));
        if (largest * count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " streams of " + largest + " states each exceed one array; open fewer streams");
        }
        return new ChipStreams(this, count);
    }

    /**
     * Bytes of state one stream holds: the S4D states (two ints per mode neuron), the class neurons'
     * integers, the token count and, with sigma-delta, the last value sent by every sender neuron.
     */
    public long stateBytesPerStream() {
        long bytes = (long) blocks.length * config.dModel() * config.modes() * 2 * Integer.BYTES
                + (long) config.nClasses() * Long.BYTES + Long.BYTES;
        if (options.sigmaDelta()) bytes += (long) senderNeurons() * Integer.BYTES;
        return bytes;
    }

    /** Neurons in all sender groups (every group but the class neurons). */
    int senderNeurons() {
        int n = 0;
        for (ChipTopology.SynapseGroup s : topology.synapseGroups()) n += s.source().size();
        return n;
    }

    /** Logit format: f_z of the integrator (mean readout) or of the decoder's accumulator (last-token). */
    int logitFraction() {
        return meanReadout ? model.logitFraction() : model.decoderAccumulatorFraction();
    }

    /** Identifies the model's integers and formats, so a stream snapshot is never restored into another model. */
    private static long fingerprint(QuantizedModel q) {
        // Record strings, not hashCode(): enum hash codes change from one JVM run to the next.
        long h = q.model().toString().hashCode();
        h = mix(h, q.quant().toString().hashCode());
        h = mix(h, q.inputFraction());
        for (QuantBlock b : q.blocks()) {
            h = mix(h, b.input());
            h = mix(h, b.uFraction());
            QuantS4D s = b.s4d();
            for (int[] a : new int[][]{s.aRe(), s.aIm(), s.bRe(), s.bIm(), s.cRe(), s.cIm(), s.d()}) h = mix(h, a);
            for (int e : new int[]{s.expA(), s.expB(), s.expC(), s.expD(), b.stateFraction(), b.yFraction(), b.reluFraction()}) {
                h = mix(h, e);
            }
        }
        h = mix(h, q.outputLinear());
        h = mix(h, q.outputFraction());
        h = mix(h, q.decoder());
        return mix(h, q.logitFraction());
    }

    private static long mix(long h, QuantDense d) {
        return mix(mix(mix(mix(h, d.weights()), d.bias()), d.weightFraction()), d.outputs());
    }

    private static long mix(long h, int[] values) {
        for (int v : values) h = mix(h, v);
        return mix(h, values.length);
    }

    private static long mix(long h, int v) {
        return h * 1_000_003L + v;
    }
}
