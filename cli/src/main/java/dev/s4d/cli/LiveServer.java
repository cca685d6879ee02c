package dev.s4d.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code s4d live --listen}: token lines from any number of TCP clients through one engine, each
 * client's predictions (and the reasons for any line refused) sent back on its own connection.
 *
 * <p>Threads: one accepts connections; each client has a reader, which parses its lines into
 * events, and a sender, which writes its output. One engine thread takes the events in arrival order
 * and steps everything waiting in one engine step, so clients sending at the same time share steps
 * while a lone token is answered at once. Only the engine thread touches the engine and the router.
 *
 * <p>Limits that keep one client from hurting the others: lines longer than {@link #MAX_LINE}
 * bytes are refused (and skipped to their end) without being stored; a client that does not read
 * its predictions is disconnected once more than a set number of bytes of its output wait (8 MiB
 * by default);
 * a full event queue makes readers wait, which slows the fastest senders through TCP itself.
 */
final class LiveServer implements AutoCloseable {
    static final int MAX_LINE = 1 << 16;
    static final long DEFAULT_MAX_PENDING_BYTES = 8L << 20;
    private static final int QUEUE = 1 << 14;

    private sealed interface Event permits Parsed, Refused, Gone, Stop {
    }

    private record Parsed(Client client, long lineNo, LiveLine line) implements Event {
    }

    private record Refused(Client client, long lineNo, String message) implements Event {
    }

    private record Gone(Client client) implements Event {
    }

    private record Stop() implements Event {
    }

    private final LiveRouter router;
    private final LiveOutput.Format format;
    private final ServerSocket socket;
    private final PrintWriter log;
    private final long maxPendingBytes;
    private final BlockingQueue<Event> events = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong clients = new AtomicLong();
    private final java.util.Set<Client> connected = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private long refused;
    private volatile boolean closed;

    /** Serves on an already bound socket; {@code log} gets one line per client connecting and leaving. */
    LiveServer(LiveRouter router, LiveOutput.Format format, ServerSocket socket, PrintWriter log) {
        this(router, format, socket, log, DEFAULT_MAX_PENDING_BYTES);
    }

    /** As above, disconnecting a client when more than {@code maxPendingBytes} of its output wait to be sent. */
    LiveServer(LiveRouter router, LiveOutput.Format format, ServerSocket socket, PrintWriter log, long maxPendingBytes) {
        this.router = router;
        this.format = format;
        this.socket = socket;
        this.log = log;
        this.maxPendingBytes = maxPendingBytes;
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Lines refused so far over all clients. */
    long refusedLines() {
        return refused;
    }

    /** Accepts clients and steps their tokens until {@link #close()}; returns the router's summary. */
    LiveRouter.Summary serve() throws InterruptedException {
        Thread acceptor = Thread.ofPlatform().daemon().name("s4d-live-accept").start(this::acceptLoop);
        try {
            boolean running = true;
            while (running) {
                // Everything that arrived while the last step ran goes into the next one.
                running = handle(events.take());
                for (Event e; running && (e = events.poll()) != null; ) running = handle(e);
                router.flush();
            }
        } finally {
            acceptor.interrupt();
            for (Client c : connected) {
                c.finish();
                c.closeSocket();
            }
        }
        return router.summary();
    }

    /** Stops accepting, ends {@link #serve()} and closes every connection. Safe to call from any thread, more than once. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is all that is wanted; a failure to close has nothing left to stop.
        }
        // The queue may be full; the engine thread drains it, so the stop arrives eventually.
        Thread.ofVirtual().start(() -> {
            try {
                events.put(new Stop());
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private boolean handle(Event e) {
        switch (e) {
            case Parsed p -> {
                try {
                    router.accept(p.client().output, p.line());
                } catch (IllegalArgumentException ex) {
                    refuse(p.client(), p.lineNo(), ex.getMessage());
                }
            }
            case Refused r -> refuse(r.client(), r.lineNo(), r.message());
            case Gone g -> {
                connected.remove(g.client());
                // After an orderly end of its input a client may still be reading: it gets its sequences' ends.
                router.closeAll(g.client().output, true);
                g.client().finish();
                log.printf("s4d live: client %s left%n", g.client().name);
                log.flush();
            }
            case Stop s -> {
                return false;
            }
        }
        return true;
    }

    private void refuse(Client c, long lineNo, String message) {
        refused++;
        // The client's earlier tokens are answered first, so its output stays in the order it sent.
        router.flush();
        c.output.refused(lineNo, message);
        c.output.flush();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.println("s4d live: accepting a connection failed: " + e.getMessage());
                    log.flush();
                }
                continue;
            }
            Client c = new Client(s, "#" + clients.incrementAndGet() + " " + s.getRemoteSocketAddress());
            connected.add(c);
            log.printf("s4d live: client %s connected%n", c.name);
            log.flush();
            Thread.ofVirtual().name("s4d-live-read " + c.name).start(() -> c.readLoop());
            Thread.ofVirtual().name("s4d-live-send " + c.name).start(c::sendLoop);
        }
    }

    /** Queues an event for the engine thread; once the server is closed nobody takes them, so they are dropped. */
    private void put(Event e) {
        if (closed) return;
        try {
            events.put(e);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** One connection: its reader and sender threads, and the output the engine thread writes into. */
    private final class Client {

        final String name;
        final Socket socket;
        final LiveOutput output;
        final AtomicLong lines = new AtomicLong();
        /** Output waiting to be sent; an empty chunk marks the end (a flush never queues an empty one). */
        private final BlockingQueue<byte[]> outbound = new LinkedBlockingQueue<>();
        private final AtomicLong pendingBytes = new AtomicLong();

        Client(Socket socket, String name) {
            this.socket = socket;
            this.name = name;
            this.output = new LiveOutput(new PrintWriter(new ChunkWriter()), format);
        }

        void readLoop() {
            // The socket's input stream is not closed here: that would close the socket, and the sender may
            // still owe this client answers. The sender closes the socket when its output ends.
            try {
                BoundedLines in = new BoundedLines(socket.getInputStream(), MAX_LINE);
                while (!closed) {
                    long lineNo = lines.incrementAndGet();
                    try {
                        String text = in.next();
                        if (text == null) break;
                        put(new Parsed(this, lineNo, LiveLine.parse(text, router.dInput())));
                    } catch (IllegalArgumentException e) {
                        put(new Refused(this, lineNo, e.getMessage()));
                    }
                }
            } catch (IOException e) {
                // A reset or closed connection ends this client like an orderly end of input.
            }
            put(new Gone(this));
        }

        void sendLoop() {
            try (OutputStream out = socket.getOutputStream()) {
                while (true) {
                    byte[] chunk = outbound.take();
                    if (chunk.length == 0) break;
                    out.write(chunk);
                    out.flush();
                    pendingBytes.addAndGet(-chunk.length);
                }
            } catch (IOException | InterruptedException e) {
                // The client went away or the server stopped; either way nothing more can be sent.
            } finally {
                closeSocket();
            }
        }

        /** No more output will come: the sender ends after what is queued. */
        void finish() {
            outbound.add(new byte[0]);
        }

        /**
         * Disconnects a client that stopped reading. Its sender is blocked in a write that will never
         * finish, and a close from this thread only completes once that write returns, so the connection
         * is first shut down in the kernel, which fails the blocked write and any read at once instead of
         * relying on the close waking them. Linger zero makes the close a reset: the client learns at once
         * that its unread input was thrown away.
         */
        private void cutOff() {
            try {
                socket.setSoLinger(true, 0);
                socket.shutdownInput();
                socket.shutdownOutput();
            } catch (IOException e) {
                // Already closed or reset by the client; the close below is all that is left.
            }
            closeSocket();
        }

        private void closeSocket() {
            try {
                socket.close();
            } catch (IOException e) {
                // Already as closed as it can be.
            }
        }

        /** Collects what the engine thread prints and hands it to the sender on every flush. */
        private final class ChunkWriter extends Writer {
            private final StringBuilder buf = new StringBuilder();
            private boolean dropped;

            @Override
            public void write(char[] cbuf, int off, int len) {
                buf.append(cbuf, off, len);
            }

            @Override
            public void flush() {
                if (buf.isEmpty()) return;
                byte[] chunk = buf.toString().getBytes(StandardCharsets.UTF_8);
                buf.setLength(0);
                // Until the reader notices the closed socket, output for a dropped client goes nowhere.
                if (dropped) return;
                if (pendingBytes.addAndGet(chunk.length) > maxPendingBytes) {
                    dropped = true;
                    // The client is not reading; holding more of its output would only grow without end.
                    log.printf("s4d live: client %s does not read its predictions; disconnected%n", name);
                    log.flush();
                    cutOff();
                    return;
                }
                outbound.add(chunk);
            }

            @Override
            public void close() {
            }
        }
    }
}
