package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.TokenStreams;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.quant.Calibration;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.Quantizer;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The live session against the engines stepped directly: same logits, per-stream order, batching, commands, refusals. */
class LiveSessionTest {
    private static final ModelConfig CONFIG = ModelConfig.loihi(2, 8, 4, 2, 3);
    private static final S4DModel MODEL = ModelInitializer.initialise(CONFIG, InitOptions.defaults(5));
    private static final int T = 6;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(List<JsonNode> predictions, String err, LiveSession.Summary summary) {
        List<JsonNode> of(String stream) {
            return predictions.stream().filter(p -> p.get("stream").asText().equals(stream)).toList();
        }
    }

    private static Run run(TokenStreams streams, String input) throws Exception {
        return run(streams, input, LiveRouter.Emit.TOKEN);
    }

    private static Run run(TokenStreams streams, String input, LiveRouter.Emit emit) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        LiveSession.Summary s = new LiveSession(new LiveRouter(streams, emit), new LiveOutput(new PrintWriter(out), LiveOutput.Format.JSONL), new PrintWriter(err))
                .run(new BoundedLines(new java.io.ByteArrayInputStream(input.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 1 << 16));
        List<JsonNode> predictions = new ArrayList<>();
        for (String line : out.toString().split("\n")) if (!line.isBlank()) predictions.add(JSON.readTree(line));
        return new Run(predictions, err.toString(), s);
    }

    private static float[][] sequences(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] s = new float[n][T * CONFIG.dInput()];
        for (float[] seq : s) for (int i = 0; i < seq.length; i++) seq[i] = (float) rng.nextGaussian();
        return s;
    }

    private static String line(String stream, float[] seq, int t) {
        return String.format(Locale.ROOT, "%s: %s, %s%n", stream, seq[2 * t], seq[2 * t + 1]);
    }

    /** The logits after every token of one sequence through a stream of its own, stepped directly. */
    private static float[][] alone(IntFunction<TokenStreams> open, float[] seq) {
        try (TokenStreams s = open.apply(1)) {
            float[][] out = new float[T][];
            for (int t = 0; t < T; t++) out[t] = s.step(0, Arrays.copyOfRange(seq, 2 * t, 2 * t + 2));
            return out;
        }
    }

    /** {@code exact}: integers (the fixed-point engine); else floats within 1e-5, since the float engine's dense layers sum in another order for one row than for several (StreamsTest). */
    private static void assertSameAsAlone(IntFunction<TokenStreams> open, List<JsonNode> predictions, float[] seq, boolean exact) {
        float[][] expected = alone(open, seq);
        assertThat(predictions).hasSize(T);
        for (int t = 0; t < T; t++) {
            JsonNode p = predictions.get(t);
            assertThat(p.get("token").asLong()).isEqualTo(t + 1);
            float[] logits = new float[CONFIG.nClasses()];
            for (int c = 0; c < logits.length; c++) logits[c] = (float) p.get("logits").get(c).asDouble();
            if (exact) {
                assertThat(logits).as("token %d", t + 1).containsExactly(expected[t]);
            } else {
                assertThat(logits).as("token %d", t + 1).containsExactly(expected[t], org.assertj.core.data.Offset.offset(1e-5f));
            }
            assertThat(p.get("class").asInt()).isEqualTo(Classifier.argmax(expected[t]));
        }
    }

    /** Three streams' tokens interleaved irregularly, as independent sensors would send them. */
    private static String interleaved(float[][] seqs) {
        StringBuilder in = new StringBuilder("# three sensors\n");
        int[] next = new int[3];
        int[] order = {0, 0, 1, 2, 1, 0, 2, 2, 1, 1, 0, 2, 0, 1, 2, 0, 1, 2};
        for (int s : order) in.append(line("s" + s, seqs[s], next[s]++)).append(s == 1 ? "\n" : "");
        return in.toString();
    }

    @Test
    void interleavedStreamsGetTheLogitsEachWouldGetAlone() throws Exception {
        RecurrentEngine engine = RecurrentEngine.compile(MODEL);
        float[][] seqs = sequences(3, 1);
        try (TokenStreams s = engine.open(4)) {
            Run r = run(s, interleaved(seqs));
            assertThat(r.summary().engine().tokens()).isEqualTo(3 * T);
            assertThat(r.summary().engine().streamsOpened()).isEqualTo(3);
            assertThat(r.summary().refusedLines()).isZero();
            for (int k = 0; k < 3; k++) assertSameAsAlone(engine::open, r.of("s" + k), seqs[k], false);
        }
    }

    @Test
    void theFixedPointEngineGivesTheSameIntegersLiveAsStepppedDirectly() throws Exception {
        float[][] calibration = sequences(4, 9);
        QuantizedModel q = Quantizer.quantize(MODEL, Calibration.of(MODEL, 1).run(calibration, n -> { }), QuantConfig.defaults());
        FixedPointEngine engine = FixedPointEngine.compile(q, new ChipOptions(false, 0, 1));
        float[][] seqs = sequences(3, 2);
        try (TokenStreams s = engine.open(3)) {
            Run r = run(s, interleaved(seqs));
            for (int k = 0; k < 3; k++) assertSameAsAlone(engine::open, r.of("s" + k), seqs[k], true);
        }
    }

    @Test
    void bufferedTokensOfDifferentStreamsShareAStepAndAStreamsOwnTokensDoNot() throws Exception {
        RecurrentEngine engine = RecurrentEngine.compile(MODEL);
        float[] seq = sequences(1, 3)[0];
        StringBuilder rounds = new StringBuilder();
        StringBuilder single = new StringBuilder();
        for (int t = 0; t < T; t++) {
            for (String name : List.of("a", "b", "c")) rounds.append(line(name, seq, t));
            single.append(line("a", seq, t));
        }
        try (TokenStreams s = engine.open(3)) {
            Run r = run(s, rounds.toString());
            assertThat(r.summary().engine().tokens()).isEqualTo(3 * T);
            assertThat(r.summary().engine().timedSteps()).as("steps for %d rounds of 3 streams", T).isEqualTo(T);
            // Output order is input order.
            assertThat(r.predictions().stream().map(p -> p.get("stream").asText()).toList().subList(0, 6))
                    .containsExactly("a", "b", "c", "a", "b", "c");
        }
        try (TokenStreams s = engine.open(3)) {
            assertThat(run(s, single.toString()).summary().engine().timedSteps()).isEqualTo(T);
        }
    }

    @Test
    void resetStartsANewSequenceAndCloseFreesTheSlot() throws Exception {
        RecurrentEngine engine = RecurrentEngine.compile(MODEL);
        float[][] seqs = sequences(2, 4);
        StringBuilder in = new StringBuilder();
        for (int t = 0; t < 3; t++) in.append(line("a", seqs[1], t));
        in.append("a: reset\n");
        for (int t = 0; t < T; t++) in.append(line("a", seqs[0], t));
        // With one slot, b must wait until a closes; closing an unknown stream is harmless.
        in.append(line("b", seqs[1], 0)).append("a: close\nnobody: close\nnobody: reset\n");
        for (int t = 0; t < T; t++) in.append(line("b", seqs[1], t));
        try (TokenStreams s = engine.open(1)) {
            Run r = run(s, in.toString());
            assertSameAsAlone(engine::open, r.of("a").subList(3, 3 + T), seqs[0], false);
            assertSameAsAlone(engine::open, r.of("b"), seqs[1], false);
            assertThat(r.summary().refusedLines()).isEqualTo(1);
            assertThat(r.err()).contains("line " + (3 + 1 + T + 1) + ": stream 'b' would be stream 2 but at most 1 are open (--streams);"
                    + " close one first ('NAME: close'); line skipped");
        }
    }

    @Test
    void emitEndPrintsEachSequencesLastPredictionWhenItEnds() throws Exception {
        RecurrentEngine engine = RecurrentEngine.compile(MODEL);
        float[][] seqs = sequences(2, 6);
        StringBuilder in = new StringBuilder();
        for (int t = 0; t < T; t++) {
            if (t < 3) in.append(line("a", seqs[1], t));
            in.append(line("b", seqs[0], t));
        }
        in.append("a: reset\n");
        for (int t = 0; t < T; t++) in.append(line("a", seqs[0], t));
        in.append("b: close\nb: close\nnobody: reset\n");
        try (TokenStreams s = engine.open(2); TokenStreams again = engine.open(2)) {
            List<JsonNode> every = run(s, in.toString()).predictions();
            Run ends = run(again, in.toString(), LiveRouter.Emit.END);
            // a's first sequence ends at its reset, b at its close, a's second at the end of the input.
            assertThat(ends.predictions()).extracting(p -> p.get("stream").asText() + "#" + p.get("token").asInt())
                    .containsExactly("a#3", "b#6", "a#6");
            List<JsonNode> lastOfEach = List.of(every.get(4), every.get(8), every.get(every.size() - 1));
            for (int i = 0; i < 3; i++) {
                assertThat(ends.predictions().get(i).get("stream")).isEqualTo(lastOfEach.get(i).get("stream"));
                assertThat(ends.predictions().get(i).get("logits")).isEqualTo(lastOfEach.get(i).get("logits"));
            }
            assertThat(ends.summary().engine().tokens()).isEqualTo(3 + 2L * T);
        }
    }

    @Test
    void aRefusedLineMovesNoStream() throws Exception {
        RecurrentEngine engine = RecurrentEngine.compile(MODEL);
        float[] seq = sequences(1, 5)[0];
        StringBuilder in = new StringBuilder();
        for (int t = 0; t < T; t++) {
            in.append(line("a", seq, t));
            if (t == 2) in.append("a: 1, 2, 3\n").append("a: 1, NaN\n").append("0.5\n");
        }
        try (TokenStreams s = engine.open(2)) {
            Run r = run(s, in.toString());
            assertSameAsAlone(engine::open, r.of("a"), seq, false);
            assertThat(r.summary().refusedLines()).isEqualTo(3);
            assertThat(r.summary().engine().streamsOpened()).isEqualTo(1);
            assertThat(r.err()).contains("line 4: expected a token of 2 numbers", "line 5: value 2 'NaN' is not finite", "line 6: expected");
        }
    }

    @Test
    void aLiveSourceGetsEachPredictionBeforeItsNextTokenIsSent() throws Exception {
        RecurrentEngine engine = RecurrentEngine.compile(MODEL);
        java.io.PipedOutputStream source = new java.io.PipedOutputStream();
        BoundedLines in = new BoundedLines(new java.io.PipedInputStream(source), 1 << 16);
        StringWriter out = new StringWriter();
        try (TokenStreams s = engine.open(1)) {
            CompletableFuture<LiveSession.Summary> session = OwnThread.supply(() -> {
                try {
                    return new LiveSession(new LiveRouter(s), new LiveOutput(new PrintWriter(out), LiveOutput.Format.TEXT),
                            new PrintWriter(new StringWriter())).run(in);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (int t = 1; t <= 3; t++) {
                source.write("0.5, 0.25\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                source.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                int expected = t;
                while (out.toString().lines().count() < expected && System.nanoTime() < deadline) Thread.sleep(5);
                assertThat(out.toString().lines().count()).as("predictions printed while the source waits").isEqualTo(t);
                assertThat(out.toString().lines().toList().get(t - 1)).startsWith("0\t" + t + "\t");
            }
            source.close();
            assertThat(session.get(20, TimeUnit.SECONDS).engine().tokens()).isEqualTo(3);
        }
    }
}
