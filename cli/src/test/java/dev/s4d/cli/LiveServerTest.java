package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.Streams;
import dev.s4d.engine.TokenStreams;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s4d live --listen}: clients over real sockets, each with its own streams and its own answers. */
class LiveServerTest {
    private static final ModelConfig CONFIG = ModelConfig.loihi(1, 8, 4, 1, 3);
    private static final RecurrentEngine ENGINE = RecurrentEngine.compile(ModelInitializer.initialise(CONFIG, InitOptions.defaults(3)));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TokenStreams streams;
    private LiveServer server;
    private CompletableFuture<LiveRouter.Summary> serving;
    private final StringWriter log = new StringWriter();
    /** Every socket a test opens, closed after it even when it fails, so no client is left blocked. */
    private final List<Socket> sockets = new ArrayList<>();

    private void start(int slots, LiveOutput.Format format) throws Exception {
        start(slots, format, LiveServer.DEFAULT_MAX_PENDING_BYTES);
    }

    private void start(int slots, LiveOutput.Format format, long maxPendingBytes) throws Exception {
        start(slots, format, maxPendingBytes, LiveRouter.Emit.TOKEN);
    }

    private void start(int slots, LiveOutput.Format format, long maxPendingBytes, LiveRouter.Emit emit) throws Exception {
        streams = ENGINE.open(slots);
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server = new LiveServer(new LiveRouter(streams, emit), format, socket, new PrintWriter(log, true), maxPendingBytes);
        serving = OwnThread.supply(() -> {
            try {
                return server.serve();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) s.close();
        if (server != null) {
            server.close();
            try {
                serving.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the server did not stop within 20 s\n" + threadDump(), e);
            }
            streams.close();
        }
    }

    /**
     * Every thread's stack, virtual ones included, for a failure message: a server that stops answering
     * leaves nothing else to go on.
     */
    private String threadDump() {
        try {
            Path file = dir.resolve("threads-" + System.nanoTime() + ".txt");
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            return "threads:\n" + Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private final class Client {
        final Socket socket;
        final OutputStream out;
        final BufferedReader in;

        Client() throws Exception {
            socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
            socket.setSoTimeout(20_000);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            sockets.add(socket);
        }

        void send(String text) throws Exception {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String read() throws Exception {
            String line = in.readLine();
            assertThat(line).as("a reply before the connection ended").isNotNull();
            return line;
        }
    }

    private static float[] logitsOf(JsonNode p) {
        float[] v = new float[CONFIG.nClasses()];
        for (int c = 0; c < v.length; c++) v[c] = (float) p.get("logits").get(c).asDouble();
        return v;
    }

    private static float value(int client, int t) {
        return (float) Math.sin(0.7 * t + 2 * client);
    }

    @Test
    void twoClientsUsingTheSameStreamNameEachGetTheirOwnSequencesAnswers() throws Exception {
        start(4, LiveOutput.Format.JSONL);
        Client a = new Client();
        Client b = new Client();
        int tokens = 20;
        // Both send at once, so their tokens meet in shared steps; each stream is still its own.
        for (int t = 0; t < tokens; t++) {
            a.send(String.format(Locale.ROOT, "x: %s%n", value(0, t)));
            b.send(String.format(Locale.ROOT, "x: %s%n", value(1, t)));
        }
        for (int k = 0; k < 2; k++) {
            Client c = k == 0 ? a : b;
            try (Streams alone = ENGINE.open(1)) {
                for (int t = 0; t < tokens; t++) {
                    JsonNode p = JSON.readTree(c.read());
                    assertThat(p.get("stream").asText()).isEqualTo("x");
                    assertThat(p.get("token").asInt()).isEqualTo(t + 1);
                    assertThat(logitsOf(p)).as("client %d token %d", k, t + 1)
                            .containsExactly(alone.step(0, new float[]{value(k, t)}), org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
        assertThat(log.toString()).contains("client #1 ", "client #2 ", "connected");
    }

    @Test
    void aBadLineIsAnsweredWithItsReasonAndTheConnectionGoesOn() throws Exception {
        start(2, LiveOutput.Format.TEXT);
        Client a = new Client();
        a.send("0.5\n0.5, 0.5\nnot-a-number\n" + "9".repeat(LiveServer.MAX_LINE + 10) + "\n0.25\n");
        assertThat(a.read()).startsWith("0\t1\t");
        assertThat(a.read()).isEqualTo("error\tline 2: expected a token of 1 number (the model's d_input), 'reset' or 'close',"
                + " got 2 field(s): '0.5, 0.5'");
        assertThat(a.read()).isEqualTo("error\tline 3: value 1 'not-a-number' is not a number");
        assertThat(a.read()).isEqualTo("error\tline 4: line longer than " + LiveServer.MAX_LINE + " bytes");
        assertThat(a.read()).startsWith("0\t2\t");
        assertThat(server.refusedLines()).isEqualTo(3);
    }

    @Test
    void jsonErrorsEscapeWhatTheClientSent() throws Exception {
        start(1, LiveOutput.Format.JSONL);
        Client a = new Client();
        a.send("\"q\\\n");
        JsonNode e = JSON.readTree(a.read());
        assertThat(e.get("line").asInt()).isEqualTo(1);
        assertThat(e.get("error").asText()).isEqualTo("value 1 '\"q\\' is not a number");
    }

    @Test
    void aClientThatLeavesFreesItsStreamsForOthers() throws Exception {
        start(1, LiveOutput.Format.TEXT);
        Client a = new Client();
        a.send("a: 0.5\n");
        assertThat(a.read()).startsWith("a\t1\t");
        Client b = new Client();
        b.send("b: 0.5\n");
        assertThat(b.read()).startsWith("error\tline 1: stream 'b' would be stream 2 but at most 1 are open");
        // An orderly end of input: a still gets the answers to what it sent before, then the server closes the connection.
        a.send("a: 0.25\n");
        a.socket.shutdownOutput();
        assertThat(a.read()).startsWith("a\t2\t");
        assertThat(a.in.readLine()).isNull();
        b.send("b: 0.5\n");
        assertThat(b.read()).as("the freed slot starts from zero").startsWith("b\t1\t");
    }

    @Test
    void aClientThatDoesNotReadItsPredictionsIsDisconnectedAndTheOthersGoOn() throws Exception {
        start(2, LiveOutput.Format.TEXT, 64 << 10);
        Socket deaf = new Socket();
        sockets.add(deaf);
        deaf.setReceiveBufferSize(1024);
        deaf.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
        Client polite = new Client();
        CompletableFuture<Void> flood = OwnThread.run(() -> {
            byte[] token = "0.5\n".getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = deaf.getOutputStream()) {
                for (int i = 0; i < 5_000_000; i++) out.write(token);
            } catch (IOException e) {
                // Disconnected by the server, as it should be.
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!log.toString().contains("does not read its predictions; disconnected") && System.nanoTime() < deadline) Thread.sleep(20);
        if (!log.toString().contains("does not read its predictions; disconnected")) {
            throw new AssertionError("no disconnect within 60 s; server log:\n" + log + threadDump());
        }
        assertThat(log.toString()).contains("client #1 ");
        try {
            flood.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the disconnected client could still write after 60 s; server log:\n" + log + threadDump(), e);
        }
        polite.send("0.5\n");
        assertThat(polite.read()).startsWith("0\t1\t");
    }

    @Test
    void withEmitEndAClientThatEndsItsInputGetsItsSequencesPredictions() throws Exception {
        start(4, LiveOutput.Format.TEXT, LiveServer.DEFAULT_MAX_PENDING_BYTES, LiveRouter.Emit.END);
        Client a = new Client();
        a.send("y: 0.1\nx: 0.5\nx: 0.25\nx: reset\nx: 0.75\ny: 0.2\n");
        assertThat(a.read()).startsWith("x\t2\t");
        a.socket.shutdownOutput();
        assertThat(a.read()).startsWith("x\t1\t");
        assertThat(a.read()).startsWith("y\t2\t");
        assertThat(a.in.readLine()).isNull();
    }

    @Test
    void closingTheServerEndsServingAndEveryConnection() throws Exception {
        start(2, LiveOutput.Format.TEXT);
        Client a = new Client();
        a.send("0.5\n0.5\n");
        a.read();
        a.read();
        server.close();
        LiveRouter.Summary s = serving.get(20, TimeUnit.SECONDS);
        assertThat(s.tokens()).isEqualTo(2);
        assertThat(a.in.readLine()).isNull();
        // Not asserted: that a new connection to the old port is refused. On loopback a connect to a closed
        // port in the ephemeral range can connect to itself (TCP simultaneous open), so such a check flickers.
    }

    @Test
    void listenAddressesAreCheckedBeforeAnythingStarts() {
        assertThat(LiveCommand.address("0").getPort()).isZero();
        assertThat(LiveCommand.address("localhost:9000").getPort()).isEqualTo(9000);
        assertThat(LiveCommand.address("9000").getHostString()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> LiveCommand.address("http")).hasMessageContaining("--listen expects [HOST:]PORT, got 'http'");
        assertThatThrownBy(() -> LiveCommand.address("70000")).hasMessageContaining("--listen port must be 0..65535, got 70000");
        assertThatThrownBy(() -> LiveCommand.address("no.such.host.invalid:9000")).hasMessageContaining("cannot be resolved");
        Path model = Cli.tinyModel(dir, "m.safetensors");
        Cli.run("live", "--model", model.toString(), "--listen", "0", "--input", "x.txt").failsWith(1, "--input and --listen exclude each other");
    }
}
