package dev.s4d.engine;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Token streams through one {@link RecurrentEngine}: each stream keeps its own float S4D states and
 * pooling sum. Large steps are spread over the engine's threads in tiles of streams; use several
 * {@code Streams} for independent callers.
 */
public final class Streams extends TokenStreams {
    /** Streams processed together: enough rows to make the dense layers matrix-matrix products. */
    private static final int TILE = 64;
    private static final int SNAPSHOT_MAGIC = 0x53344453; // "S4DS"
    private static final int SNAPSHOT_VERSION = 1;

    private final RecurrentEngine engine;
    private final ModelConfig c;
    private final int block; // modes × H floats of state per stream and layer
    private final float[][] sRe;
    private final float[][] sIm;
    private final double[] poolSum;

    Streams(RecurrentEngine engine, int count) {
        super(engine.config, count);
        this.engine = engine;
        this.c = engine.config;
        this.block = c.modes() * c.dModel();
        int layers = c.nLayers();
        sRe = new float[layers][Math.multiplyExact(count, block)];
        sIm = new float[layers][count * block];
        poolSum = new double[count * c.dModel()];
    }

    @Override
    protected void stepChecked(int[] ids, int n, float[] tokens, float[] logits) {
        int tiles = (n + TILE - 1) / TILE;
        if (tiles == 1 || engine.pool == null) {
            Workspace ws = WORKSPACE.get();
            for (int t = 0; t < tiles; t++) stepTile(ids, t * TILE, Math.min(TILE, n - t * TILE), tokens, logits, ws);
            return;
        }
        runTiles(ids, n, tiles, tokens, logits);
    }

    private void runTiles(int[] ids, int n, int tiles, float[] tokens, float[] logits) {
        int workers = Math.min(tiles, engine.threads);
        Workers.runAll(engine.pool, workers, first -> {
            Workspace ws = WORKSPACE.get();
            for (int t = first; t < tiles; t += workers) stepTile(ids, t * TILE, Math.min(TILE, n - t * TILE), tokens, logits, ws);
        }, "stepping streams");
    }

    /** Per-thread buffers sized for one tile. */
    private static final class Workspace {
        float[] x = new float[0];
        float[] z;
        float[] y;
        float[] scratch = new float[0];

        void ensure(int width, int scratchWidth) {
            if (x.length < TILE * width) {
                x = new float[TILE * width];
                z = new float[TILE * width];
                y = new float[TILE * width];
            }
            if (scratch.length < TILE * scratchWidth) scratch = new float[TILE * scratchWidth];
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** One token for each of the streams ids[from .. from+rows). */
    private void stepTile(int[] ids, int from, int rows, float[] tokens, float[] logits, Workspace ws) {
        TokenwiseLayers tw = engine.tokenwise;
        int h = c.dModel();
        int m = c.modes();
        int d = c.dInput();
        int k = c.nClasses();
        ws.ensure(h, tw.scratchPerRow());
        tw.encode(tokens, from * d, rows, ws.x);
        for (int i = 0; i < c.nLayers(); i++) {
            tw.beforeMixing(i, ws.x, ws.z, rows);
            // Runs of consecutive stream ids share one kernel call (the usual case: stepAll).
            for (int r = 0; r < rows; ) {
                int start = ids[from + r];
                int run = 1;
                while (r + run < rows && ids[from + r + run] == start + run) run++;
                tw.kernels().diagonalStep(run, h, m, engine.aRe[i], engine.aIm[i], engine.cRe[i], engine.cIm[i], engine.d[i],
                        ws.z, r * h, sRe[i], sIm[i], start * block, ws.y, r * h);
                r += run;
            }
            tw.afterMixing(i, ws.y, ws.x, rows, ws.scratch);
        }
        for (int r = 0; r < rows; r++) {
            int s = ids[from + r];
            long seenNow = countToken(s);
            if (c.readout() == Readout.MEAN) {
                for (int j = 0; j < h; j++) {
                    double sum = poolSum[s * h + j] += ws.x[r * h + j];
                    ws.z[r * h + j] = (float) (sum / seenNow);
                }
            } else {
                System.arraycopy(ws.x, r * h, ws.z, r * h, h);
            }
        }
        tw.decode(ws.z, rows, logits, from * k);
    }

    @Override
    protected void clearState(int stream) {
        for (int i = 0; i < c.nLayers(); i++) {
            Arrays.fill(sRe[i], stream * block, (stream + 1) * block, 0f);
            Arrays.fill(sIm[i], stream * block, (stream + 1) * block, 0f);
        }
        Arrays.fill(poolSum, stream * c.dModel(), (stream + 1) * c.dModel(), 0.0);
    }

    /** The complete state of one stream as bytes (little-endian): header, states, pooling sum. */
    @Override
    public byte[] snapshot(int stream) {
        checkOpen();
        checkStream(stream);
        int h = c.dModel();
        ByteBuffer b = ByteBuffer.allocate(snapshotSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(SNAPSHOT_MAGIC).putInt(SNAPSHOT_VERSION).putLong(engine.fingerprint)
                .putInt(c.nLayers()).putInt(h).putInt(c.modes()).putLong(tokensSeen(stream));
        for (int i = 0; i < c.nLayers(); i++) {
            for (int j = 0; j < block; j++) b.putFloat(sRe[i][stream * block + j]);
            for (int j = 0; j < block; j++) b.putFloat(sIm[i][stream * block + j]);
        }
        for (int j = 0; j < h; j++) b.putDouble(poolSum[stream * h + j]);
        return b.array();
    }

    @Override
    public void restore(int stream, byte[] snapshot) {
        checkOpen();
        checkStream(stream);
        if (snapshot.length != snapshotSize()) {
            throw new IllegalArgumentException("snapshot has " + snapshot.length + " bytes, expected " + snapshotSize()
                    + " for this model (" + c.nLayers() + " layers, H=" + c.dModel() + ", N/2=" + c.modes() + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        int version = b.getInt();
        long fp = b.getLong();
        if (magic != SNAPSHOT_MAGIC || version != SNAPSHOT_VERSION) {
            throw new IllegalArgumentException(String.format("not a stream snapshot: magic %08x version %d, expected %08x version %d",
                    magic, version, SNAPSHOT_MAGIC, SNAPSHOT_VERSION));
        }
        if (fp != engine.fingerprint) {
            throw new IllegalArgumentException("snapshot was taken from a different model (parameter fingerprint differs)");
        }
        int layers = b.getInt();
        int h = b.getInt();
        int m = b.getInt();
        if (layers != c.nLayers() || h != c.dModel() || m != c.modes()) {
            throw new IllegalArgumentException("snapshot dimensions " + layers + "/" + h + "/" + m + " do not match the model");
        }
        long tokens = b.getLong();
        if (tokens < 0) throw new IllegalArgumentException("snapshot token count is negative: " + tokens);
        float[][] re = new float[layers][block];
        float[][] im = new float[layers][block];
        for (int i = 0; i < layers; i++) {
            for (int j = 0; j < block; j++) re[i][j] = finite(b.getFloat());
            for (int j = 0; j < block; j++) im[i][j] = finite(b.getFloat());
        }
        double[] sum = new double[h];
        for (int j = 0; j < h; j++) {
            sum[j] = b.getDouble();
            if (!Double.isFinite(sum[j])) throw new IllegalArgumentException("snapshot holds a non-finite pooling sum");
        }
        // Validated completely before anything is written: a bad snapshot leaves the stream untouched.
        for (int i = 0; i < layers; i++) {
            System.arraycopy(re[i], 0, sRe[i], stream * block, block);
            System.arraycopy(im[i], 0, sIm[i], stream * block, block);
        }
        System.arraycopy(sum, 0, poolSum, stream * h, h);
        restoreTokens(stream, tokens);
    }

    private static float finite(float v) {
        if (!Float.isFinite(v)) throw new IllegalArgumentException("snapshot holds a non-finite state value");
        return v;
    }

    private int snapshotSize() {
        return 4 + 4 + 8 + 12 + 8 + c.nLayers() * block * 2 * Float.BYTES + c.dModel() * Double.BYTES;
    }

    @Override
    protected void release() {
        for (int i = 0; i < sRe.length; i++) {
            sRe[i] = null;
            sIm[i] = null;
        }
    }
}
