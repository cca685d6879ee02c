package dev.s4d.cli;

import dev.s4d.engine.TokenStreams;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Routes parsed {@link LiveLine}s of one or more clients to the slots of one {@link TokenStreams}
 * and steps the engine. Each client names its own streams (client A's "left" is not client B's);
 * a slot is taken by a name's first token and freed by {@code close} or when its client goes.
 *
 * <p>Tokens gather into one pending step until the caller {@link #flush()}es, or until a stream
 * would take a second token (a stream takes one token per step) or a command needs the streams
 * up to date. So every stream sees its tokens in order and every client gets its predictions in the
 * order it sent the tokens. One thread uses a router at a time.
 */
final class LiveRouter {
    /** When predictions are printed: after every token, or once per sequence when it ends. */
    enum Emit { TOKEN, END }

    /** Statistics of a router's life so far; {@code streamsOpened} counts a stream again when a closed name comes back. */
    record Summary(long tokens, int streamsOpened, double p50Micros, double p99Micros, int timedSteps) {
    }

    /** How many recent step times the latency percentiles cover, so a session that runs for days keeps bounded memory. */
    static final int TIMED_STEPS = 1 << 16;

    private record Key(LiveOutput client, String name) {
    }

    private final TokenStreams streams;
    private final Emit emit;
    /** With {@link Emit#END}: each slot's logits after its latest token, printed when its sequence ends. */
    private final float[] latest;
    private final int d;
    private final int classes;
    private final Map<Key, Integer> slots = new HashMap<>();
    private final Map<LiveOutput, Set<String>> names = new IdentityHashMap<>();
    private final Deque<Integer> free = new ArrayDeque<>();
    private long streamsOpened;

    // The pending step: rows 0..pending, each a stream slot, its token, and whom to tell.
    private final int[] ids;
    private final Key[] keys;
    private final boolean[] inStep;
    private final float[] tokens;
    private final float[] logits;
    private int pending;

    /** The clients a step printed to, each flushed once after it; kept, not allocated per step. */
    private final Set<LiveOutput> told = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private final double[] stepMicros = new double[TIMED_STEPS];
    private long steps;
    private long stepped;

    LiveRouter(TokenStreams streams) {
        this(streams, Emit.TOKEN);
    }

    LiveRouter(TokenStreams streams, Emit emit) {
        this.streams = streams;
        this.emit = emit;
        this.d = streams.config().dInput();
        this.classes = streams.config().nClasses();
        int k = streams.count();
        for (int i = 0; i < k; i++) free.add(i);
        ids = new int[k];
        keys = new Key[k];
        inStep = new boolean[k];
        tokens = new float[k * d];
        logits = new float[k * classes];
        latest = emit == Emit.END ? new float[k * classes] : null;
    }

    /** Features per token the model reads (what {@link LiveLine#parse} needs). */
    int dInput() {
        return d;
    }

    /**
     * Takes one parsed line of {@code client}'s.
     *
     * @throws IllegalArgumentException for a token of a new stream when every slot is taken; nothing moves
     */
    void accept(LiveOutput client, LiveLine line) {
        switch (line.kind()) {
            case SKIP -> { }
            case TOKEN -> add(new Key(client, line.stream()), line.token());
            case RESET -> clear(new Key(client, line.stream()), false);
            case CLOSE -> clear(new Key(client, line.stream()), true);
        }
    }

    /**
     * Ends every stream of a client, after stepping its pending tokens: with {@link Emit#END} and
     * {@code tell}, each sequence's prediction is printed first (in name order) — at the end of the
     * input; a client that has gone cannot be told.
     */
    void closeAll(LiveOutput client, boolean tell) {
        Set<String> own = names.remove(client);
        if (own == null) return;
        flush();
        if (tell && emit == Emit.END) {
            for (String name : new java.util.TreeSet<>(own)) tellEnd(new Key(client, name), slots.get(new Key(client, name)));
            client.flush();
        }
        for (String name : own) {
            int slot = slots.remove(new Key(client, name));
            streams.reset(slot);
            free.add(slot);
        }
    }

    /**
     * The state of each of a client's open streams that has seen a token, by name in name order, after
     * stepping what is pending: what {@link #restore} takes to go on in a later session.
     */
    java.util.SortedMap<String, byte[]> snapshots(LiveOutput client) {
        flush();
        java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
        for (String name : names.getOrDefault(client, Set.of())) {
            int slot = slots.get(new Key(client, name));
            if (streams.tokensSeen(slot) > 0) out.put(name, streams.snapshot(slot));
        }
        return out;
    }

    /**
     * Opens a client's stream NAME with the state of a {@link #snapshots snapshot}, as if its earlier
     * tokens had come in this session.
     *
     * @throws IllegalArgumentException if the name is open already, no slot is free, or the engine
     *                                  refuses the snapshot (another model's); then nothing changes
     */
    void restore(LiveOutput client, String name, byte[] snapshot) {
        Key key = new Key(client, name);
        if (slots.containsKey(key)) throw new IllegalArgumentException("stream '" + name + "' is open already");
        int slot = open(key);
        try {
            streams.restore(slot, snapshot);
        } catch (IllegalArgumentException e) {
            slots.remove(key);
            names.get(client).remove(name);
            free.addFirst(slot);
            streamsOpened--;
            throw new IllegalArgumentException("stream '" + name + "': " + e.getMessage(), e);
        }
    }

    private int open(Key key) {
        if (free.isEmpty()) {
            throw new IllegalArgumentException("stream '" + key.name() + "' would be stream " + (streams.count() + 1)
                    + " but at most " + streams.count() + " are open (--streams); close one first ('NAME: close')");
        }
        int slot = free.poll();
        slots.put(key, slot);
        names.computeIfAbsent(key.client(), c -> new HashSet<>()).add(key.name());
        streamsOpened++;
        return slot;
    }

    private void add(Key key, float[] token) {
        Integer slot = slots.get(key);
        if (slot == null) slot = open(key);
        // A stream takes one token per step: a second token for it waits for the next step.
        if (inStep[slot]) flush();
        ids[pending] = slot;
        keys[pending] = key;
        inStep[slot] = true;
        System.arraycopy(token, 0, tokens, pending * d, d);
        pending++;
    }

    private void clear(Key key, boolean close) {
        Integer slot = slots.get(key);
        if (slot == null) return;  // never seen or already closed: its state is zero already
        // Earlier tokens of this stream must go through before its state is cleared.
        flush();
        if (emit == Emit.END) {
            tellEnd(key, slot);
            key.client().flush();
        }
        streams.reset(slot);
        if (close) {
            slots.remove(key);
            names.get(key.client()).remove(key.name());
            free.add(slot);
        }
    }

    /** Steps the pending tokens, if any, and hands each client its predictions. */
    void flush() {
        if (pending == 0) return;
        long t0 = System.nanoTime();
        streams.step(ids, pending, tokens, logits);
        stepMicros[(int) (steps++ % TIMED_STEPS)] = (System.nanoTime() - t0) / 1e3;
        for (int r = 0; r < pending; r++) {
            if (emit == Emit.TOKEN) {
                keys[r].client().prediction(keys[r].name(), streams.tokensSeen(ids[r]), logits, r * classes, classes);
                told.add(keys[r].client());
            } else {
                System.arraycopy(logits, r * classes, latest, ids[r] * classes, classes);
            }
            inStep[ids[r]] = false;
            keys[r] = null;
        }
        for (LiveOutput c : told) c.flush();
        told.clear();
        stepped += pending;
        pending = 0;
    }

    /** With {@link Emit#END}: the ending sequence's prediction, if it had any token. */
    private void tellEnd(Key key, int slot) {
        long seen = streams.tokensSeen(slot);
        if (seen > 0) key.client().prediction(key.name(), seen, latest, slot * classes, classes);
    }

    Summary summary() {
        int timed = (int) Math.min(steps, TIMED_STEPS);
        double[] times = Arrays.copyOf(stepMicros, timed);
        return new Summary(stepped, (int) Math.min(streamsOpened, Integer.MAX_VALUE),
                timed == 0 ? Double.NaN : Timing.median(times), timed == 0 ? Double.NaN : Timing.percentile(times, 99), timed);
    }
}
