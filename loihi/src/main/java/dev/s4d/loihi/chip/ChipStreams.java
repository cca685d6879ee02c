package dev.s4d.loihi.chip;

import dev.s4d.engine.TokenStreams;
import dev.s4d.engine.Workers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * Token streams through one {@link FixedPointEngine}: each stream keeps its own S4D integer states,
 * class-neuron integers z and, with sigma-delta, what every sender last sent.
 *
 * <p>Large steps are split into fixed contiguous slices of streams, one per worker, each with its own
 * counters; since every stream's integers depend on nothing else, results and counters are the same
 * for any number of threads.
 */
public final class ChipStreams extends TokenStreams {
    private static final int SNAPSHOT_MAGIC = 0x51443453; // "S4DQ" little-endian
    private static final int SNAPSHOT_VERSION = 1;
    /** magic, version, fingerprint, sigma-delta flag, tokens seen. */
    private static final int SNAPSHOT_HEADER = 4 + 4 + 8 + 4 + 8;

    private final FixedPointEngine engine;
    /** Per block, [stream][channel][mode] real and imaginary S4D states. */
    final int[][] re;
    final int[][] im;
    /** [stream][class]: the class neurons' integers. */
    final long[] z;
    /** Per neuron group, [stream][neuron] value last sent (sigma-delta senders only, else null). */
    final int[][] lastSent;
    private final TokenPass[] passes;
    private final ForkJoinPool pool;

    ChipStreams(FixedPointEngine engine, int count) {
        super(engine.config, count);
        this.engine = engine;
        int blocks = engine.blocks.length;
        int modeNeurons = count * engine.config.dModel() * engine.config.modes(); // checked by FixedPointEngine.open
        re = new int[blocks][modeNeurons];
        im = new int[blocks][modeNeurons];
        z = new long[count * engine.config.nClasses()];
        lastSent = new int[engine.groupSize.length][];
        if (engine.options().sigmaDelta()) {
            for (ChipTopology.SynapseGroup s : engine.topology().synapseGroups()) {
                lastSent[s.source().index()] = new int[count * s.source().size()];
            }
        }
        int threads = engine.options().threads();
        passes = new TokenPass[threads];
        for (int w = 0; w < threads; w++) passes[w] = new TokenPass(engine);
        pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    @Override
    protected void stepChecked(int[] ids, int n, float[] tokens, float[] logits) {
        int workers = Math.min(passes.length, n);
        if (workers <= 1) {
            runSlice(passes[0], ids, 0, n, tokens, logits);
            return;
        }
        // Fixed contiguous slices: worker w always gets the same streams for the same n.
        Workers.runAll(pool, workers, w -> runSlice(passes[w], ids, (int) ((long) n * w / workers),
                (int) ((long) n * (w + 1) / workers), tokens, logits), "stepping chip streams");
    }

    private void runSlice(TokenPass pass, int[] ids, int from, int to, float[] tokens, float[] logits) {
        int d = engine.config.dInput();
        int k = engine.config.nClasses();
        for (int r = from; r < to; r++) {
            pass.run(this, ids[r], tokens, r * d);
            countToken(ids[r]);
            writeLogits(ids[r], logits, r * k);
        }
    }

    /**
     * The real logits of everything a stream has seen (all 0 before its first token): z·2^(−f_z)/T
     * for mean readout, z·2^(−f_acc) for last-token readout, computed in double and rounded once to
     * float. {@link #step} returns the same values.
     */
    public float[] logits(int stream) {
        checkOpen();
        checkStream(stream);
        float[] out = new float[engine.config.nClasses()];
        writeLogits(stream, out, 0);
        return out;
    }

    /** See {@link #logits(int)}: the scaling by a power of two is exact in double; only the division by T and the float round. */
    private void writeLogits(int stream, float[] out, int off) {
        int k = engine.config.nClasses();
        int f = engine.logitFraction();
        long t = tokensSeen(stream);
        for (int c = 0; c < k; c++) {
            double v = Math.scalb((double) z[stream * k + c], -f);
            out[off + c] = (float) (engine.meanReadout ? (t == 0 ? 0 : v / t) : v);
        }
    }

    /** The class neurons' integers z of one stream (the integrator for mean readout, the accumulator for last). */
    public long[] rawLogits(int stream) {
        checkOpen();
        checkStream(stream);
        int k = engine.config.nClasses();
        return Arrays.copyOfRange(z, stream * k, (stream + 1) * k);
    }

    /** The predicted class: the argmax of z, ties to the lowest index. */
    public int prediction(int stream) {
        checkOpen();
        checkStream(stream);
        int k = engine.config.nClasses();
        int best = 0;
        for (int c = 1; c < k; c++) if (z[stream * k + c] > z[stream * k + best]) best = c;
        return best;
    }

    /** Counts of everything stepped since opening or {@link #clearCounters()}, summed over the workers. */
    public ChipCounters counters() {
        ChipCounters sum = new ChipCounters(engine.topology());
        for (TokenPass p : passes) sum.add(p.counters);
        return sum;
    }

    public void clearCounters() {
        for (TokenPass p : passes) p.counters.clear();
    }

    /** Zeroes one stream's integers; counters are not touched. */
    @Override
    protected void clearState(int stream) {
        int block = engine.config.dModel() * engine.config.modes();
        for (int l = 0; l < re.length; l++) {
            Arrays.fill(re[l], stream * block, (stream + 1) * block, 0);
            Arrays.fill(im[l], stream * block, (stream + 1) * block, 0);
        }
        int k = engine.config.nClasses();
        Arrays.fill(z, stream * k, (stream + 1) * k, 0);
        for (int g = 0; g < lastSent.length; g++) {
            if (lastSent[g] != null) Arrays.fill(lastSent[g], stream * engine.groupSize[g], (stream + 1) * engine.groupSize[g], 0);
        }
    }

    /** The complete state of one stream as bytes (little-endian): header, states, class integers, last sent values. */
    @Override
    public byte[] snapshot(int stream) {
        checkOpen();
        checkStream(stream);
        ByteBuffer b = ByteBuffer.allocate(snapshotSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(SNAPSHOT_MAGIC).putInt(SNAPSHOT_VERSION).putLong(engine.fingerprint)
                .putInt(engine.options().sigmaDelta() ? 1 : 0).putLong(tokensSeen(stream));
        int block = engine.config.dModel() * engine.config.modes();
        for (int l = 0; l < re.length; l++) {
            for (int j = 0; j < block; j++) b.putInt(re[l][stream * block + j]);
            for (int j = 0; j < block; j++) b.putInt(im[l][stream * block + j]);
        }
        int k = engine.config.nClasses();
        for (int c = 0; c < k; c++) b.putLong(z[stream * k + c]);
        for (int g = 0; g < lastSent.length; g++) {
            if (lastSent[g] == null) continue;
            int size = engine.groupSize[g];
            for (int j = 0; j < size; j++) b.putInt(lastSent[g][stream * size + j]);
        }
        return b.array();
    }

    /**
     * Replaces one stream's state with a {@link #snapshot} taken from a stream of the same model and
     * the same sigma-delta setting. A refused snapshot leaves the stream untouched.
     */
    @Override
    public void restore(int stream, byte[] snapshot) {
        checkOpen();
        checkStream(stream);
        if (snapshot.length < SNAPSHOT_HEADER) {
            throw new IllegalArgumentException("snapshot has " + snapshot.length + " bytes, too short for a chip stream snapshot");
        }
        ByteBuffer b = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        int version = b.getInt();
        if (magic != SNAPSHOT_MAGIC || version != SNAPSHOT_VERSION) {
            throw new IllegalArgumentException(String.format("not a chip stream snapshot: magic %08x version %d, expected %08x version %d",
                    magic, version, SNAPSHOT_MAGIC, SNAPSHOT_VERSION));
        }
        if (b.getLong() != engine.fingerprint) {
            throw new IllegalArgumentException("snapshot was taken from a different quantised model (fingerprint differs)");
        }
        int sigmaDelta = b.getInt();
        boolean ours = engine.options().sigmaDelta();
        if (sigmaDelta != (ours ? 1 : 0)) {
            throw new IllegalArgumentException("snapshot was taken " + (sigmaDelta == 1 ? "with" : "without")
                    + " sigma-delta messages, but these streams run " + (ours ? "with" : "without") + " them");
        }
        if (snapshot.length != snapshotSize()) {
            throw new IllegalArgumentException("snapshot has " + snapshot.length + " bytes, expected " + snapshotSize() + " for this model");
        }
        long tokens = b.getLong();
        if (tokens < 0) throw new IllegalArgumentException("snapshot token count is negative: " + tokens);
        int block = engine.config.dModel() * engine.config.modes();
        int[][] newRe = new int[re.length][];
        int[][] newIm = new int[re.length][];
        for (int l = 0; l < re.length; l++) {
            newRe[l] = readInts(b, block, engine.state, "an S4D state");
            newIm[l] = readInts(b, block, engine.state, "an S4D state");
        }
        int k = engine.config.nClasses();
        Bound zBound = engine.meanReadout ? engine.state : engine.accumulator;
        long[] newZ = new long[k];
        for (int c = 0; c < k; c++) {
            newZ[c] = b.getLong();
            if (!zBound.contains(newZ[c])) {
                throw new IllegalArgumentException("snapshot holds class value " + newZ[c] + ", outside " + zBound.bits() + " bits");
            }
        }
        int[][] newSent = new int[lastSent.length][];
        for (int g = 0; g < lastSent.length; g++) {
            if (lastSent[g] != null) newSent[g] = readInts(b, engine.groupSize[g], engine.payload, "a sent payload");
        }
        // Everything validated: only now is the stream overwritten.
        for (int l = 0; l < re.length; l++) {
            System.arraycopy(newRe[l], 0, re[l], stream * block, block);
            System.arraycopy(newIm[l], 0, im[l], stream * block, block);
        }
        System.arraycopy(newZ, 0, z, stream * k, k);
        for (int g = 0; g < lastSent.length; g++) {
            if (newSent[g] != null) System.arraycopy(newSent[g], 0, lastSent[g], stream * engine.groupSize[g], engine.groupSize[g]);
        }
        restoreTokens(stream, tokens);
    }

    private static int[] readInts(ByteBuffer b, int n, Bound width, String what) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getInt();
            if (!width.contains(out[i])) {
                throw new IllegalArgumentException("snapshot holds " + what + " " + out[i] + ", outside " + width.bits() + " bits");
            }
        }
        return out;
    }

    private int snapshotSize() {
        long size = SNAPSHOT_HEADER
                + (long) re.length * engine.config.dModel() * engine.config.modes() * 2 * Integer.BYTES
                + (long) engine.config.nClasses() * Long.BYTES;
        if (engine.options().sigmaDelta()) size += (long) engine.senderNeurons() * Integer.BYTES;
        return Math.toIntExact(size);
    }

    /** Stops the workers and releases the states. */
    @Override
    protected void release() {
        if (pool != null) pool.close();
        Arrays.fill(re, null);
        Arrays.fill(im, null);
    }
}
