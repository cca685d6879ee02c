package dev.s4d.engine;

import dev.s4d.model.ModelConfig;
import java.util.BitSet;

/**
 * Independent token streams through one engine: what every engine's streams have in common (stream
 * ids, tokens seen, argument checks, closing), so the float {@link Streams} and the chip's integer
 * streams differ only in the state they keep and how a token moves it.
 *
 * <p>A step feeds one token to each of some streams and returns their logits for everything seen so
 * far, so a caller has a prediction after every token. Not thread-safe: one caller steps a set of
 * streams at a time (an engine may spread a large step over its own threads).
 */
public abstract class TokenStreams implements AutoCloseable {
    private final ModelConfig config;
    private final int count;
    private final long[] seen;
    private final int[] all;
    private boolean closed;

    protected TokenStreams(ModelConfig config, int count) {
        this.config = config;
        this.count = count;
        this.seen = new long[count];
        this.all = new int[count];
        for (int i = 0; i < count; i++) all[i] = i;
    }

    /** The architecture of the model the streams run. */
    public final ModelConfig config() {
        return config;
    }

    public final int count() {
        return count;
    }

    /** Tokens fed to a stream since it was opened, reset or restored (a restored stream carries its snapshot's count). */
    public final long tokensSeen(int stream) {
        checkStream(stream);
        return seen[stream];
    }

    /**
     * Feeds one token to every stream.
     *
     * @param tokens count × d_input
     * @param logits count × classes; overwritten
     */
    public final void stepAll(float[] tokens, float[] logits) {
        int d = config.dInput();
        int k = config.nClasses();
        if (tokens.length != (long) count * d) {
            throw new IllegalArgumentException("tokens holds " + tokens.length + " values, expected " + count + " streams × d_input " + d);
        }
        if (logits.length != (long) count * k) {
            throw new IllegalArgumentException("logits holds " + logits.length + " values, expected " + count + " streams × classes " + k);
        }
        step(all, count, tokens, logits);
    }

    /** Feeds one token (d_input values) to one stream and returns its logits. */
    public final float[] step(int stream, float[] token) {
        checkStream(stream);
        if (token.length != config.dInput()) {
            throw new IllegalArgumentException("token has " + token.length + " values, expected d_input " + config.dInput());
        }
        float[] logits = new float[config.nClasses()];
        step(new int[]{stream}, 1, token, logits);
        return logits;
    }

    /**
     * Feeds one token each to the streams {@code ids[0..n)} (distinct). Every argument is checked before
     * any stream moves: a refused step changes nothing.
     *
     * @param tokens at least n × d_input, row r for stream ids[r]
     * @param logits at least n × classes; overwritten
     */
    public final void step(int[] ids, int n, float[] tokens, float[] logits) {
        checkOpen();
        int d = config.dInput();
        int k = config.nClasses();
        if (n < 0 || n > ids.length) throw new IllegalArgumentException("n=" + n + " but " + ids.length + " ids given");
        if (tokens.length < (long) n * d) {
            throw new IllegalArgumentException("tokens holds " + tokens.length + " values, expected " + n + " streams × d_input " + d);
        }
        if (logits.length < (long) n * k) {
            throw new IllegalArgumentException("logits holds " + logits.length + " values, expected " + n + " streams × classes " + k);
        }
        BitSet used = new BitSet(count);
        for (int r = 0; r < n; r++) {
            checkStream(ids[r]);
            if (used.get(ids[r])) throw new IllegalArgumentException("stream " + ids[r] + " appears twice in one step");
            used.set(ids[r]);
        }
        for (int i = 0; i < n * d; i++) {
            if (!Float.isFinite(tokens[i])) {
                throw new IllegalArgumentException("input feature " + i % d + " of stream " + ids[i / d] + " is " + tokens[i]
                        + "; inputs must be finite");
            }
        }
        stepChecked(ids, n, tokens, logits);
    }

    /**
     * Moves the streams {@code ids[0..n)} by one token each, with arguments already checked by
     * {@link #step(int[], int, float[], float[])}; calls {@link #countToken} once per stream.
     */
    protected abstract void stepChecked(int[] ids, int n, float[] tokens, float[] logits);

    /** Counts one more token for a stream and returns its new count. */
    protected final long countToken(int stream) {
        return ++seen[stream];
    }

    /** Returns one stream to the zero state, as if just opened. */
    public final void reset(int stream) {
        checkOpen();
        checkStream(stream);
        clearState(stream);
        seen[stream] = 0;
    }

    /** Zeroes everything the engine keeps for one stream. */
    protected abstract void clearState(int stream);

    /** The complete state of one stream as bytes, to persist or move it. */
    public abstract byte[] snapshot(int stream);

    /**
     * Replaces one stream's state with a {@link #snapshot} taken from a stream of the same model; a
     * refused snapshot leaves the stream untouched.
     */
    public abstract void restore(int stream, byte[] snapshot);

    /** Sets a stream's token count from a restored snapshot (checked non-negative by the caller). */
    protected final void restoreTokens(int stream, long tokens) {
        seen[stream] = tokens;
    }

    protected final void checkStream(int stream) {
        if (stream < 0 || stream >= count) {
            throw new IndexOutOfBoundsException("stream " + stream + " does not exist; streams are 0.." + (count - 1));
        }
    }

    protected final void checkOpen() {
        if (closed) throw new IllegalStateException("streams are closed");
    }

    /** Releases the streams' state; further use fails. Closing twice does nothing. */
    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        release();
    }

    /** Frees what the engine holds for these streams (threads, state arrays). Called once. */
    protected abstract void release();
}
